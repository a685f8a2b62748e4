"""One contract for every `ChangeCollector`: the in-memory fake and dulwich on a real repository."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from adapters.git.changes import DulwichChangeCollector
from domain.changes.change_set import ChangeSet
from ports.changes import ChangeCollector
from tests.fakes.changes import FakeChangeCollector, FakeRepository
from tests.support.gitrepo import commit_all, git, init_repo, write

BASE_FILES = {
    "a.txt": "a\n",
    "docs/old.md": "# a page moved without edits\n",
    "src/b.py": "b = 1\n",
    "pyproject.toml": "[project]\nname = 'x'\n",
}
CHANGED_FILES = {"src/b.py": "b = 1\nb = 2\n", "notes/n.txt": "n\n", "debug.log": "ignored\n"}

# (collector, repository, base commit, path that is not a repository)
Setup = tuple[ChangeCollector, str, str, str]


def _fake(tmp_path: Path) -> Setup:
    repo = FakeRepository({p: t.encode() for p, t in BASE_FILES.items()})
    repo.ignored_suffixes.append(".log")
    repo.worktree.update({p: t.encode() for p, t in CHANGED_FILES.items()})
    del repo.worktree["a.txt"]
    repo.worktree["docs/new.md"] = repo.worktree.pop("docs/old.md")
    repo.worktree[".pytest_cache/.gitignore"] = b"*\n"
    repo.worktree[".pytest_cache/v/x"] = b"cache\n"
    repo.self_ignoring.append(".pytest_cache/")
    return FakeChangeCollector({"/repo": repo}), "/repo", "base", "/nowhere"


def _dulwich(tmp_path: Path) -> Setup:
    repo = init_repo(tmp_path / "repo", {**BASE_FILES, ".gitignore": "*.log\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    write(repo, CHANGED_FILES)
    write(repo, {".pytest_cache/.gitignore": "*\n", ".pytest_cache/v/x": "cache\n"})
    (repo / "a.txt").unlink()
    (repo / "docs/old.md").rename(repo / "docs/new.md")
    return DulwichChangeCollector(), str(repo), base, str(tmp_path)


@pytest.fixture(params=[_fake, _dulwich], ids=["fake", "dulwich"])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Setup:
    factory: Callable[[Path], Setup] = request.param
    return factory(tmp_path)


def _collect(collector: ChangeCollector, repo: str, base: str) -> ChangeSet:
    async def run() -> ChangeSet:
        return (await collector.collect(repo, base)).unwrap()

    return anyio.run(run)


def test_collects_edits_deletions_renames_and_untracked_files(setup: Setup) -> None:
    collector, repo, base, _ = setup
    changes = _collect(collector, repo, base).changes
    assert [(c.kind, c.path, c.old_path) for c in changes] == [
        ("deleted", "a.txt", None),
        ("renamed", "docs/new.md", "docs/old.md"),
        ("added", "notes/n.txt", None),
        ("modified", "src/b.py", None),
    ]


def test_self_ignoring_folders_are_excluded_from_the_candidate_tree(setup: Setup) -> None:
    collector, repo, base, _ = setup
    collected = _collect(collector, repo, base)
    assert collected.excluded == (".pytest_cache/",)
    assert collected.tree is not None


def test_the_candidate_tree_is_the_same_for_the_same_worktree(setup: Setup) -> None:
    collector, repo, base, _ = setup
    assert _collect(collector, repo, base).tree == _collect(collector, repo, base).tree


def test_added_lines_have_their_line_numbers(setup: Setup) -> None:
    collector, repo, base, _ = setup
    change = next(c for c in _collect(collector, repo, base).changes if c.path == "src/b.py")
    assert (change.added_line_count, [(h.start, h.text) for h in change.added]) == (
        1,
        [(2, "b = 2")],
    )


def test_default_base_without_upstream_is_head(setup: Setup) -> None:
    collector, repo, base, _ = setup
    assert anyio.run(collector.default_base, repo).unwrap() == base


def test_unknown_repository_is_repo_not_found(setup: Setup) -> None:
    collector, _, base, nowhere = setup
    assert anyio.run(collector.collect, nowhere, base).failure().code == "repo-not-found"


def test_unknown_base_is_base_not_found(setup: Setup) -> None:
    collector, repo, _, _ = setup
    assert anyio.run(collector.collect, repo, "0" * 40).failure().code == "base-not-found"


def test_pairs_give_base_and_worktree_text_or_none(setup: Setup) -> None:
    collector, repo, base, _ = setup
    write_after = "[project]\nname = 'x'\n"
    pairs = anyio.run(collector.read_pairs, repo, base, ("pyproject.toml", "svc/pyproject.toml"))
    assert [(p.before, p.after) for p in pairs.unwrap()] == [
        (write_after, write_after),
        (None, None),
    ]


TOKEN = "ghp_" + "Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5"


def _committed_fake(tmp_path: Path) -> tuple[ChangeCollector, str, str]:
    repo = FakeRepository({"a.txt": b"a\n"})
    repo.worktree["docs/k.md"] = f"notes\n{TOKEN}\n".encode()
    repo.commit("add")
    del repo.worktree["docs/k.md"]
    repo.commit("remove")
    return FakeChangeCollector({"/repo": repo}), "/repo", "base"


def _committed_dulwich(tmp_path: Path) -> tuple[ChangeCollector, str, str]:
    repo = init_repo(tmp_path / "repo", {"a.txt": "a\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    write(repo, {"docs/k.md": f"notes\n{TOKEN}\n"})
    commit_all(repo, "add")
    (repo / "docs/k.md").unlink()
    commit_all(repo, "remove")
    return DulwichChangeCollector(), str(repo), base


@pytest.mark.parametrize("factory", [_committed_fake, _committed_dulwich], ids=["fake", "dulwich"])
def test_history_holds_what_each_commit_added_even_if_removed_later(
    tmp_path: Path, factory: Callable[[Path], tuple[ChangeCollector, str, str]]
) -> None:
    collector, repo, base = factory(tmp_path)
    changes = _collect(collector, repo, base)
    assert changes.changes == ()
    assert changes.history.commits == 2
    # Hunks may group lines differently; the lines and their numbers are the contract.
    lines = [
        (f.path, h.start + offset, text)
        for f in changes.history.files
        for h in f.added
        for offset, text in enumerate(h.text.split("\n"))
    ]
    assert lines == [("docs/k.md", 1, "notes"), ("docs/k.md", 2, TOKEN)]


@pytest.mark.parametrize("factory", [_committed_fake, _committed_dulwich], ids=["fake", "dulwich"])
def test_history_holds_the_names_each_commit_brought_in_and_its_message(
    tmp_path: Path, factory: Callable[[Path], tuple[ChangeCollector, str, str]]
) -> None:
    collector, repo, base = factory(tmp_path)
    history = _collect(collector, repo, base).history
    assert [(f.path, f.path_added) for f in history.files] == [("docs/k.md", True)]
    messages = [dict(text.parts)["message"] for text in history.texts]
    assert messages == ["add\n", "remove\n"]

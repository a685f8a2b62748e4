"""Submodules: a worktree that differs from its recorded commit is a change of the gitlink.

git commits only the submodule's commit id, but pytest and every gate read the files in its
folder: an agent that writes `vendor/conftest.py`, edits a vendored file, or deletes
`vendor/.git` and fills the folder must not pass as "nothing changed". Repositories are built
with the git CLI, and where git has an opinion its `git status` must list the same path.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from adapters.git.changes import DulwichSnapshotter, collect_changes
from adapters.git.changes import _stat_cache as stat_cache_module
from domain.changes.change_set import MODE_GITLINK, ChangeSet
from domain.changes.snapshot import WorktreeSnapshot, side_effects
from entrypoints.cli.main import main
from tests.support.gitrepo import commit_all, git, git_bytes, init_repo, write

pytestmark = pytest.mark.integration

RACY_S = 0.05


@pytest.fixture(autouse=True)
def short_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stat_cache_module, "RACY_NS", int(RACY_S * 1e9))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A base commit with a submodule `vendor` (its own `.gitignore` ignores `*.log`)."""
    upstream = init_repo(tmp_path / "upstream", {"lib.py": "X = 1\n", ".gitignore": "*.log\n"})
    main_repo = init_repo(tmp_path / "repo", {"a.txt": "a\n"})
    git(
        main_repo,
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        str(upstream),
        "vendor",
    )
    commit_all(main_repo, "add the submodule")
    return main_repo


def _collect(repo: Path, cache: Path | None = None) -> ChangeSet:
    folder = None if cache is None else str(cache)
    return collect_changes(str(repo), "HEAD", stat_cache_dir=folder).unwrap()


def _paths(changes: ChangeSet) -> dict[str, tuple[str, int | None]]:
    return {c.path: (c.kind, c.new_mode) for c in changes.changes}


def _git_status_paths(repo: Path) -> set[str]:
    out = git_bytes(repo, "status", "--porcelain=v1", "-z", "--untracked-files=all")
    return {os.fsdecode(entry[3:]) for entry in out.split(b"\0") if entry}


def _untracked_conftest(repo: Path) -> None:
    write(repo, {"vendor/conftest.py": "import os\n"})


def _edited_file(repo: Path) -> None:
    write(repo, {"vendor/lib.py": "X = 2\n"})


def _deleted_file(repo: Path) -> None:
    (repo / "vendor/lib.py").unlink()


def _executable_bit(repo: Path) -> None:
    (repo / "vendor/lib.py").chmod(0o755)


def _other_head(repo: Path) -> None:
    write(repo, {"vendor/lib.py": "X = 3\n"})
    commit_all(repo / "vendor", "move the submodule")


def _staged_in_the_submodule(repo: Path) -> None:
    write(repo, {"vendor/new.py": "Y = 1\n"})
    git(repo / "vendor", "add", "new.py")


GIT_AGREES: dict[str, Callable[[Path], None]] = {
    "untracked-conftest": _untracked_conftest,
    "edited-file": _edited_file,
    "deleted-file": _deleted_file,
    "executable-bit": _executable_bit,
    "other-head": _other_head,
    "staged-in-the-submodule": _staged_in_the_submodule,
}


@pytest.mark.parametrize("scenario", GIT_AGREES, ids=list(GIT_AGREES))
def test_a_submodule_worktree_that_differs_is_a_gitlink_change_as_git_status_says(
    repo: Path, scenario: str
) -> None:
    GIT_AGREES[scenario](repo)
    assert _paths(_collect(repo)) == {"vendor": ("modified", MODE_GITLINK)}
    assert _git_status_paths(repo) == {"vendor"}


def _git_file(repo: Path) -> Path:
    return repo / "vendor/.git"


def _dot_git_deleted_and_folder_filled(repo: Path) -> None:
    _git_file(repo).unlink()
    write(repo, {"vendor/conftest.py": "import os\n"})


def _dot_git_pointing_nowhere(repo: Path) -> None:
    _git_file(repo).write_text("gitdir: /nonexistent/modules/vendor\n")


def _dot_git_garbage(repo: Path) -> None:
    _git_file(repo).write_text("not a git file\n")


def _submodule_objects_gone(repo: Path) -> None:
    shutil.rmtree(repo / ".git/modules/vendor/objects")
    (repo / ".git/modules/vendor/objects").mkdir()


BROKEN: dict[str, Callable[[Path], None]] = {
    "dot-git-deleted-folder-filled": _dot_git_deleted_and_folder_filled,
    "dot-git-pointing-nowhere": _dot_git_pointing_nowhere,
    "dot-git-garbage": _dot_git_garbage,
    "objects-gone": _submodule_objects_gone,
}


@pytest.mark.parametrize("scenario", BROKEN, ids=list(BROKEN))
def test_a_submodule_without_a_readable_repository_is_a_gitlink_change(
    repo: Path, scenario: str
) -> None:
    BROKEN[scenario](repo)
    assert _paths(_collect(repo)) == {"vendor": ("modified", MODE_GITLINK)}


def test_a_clean_submodule_is_no_change(repo: Path) -> None:
    assert _collect(repo).changes == ()
    assert _git_status_paths(repo) == set()


def test_what_the_submodules_own_committed_rules_ignore_is_no_change(repo: Path) -> None:
    write(repo, {"vendor/debug.log": "x\n"})
    assert _collect(repo).changes == ()
    assert _git_status_paths(repo) == set()


def test_a_submodule_never_checked_out_is_no_change(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    assert (clone / "vendor").is_dir()
    assert not any((clone / "vendor").iterdir())
    assert _collect(clone).changes == ()
    assert _git_status_paths(clone) == set()


def test_a_submodule_dropped_from_the_index_is_still_inspected(repo: Path) -> None:
    # `git add -A` would record the folder as a gitlink again, at its HEAD: the same commit.
    git(repo, "rm", "-q", "--cached", "vendor")
    assert _collect(repo).changes == ()
    _untracked_conftest(repo)
    assert _paths(_collect(repo)) == {"vendor": ("modified", MODE_GITLINK)}


def test_a_dirty_submodule_is_blocked_as_a_submodule_change(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _untracked_conftest(repo)
    config = tmp_path / "engineering-loop.toml"
    config.write_text('[policy]\nallowed_paths = ["vendor", "a.txt"]\n')
    code = main(["policy", "check", "--repo", str(repo), "--config", str(config), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(v["code"], v["path"]) for v in report["repos"][0]["violations"]] == [
        ("submodule-change", "vendor")
    ]


def _age() -> None:
    time.sleep(RACY_S * 2)


def _keep_mtime_edit(repo: Path) -> None:
    target = repo / "vendor/lib.py"
    before = os.stat(target)
    target.write_text("X = 9\n")
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.mark.parametrize(
    "scenario",
    [_untracked_conftest, _edited_file, _keep_mtime_edit, _deleted_file],
    ids=["untracked", "edited", "edited-mtime-restored", "deleted"],
)
def test_a_warm_stat_cache_sees_a_dirty_submodule(
    repo: Path, tmp_path: Path, scenario: Callable[[Path], None]
) -> None:
    cache = tmp_path / "cache"
    _age()
    assert _collect(repo, cache).changes == ()
    _age()
    assert _collect(repo, cache).changes == ()  # now every file, the submodule's too, is cached
    assert len(list(cache.iterdir())) == 2  # the parent's cache file and the submodule's
    scenario(repo)
    assert _collect(repo, cache) == _collect(repo, None)
    assert _paths(_collect(repo, cache)) == {"vendor": ("modified", MODE_GITLINK)}


def test_a_gate_writing_into_a_submodule_is_a_side_effect(repo: Path) -> None:
    snapshotter = DulwichSnapshotter()

    def snap() -> WorktreeSnapshot:
        return anyio.run(snapshotter.snapshot, str(repo)).unwrap()

    _age()
    before = snap()
    remembered = snapshotter._caches[os.path.abspath(repo)]
    assert [len(child.known) for child in remembered.children.values()] == [2]
    write(repo, {"vendor/trace.txt": "x\n"})
    after = snap()
    assert side_effects(before, after) == ("vendor",)
    # Already dirty, and written again: still a side effect.
    write(repo, {"vendor/trace.txt": "y\n"})
    assert side_effects(after, snap()) == ("vendor",)

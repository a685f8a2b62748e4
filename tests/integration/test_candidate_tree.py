"""The candidate tree against real git, and its checkout (issue 11).

The candidate tree is the base tree plus the change (committed, staged, unstaged, untracked),
minus untracked self-ignoring folders and what the base's committed rules ignore: what
`git add -A && git write-tree` writes in a copy of the worktree where only those rules apply.
"""

from __future__ import annotations

import os
import shutil
import stat
import zlib
from pathlib import Path
from typing import Any

import anyio
import pytest
from dulwich.objects import Blob, ObjectID, Tree
from dulwich.repo import Repo

from adapters.git.changes import _candidate, collect_changes
from adapters.git.checkout import DulwichCheckout, checkout_folder, checkout_tree
from domain.changes.change_set import ChangeSet
from tests.support.gitrepo import commit_all, git, git_bytes, init_repo, write

pytestmark = pytest.mark.integration

PYTEST_MARKER = "# Created by pytest automatically.\n*\n"


def _collect(repo: Path, base: str = "HEAD") -> ChangeSet:
    return collect_changes(str(repo), base).unwrap()


def _git_candidate(repo: Path, scratch: Path) -> str:
    """`git add -A && git write-tree` in a copy where only committed rules and markers apply."""
    copy = scratch / "copy"
    shutil.copytree(repo, copy, symlinks=True)
    (copy / ".git" / "info").mkdir(exist_ok=True)
    (copy / ".git" / "info" / "exclude").write_text("")
    git(copy, "config", "core.excludesFile", "/dev/null")
    git(copy, "add", "-A")
    return git(copy, "write-tree").strip()


@pytest.fixture
def worked_in(tmp_path: Path) -> tuple[Path, str]:
    """A base with ignore rules, then every kind of change plus the folders tools leave.

    Its only `.gitignore` files are the base's and the markers, so real git applies exactly
    the rules the candidate tree honours (a `.gitignore` the agent wrote is a change, and
    `test_a_folder_whose_gitignore_is_not_the_single_star_is_an_ordinary_folder` covers it)."""
    repo = init_repo(
        tmp_path / "repo",
        {
            ".gitignore": "*.log\nbuild/\n",
            "src/a.py": "a = 1\n",
            "src/b.py": "b = 1\n",
            "pkg/m.py": "m\n",
            "docs/old.md": "old\n",
        },
    )
    base = git(repo, "rev-parse", "HEAD").strip()
    write(repo, {"src/c.py": "c = 1\n"})
    commit_all(repo, "agent commit")
    write(repo, {"src/a.py": "a = 2\n", "notes/n.txt": "n\n"})
    git(repo, "add", "notes/n.txt")
    (repo / "src/b.py").chmod(0o755)
    os.rename(repo / "docs/old.md", repo / "docs/new.md")
    shutil.rmtree(repo / "pkg")
    write(repo, {"pkg": "a file where a folder was\n"})
    (repo / "src/link").symlink_to("a.py")
    write(
        repo,
        {
            ".pytest_cache/.gitignore": PYTEST_MARKER,
            ".pytest_cache/v/cache/nodeids": "[]\n",
            ".venv/.gitignore": "*\n",
            ".venv/lib/site.py": "x = 1\n",
            "src/.mypy_cache/.gitignore": "# Automatically created by mypy\n*\n",
            "src/.mypy_cache/3.11/a.json": "{}\n",
            "debug.log": "ignored by the base\n",
            "build/out.txt": "ignored by the base\n",
        },
    )
    # Rules git status would honour, which are the agent's to write: they hide nothing here.
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("notes/\nsrc/\n")
    return repo, base


def test_the_candidate_tree_is_what_git_add_all_writes_where_only_base_rules_and_markers_apply(
    worked_in: tuple[Path, str], tmp_path: Path
) -> None:
    repo, base = worked_in
    changes = _collect(repo, base)
    assert changes.tree == _git_candidate(repo, tmp_path)


def test_self_ignoring_folders_are_excluded_and_listed(worked_in: tuple[Path, str]) -> None:
    repo, base = worked_in
    changes = _collect(repo, base)
    assert changes.excluded == (".pytest_cache/", ".venv/", "src/.mypy_cache/")
    paths = {c.path for c in changes.changes}
    assert not any(p.startswith((".pytest_cache", ".venv", "src/.mypy_cache")) for p in paths)
    assert {"src/a.py", "src/c.py", "notes/n.txt", "src/link"} <= paths


def test_the_candidate_tree_is_a_real_tree_git_reads(worked_in: tuple[Path, str]) -> None:
    repo, base = worked_in
    tree = _collect(repo, base).tree
    assert tree is not None
    listed = git_bytes(repo, "ls-tree", "-r", "--name-only", "-z", tree).split(b"\0")
    assert {b"pkg", b"src/c.py", b"docs/new.md", b"src/link"} <= set(listed)
    git(repo, "fsck", "--no-dangling")


def test_a_tracked_file_in_a_folder_that_gains_a_star_gitignore_is_still_a_change(
    tmp_path: Path,
) -> None:
    repo = init_repo(tmp_path / "repo", {"cache/keep.txt": "k\n", "a.py": "a\n"})
    write(repo, {"cache/.gitignore": "*\n", "cache/keep.txt": "changed\n", "cache/new.txt": "n\n"})
    changes = _collect(repo)
    assert "cache/keep.txt" in {c.path for c in changes.changes}
    assert changes.excluded == ()
    assert changes.tree is not None
    assert git(repo, "show", f"{changes.tree}:cache/keep.txt") == "changed\n"


def test_an_unchanged_worktree_has_the_base_tree(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"a.py": "a\n"})
    write(repo, {".ruff_cache/.gitignore": "# Automatically created by ruff.\n*\n"})
    changes = _collect(repo)
    assert changes.changes == ()
    assert changes.tree == git(repo, "rev-parse", "HEAD^{tree}").strip()
    assert changes.excluded == (".ruff_cache/",)


@pytest.mark.parametrize(
    "marker",
    [
        pytest.param(b"*\n!conftest.py\n", id="two-patterns"),
        pytest.param(b"**\n", id="other-pattern"),
        pytest.param(b"*\n" + b"#" * 5000, id="too-large"),
    ],
)
def test_a_folder_whose_gitignore_is_not_the_single_star_is_an_ordinary_folder(
    tmp_path: Path, marker: bytes
) -> None:
    repo = init_repo(tmp_path / "repo", {"a.py": "a\n"})
    write(repo, {"tests/hidden/conftest.py": "x = 1\n"})
    (repo / "tests/hidden/.gitignore").write_bytes(marker)
    changes = _collect(repo)
    assert changes.excluded == ()
    assert "tests/hidden/conftest.py" in {c.path for c in changes.changes}


def test_a_symlinked_gitignore_is_no_marker(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"a.py": "a\n", "star.txt": "*\n"})
    write(repo, {"hidden/conftest.py": "x = 1\n"})
    (repo / "hidden/.gitignore").symlink_to("../star.txt")
    changes = _collect(repo)
    assert changes.excluded == ()
    assert "hidden/conftest.py" in {c.path for c in changes.changes}


def test_a_file_changed_while_the_tree_is_written_is_an_error_not_another_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = init_repo(tmp_path / "repo", {"a.py": "a\n"})
    write(repo, {"a.py": "b\n"})
    real = _candidate.store_blobs

    def rewrite_first(opened: Repo, changes: list[Any]) -> None:
        write(repo, {"a.py": "rewritten meanwhile\n"})
        real(opened, changes)

    monkeypatch.setattr(_candidate, "store_blobs", rewrite_first)
    found = collect_changes(str(repo), "HEAD")
    assert found.failure().code == "repo-unreadable"
    assert "changed while it was read" in found.failure().message


@pytest.mark.parametrize("stream_bytes", [1024, 8 * 1024 * 1024])
def test_large_and_small_files_are_stored_as_git_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stream_bytes: int
) -> None:
    monkeypatch.setattr(_candidate, "STREAM_BYTES", stream_bytes)
    repo = init_repo(tmp_path / "repo", {"a.py": "a\n"})
    data = os.urandom(64 * 1024) * 3
    (repo / "big.bin").write_bytes(data)
    changes = _collect(repo)
    assert git_bytes(repo, "cat-file", "blob", f"{changes.tree}:big.bin") == data
    git(repo, "fsck", "--no-dangling")


# The checkout.


def _files(root: Path) -> dict[str, tuple[str, str]]:
    """Every file and symlink below `root`: (kind and exec bit, content or target)."""
    found: dict[str, tuple[str, str]] = {}
    for folder, dirs, names in os.walk(root):
        for name in [*names, *(d for d in dirs if os.path.islink(os.path.join(folder, d)))]:
            path = Path(folder, name)
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[relative] = ("link", os.readlink(path))
            else:
                executable = "x" if path.stat().st_mode & stat.S_IXUSR else "-"
                found[relative] = (f"file{executable}", path.read_text())
    return found


def test_the_checkout_holds_exactly_the_files_git_checks_out(
    worked_in: tuple[Path, str], tmp_path: Path
) -> None:
    repo, base = worked_in
    tree = _collect(repo, base).tree
    assert tree is not None
    folder = tmp_path / "checkout"
    assert checkout_tree(str(repo), tree, str(folder)).unwrap() == str(folder)
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    git(repo, f"--work-tree={theirs}", "read-tree", f"--index-output={tmp_path / 'idx'}", tree)
    env_index = {"GIT_INDEX_FILE": str(tmp_path / "idx")}
    import subprocess

    from tests.support.gitrepo import GIT_ENV

    subprocess.run(
        ["git", f"--work-tree={theirs}", "checkout-index", "-a"],
        cwd=repo,
        env=GIT_ENV | env_index,
        check=True,
    )
    assert _files(folder) == _files(theirs)
    assert {".pytest_cache", ".venv", ".git", "debug.log"}.isdisjoint(os.listdir(folder))


def test_checked_out_files_are_copies_not_links_to_the_worktree(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"a.py": "a\n"})
    write(repo, {"b.py": "b\n"})
    tree = _collect(repo).tree
    assert tree is not None
    folder = tmp_path / "checkout"
    checkout_tree(str(repo), tree, str(folder)).unwrap()
    (folder / "b.py").write_text("a gate wrote this\n")
    assert (repo / "b.py").read_text() == "b\n"
    assert (folder / "b.py").stat().st_nlink == 1


def test_a_checkout_removes_what_a_previous_gate_left(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"a.py": "a\n"})
    tree = _collect(repo).tree
    assert tree is not None
    folder = tmp_path / "checkout"
    checkout_tree(str(repo), tree, str(folder)).unwrap()
    write(folder, {"locked/left.txt": "x\n", "a.py": "edited\n"})
    (folder / "locked").chmod(0o500)
    checkout_tree(str(repo), tree, str(folder)).unwrap()
    assert _files(folder) == {"a.py": ("file-", "a\n")}


def test_a_planted_object_never_reaches_the_checkout(tmp_path: Path) -> None:
    # The object store is the agent's: content stored under another content's id is refused.
    repo = init_repo(tmp_path / "repo", {"a.py": "a\n"})
    write(repo, {"b.py": "innocent\n"})
    tree = _collect(repo).tree
    assert tree is not None
    sha = git(repo, "hash-object", "b.py").strip()
    loose = repo / ".git" / "objects" / sha[:2] / sha[2:]
    loose.chmod(0o644)
    loose.write_bytes(zlib.compress(b"blob 5\0evil\n"))
    found = checkout_tree(str(repo), tree, str(tmp_path / "checkout"))
    assert found.failure().code == "checkout-unreadable"


@pytest.mark.parametrize("name", [b"..", b".git", b".GIT", b"a/b"])
def test_a_tree_entry_git_would_refuse_is_refused(tmp_path: Path, name: bytes) -> None:
    repo = init_repo(tmp_path / "repo", {"a.py": "a\n"})
    with Repo(str(repo)) as opened:
        blob = Blob.from_string(b"x\n")
        tree = Tree()
        tree.add(name, 0o100644, blob.id)
        opened.object_store.add_object(blob)
        opened.object_store.add_object(tree)
        tree_id = tree.id.decode()
    found = checkout_tree(str(repo), tree_id, str(tmp_path / "checkout"))
    assert found.failure().code == "checkout-unreadable"
    assert not (tmp_path / "x").exists()


def test_each_repository_gets_one_stable_checkout_folder_outside_it(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"a.py": "a\n"})
    tree = _collect(repo).tree
    assert tree is not None
    checkouts = DulwichCheckout(str(tmp_path / "checkouts"))
    first = anyio.run(checkouts.checkout, str(repo), tree).unwrap()
    second = anyio.run(checkouts.checkout, str(repo), tree).unwrap()
    assert first == second == checkout_folder(str(tmp_path / "checkouts"), str(repo))
    inside = DulwichCheckout(str(repo / "checkouts"))
    assert anyio.run(inside.checkout, str(repo), tree).failure().code == (
        "checkout-inside-worktree"
    )
    assert anyio.run(DulwichCheckout(None).checkout, str(repo), tree).failure().code == (
        "checkout-no-cache-dir"
    )


def test_a_second_checkout_rewrites_only_what_differs(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"a.py": "a\n", "pkg/b.py": "b\n", "pkg/c.py": "c\n"})
    folder = tmp_path / "checkout"
    checkout_tree(str(repo), git(repo, "rev-parse", "HEAD^{tree}").strip(), str(folder)).unwrap()
    inodes = {name: (folder / name).stat().st_ino for name in ("a.py", "pkg/b.py", "pkg/c.py")}
    write(repo, {"pkg/b.py": "b changed\n"})
    tree = _collect(repo).tree
    assert tree is not None
    checkout_tree(str(repo), tree, str(folder)).unwrap()
    assert (folder / "a.py").stat().st_ino == inodes["a.py"]
    assert (folder / "pkg/c.py").stat().st_ino == inodes["pkg/c.py"]
    assert (folder / "pkg/b.py").read_text() == "b changed\n"


def test_a_file_a_gate_rewrote_with_the_same_size_and_mtime_is_written_again(
    tmp_path: Path,
) -> None:
    repo = init_repo(tmp_path / "repo", {"a.py": "a = 1\n", "b.py": "b\n"})
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    folder = tmp_path / "checkout"
    checkout_tree(str(repo), tree, str(folder)).unwrap()
    before = (folder / "a.py").stat()
    (folder / "a.py").write_text("a = 2\n")
    os.utime(folder / "a.py", ns=(before.st_atime_ns, before.st_mtime_ns))
    (folder / "b.py").chmod(0o755)
    (folder / "extra").mkdir()
    (folder / "pkg").symlink_to("/")
    checkout_tree(str(repo), tree, str(folder)).unwrap()
    assert _files(folder) == {"a.py": ("file-", "a = 1\n"), "b.py": ("file-", "b\n")}


def test_what_a_gate_left_in_a_folder_it_locked_is_removed(
    tmp_path: Path,
) -> None:
    repo = init_repo(tmp_path / "repo", {"pkg/a.py": "a\n"})
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    folder = tmp_path / "checkout"
    checkout_tree(str(repo), tree, str(folder)).unwrap()
    write(folder, {"pkg/left/x.txt": "x\n"})
    (folder / "pkg" / "left").chmod(0)
    checkout_tree(str(repo), tree, str(folder)).unwrap()
    assert _files(folder) == {"pkg/a.py": ("file-", "a\n")}


def _with_submodule(tmp_path: Path) -> Path:
    sub = init_repo(tmp_path / "sub", {"lib.py": "LIB = 1\n", "pkg/inner.py": "I = 1\n"})
    repo = init_repo(tmp_path / "repo", {"a.py": "a\n"})
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "vendor")
    commit_all(repo, "add the submodule")
    # A file the submodule's commit does not hold: the checkout takes the commit, not the folder.
    write(repo / "vendor", {"extra.txt": "left in the submodule's folder\n"})
    return repo


def test_a_submodule_folder_holds_the_files_of_its_recorded_commit(tmp_path: Path) -> None:
    repo = _with_submodule(tmp_path)
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    folder = tmp_path / "checkout"
    checkout_tree(str(repo), tree, str(folder)).unwrap()
    assert _files(folder) == {
        ".gitmodules": ("file-", (repo / ".gitmodules").read_text()),
        "a.py": ("file-", "a\n"),
        "vendor/lib.py": ("file-", "LIB = 1\n"),
        "vendor/pkg/inner.py": ("file-", "I = 1\n"),
    }


def test_a_submodule_never_checked_out_is_an_empty_folder(tmp_path: Path) -> None:
    repo = _with_submodule(tmp_path)
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    shutil.rmtree(repo / "vendor")
    (repo / "vendor").mkdir()
    folder = tmp_path / "checkout"
    checkout_tree(str(repo), tree, str(folder)).unwrap()
    assert os.listdir(folder / "vendor") == []


def test_a_submodule_whose_commit_is_missing_fails_the_checkout(tmp_path: Path) -> None:
    repo = _with_submodule(tmp_path)
    with Repo(str(repo)) as opened:
        tree = Tree()
        tree.add(b"vendor", 0o160000, ObjectID(b"1" * 40))
        opened.object_store.add_object(tree)
        tree_id = tree.id.decode()
    found = checkout_tree(str(repo), tree_id, str(tmp_path / "checkout"))
    assert found.failure().code == "checkout-unreadable"

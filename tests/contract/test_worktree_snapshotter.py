"""The fake and the dulwich snapshotter pass the same suite, so the fake cannot drift."""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import anyio
import pytest

from adapters.git.changes import DulwichSnapshotter
from domain.changes.snapshot import DELETED, WorktreeSnapshot, side_effects
from ports.worktree import SnapshotError, WorktreeSnapshotter
from tests.fakes.worktree import FakeSnapshotter, FakeWorktree
from tests.support.gitrepo import refuse_listing


class World(Protocol):
    """A worktree the suite can change, and the snapshotter under test pointed at it."""

    root: str
    snapshotter: WorktreeSnapshotter

    def write(self, path: str, data: bytes) -> None: ...
    def delete(self, path: str) -> None: ...
    def commit(self) -> str: ...
    def ignore(self, pattern: str) -> str: ...


class FakeWorld:
    def __init__(self, *, is_repository: bool) -> None:
        self.root = "/fake/repo"
        self.tree = FakeWorktree(is_repository=is_repository)
        self.snapshotter: WorktreeSnapshotter = FakeSnapshotter({self.root: self.tree})

    def write(self, path: str, data: bytes) -> None:
        self.tree.files[path] = data

    def delete(self, path: str) -> None:
        del self.tree.files[path]

    def commit(self) -> str:
        return self.tree.commit()

    def ignore(self, pattern: str) -> str:
        self.tree.ignored.append(pattern)
        return self.commit()


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


class RealWorld:
    def __init__(self, root: Path, *, is_repository: bool) -> None:
        self.path = root
        self.root = str(root)
        self.is_repository = is_repository
        self.snapshotter: WorktreeSnapshotter = DulwichSnapshotter()
        if is_repository:
            _git(root, "init", "-q", ".")

    def write(self, path: str, data: bytes) -> None:
        target = self.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o644)

    def delete(self, path: str) -> None:
        (self.path / path).unlink()

    def commit(self) -> str:
        _git(self.path, "add", "-A")
        _git(self.path, "commit", "-q", "--allow-empty", "-m", "commit")
        return _git(self.path, "rev-parse", "HEAD").strip()

    def ignore(self, pattern: str) -> str:
        # Only committed `.gitignore` files count (HEAD's, or the base's when one is given):
        # ignore rules written after it, in `.git/info/exclude` or an uncommitted
        # `.gitignore`, are the agent's and hide nothing.
        with (self.path / ".gitignore").open("a") as handle:
            handle.write(pattern + "\n")
        return self.commit()


@pytest.fixture(params=["fake", "dulwich"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    if request.param == "fake":
        yield FakeWorld(is_repository=True)
    else:
        yield RealWorld(tmp_path, is_repository=True)


@pytest.fixture(params=["fake", "dulwich"])
def plain_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    if request.param == "fake":
        yield FakeWorld(is_repository=False)
    else:
        yield RealWorld(tmp_path, is_repository=False)


def snap(world: World, base: str | None = None) -> WorktreeSnapshot:
    result = anyio.run(functools.partial(world.snapshotter.snapshot, world.root, base=base))
    return result.unwrap()


def paths(snapshot: WorktreeSnapshot) -> list[str]:
    return [entry.path for entry in snapshot.entries]


def test_clean_committed_tree_has_an_empty_status(world: World) -> None:
    world.write("pkg/a.py", b"x = 1\n")
    world.commit()
    snapshot = snap(world)
    assert (snapshot.mode, snapshot.entries) == ("git-status", ())


def test_untracked_files_are_listed_one_by_one(world: World) -> None:
    world.write("README.md", b"hi\n")
    world.commit()
    world.write("new/deep/file.txt", b"x")
    assert paths(snap(world)) == ["new/deep/file.txt"]


def test_snapshots_of_an_unchanged_tree_are_equal(world: World) -> None:
    world.write("a.txt", b"a")
    world.commit()
    world.write("a.txt", b"dirty")
    world.write("b.txt", b"untracked")
    assert snap(world) == snap(world)


def test_modifying_a_tracked_file_is_a_side_effect(world: World) -> None:
    world.write("a.txt", b"a")
    world.commit()
    before = snap(world)
    world.write("a.txt", b"changed")
    assert side_effects(before, snap(world)) == ("a.txt",)


def test_changing_an_already_dirty_file_again_is_a_side_effect(world: World) -> None:
    world.write("a.txt", b"a")
    world.commit()
    world.write("a.txt", b"agent edit")
    before = snap(world)
    world.write("a.txt", b"gate edit")
    assert side_effects(before, snap(world)) == ("a.txt",)


def test_restoring_a_dirty_file_to_its_committed_content_is_a_side_effect(world: World) -> None:
    world.write("a.txt", b"a")
    world.commit()
    world.write("a.txt", b"agent edit")
    before = snap(world)
    world.write("a.txt", b"a")
    assert side_effects(before, snap(world)) == ("a.txt",)


def test_a_gate_that_commits_its_by_product_moved_head(world: World) -> None:
    world.write("a.txt", b"a")
    world.commit()
    before = snap(world)
    world.write("by-product.txt", b"x")
    world.commit()
    after = snap(world)
    assert after.entries == ()
    assert side_effects(before, after) == (".git/HEAD",)


def test_deleting_a_tracked_file_is_listed_as_deleted(world: World) -> None:
    world.write("a.txt", b"a")
    world.commit()
    world.delete("a.txt")
    assert [(e.path, e.digest) for e in snap(world).entries] == [("a.txt", DELETED)]


def test_ignored_files_are_not_listed(world: World) -> None:
    world.write("a.txt", b"a")
    world.commit()
    world.ignore("build/")
    world.ignore("*.log")
    world.write("build/out.bin", b"x")
    world.write("sub/build/out.bin", b"x")
    world.write("run.log", b"x")
    world.write("kept.txt", b"x")
    assert paths(snap(world)) == ["kept.txt"]


def test_with_a_base_only_the_bases_ignore_rules_count(world: World) -> None:
    world.write("a.txt", b"a")
    base = world.ignore("*.log")
    world.ignore("by-product.txt")  # committed after the base: the agent's rule
    world.write("by-product.txt", b"x")
    world.write("run.log", b"x")
    assert paths(snap(world)) == []
    assert paths(snap(world, base)) == ["by-product.txt"]


def test_an_unknown_base_is_base_not_found(world: World) -> None:
    world.write("a.txt", b"a")
    world.commit()
    result = anyio.run(functools.partial(world.snapshotter.snapshot, world.root, base="f" * 40))
    assert result.failure().code == "base-not-found"


def test_a_directory_that_is_no_repository_lists_every_file(plain_dir: World) -> None:
    plain_dir.write("pyproject.toml", b"[project]\n")
    plain_dir.write("src/pkg/__init__.py", b"")
    snapshot = snap(plain_dir)
    assert (snapshot.mode, paths(snapshot)) == (
        "all-files",
        ["pyproject.toml", "src/pkg/__init__.py"],
    )


def test_a_file_created_in_a_plain_directory_is_a_side_effect(plain_dir: World) -> None:
    plain_dir.write("a.py", b"x = 1\n")
    before = snap(plain_dir)
    plain_dir.write("__pycache__/a.cpython-311.pyc", b"\x00")
    assert side_effects(before, snap(plain_dir)) == ("__pycache__/a.cpython-311.pyc",)


@pytest.mark.parametrize("kind", ["fake", "dulwich"])
def test_a_missing_worktree_is_snapshot_unreadable(kind: str, tmp_path: Path) -> None:
    snapshotter: WorktreeSnapshotter = FakeSnapshotter() if kind == "fake" else DulwichSnapshotter()
    result = anyio.run(snapshotter.snapshot, str(tmp_path / "missing"))
    error = result.failure()
    assert isinstance(error, SnapshotError)
    assert error.code == "snapshot-unreadable"


def test_dulwich_lists_exactly_what_real_git_status_lists(tmp_path: Path) -> None:
    world = RealWorld(tmp_path, is_repository=True)
    for path in ("a.txt", "b.txt", "c.txt", "dir/d.txt", "staged.txt"):
        world.write(path, b"v1")
    world.ignore("*.log")
    world.commit()
    world.write("a.txt", b"v2")
    world.delete("b.txt")
    world.write("dir/new/e.txt", b"new")
    world.write("x.log", b"ignored")
    world.write("staged.txt", b"v2")
    _git(tmp_path, "add", "staged.txt")
    world.write("staged-new.txt", b"s")
    _git(tmp_path, "add", "staged-new.txt")
    (tmp_path / "c.txt").chmod(0o755)
    porcelain = subprocess.run(
        ["git", "status", "--porcelain=v1", "-uall", "-z"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    ).stdout
    expected = sorted(entry[3:].decode() for entry in porcelain.split(b"\0") if entry)
    assert paths(snap(world)) == expected


@pytest.mark.parametrize("where", ["info/exclude", "uncommitted .gitignore"])
def test_dulwich_ignores_only_what_heads_gitignore_files_ignore(tmp_path: Path, where: str) -> None:
    # Deliberately unlike `git status`: a gate (agent code) must not hide its by-product by
    # writing an ignore rule next to it.
    world = RealWorld(tmp_path, is_repository=True)
    world.ignore("*.log")
    before = snap(world)
    if where == "info/exclude":
        (tmp_path / ".git/info/exclude").write_text("by-product.txt\n")
        expected: tuple[str, ...] = ("by-product.txt",)
    else:
        (tmp_path / ".gitignore").write_text("*.log\nby-product.txt\n")
        expected = (".gitignore", "by-product.txt")
    world.write("by-product.txt", b"x")
    world.write("run.log", b"x")
    assert side_effects(before, snap(world)) == expected


def test_dulwich_sees_an_executable_bit_flip_as_a_change(tmp_path: Path) -> None:
    world = RealWorld(tmp_path, is_repository=True)
    world.write("run.sh", b"echo hi\n")
    world.commit()
    before = snap(world)
    (tmp_path / "run.sh").chmod(0o755)
    assert side_effects(before, snap(world)) == ("run.sh",)


def test_dulwich_lists_a_new_symlink_by_its_target(tmp_path: Path) -> None:
    world = RealWorld(tmp_path, is_repository=True)
    world.write("a.txt", b"a")
    world.commit()
    (tmp_path / "link").symlink_to("a.txt")
    assert [(e.path, e.digest) for e in snap(world).entries] == [("link", "link:a.txt")]


def test_turning_a_plain_directory_into_a_repository_is_a_side_effect(tmp_path: Path) -> None:
    world = RealWorld(tmp_path, is_repository=False)
    world.write("a.txt", b"a")
    before = snap(world)
    _git(tmp_path, "init", "-q", ".")
    assert ".git" in side_effects(before, snap(world))


@pytest.mark.parametrize("git_entry", ["gitdir: /nonexistent/worktree\n", "garbage\n", "directory"])
def test_a_broken_dot_git_is_snapshot_unreadable_not_a_guess(
    tmp_path: Path, git_entry: str
) -> None:
    (tmp_path / "a.txt").write_text("a")
    if git_entry == "directory":
        (tmp_path / ".git").mkdir()
    else:
        (tmp_path / ".git").write_text(git_entry)
    result = anyio.run(DulwichSnapshotter().snapshot, str(tmp_path))
    assert result.failure().code == "snapshot-unreadable"


def test_a_linked_worktree_is_snapshotted_through_its_git_file(tmp_path: Path) -> None:
    (tmp_path / "main").mkdir()
    main = RealWorld(tmp_path / "main", is_repository=True)
    main.write("a.txt", b"a")
    main.commit()
    _git(tmp_path / "main", "worktree", "add", "-q", str(tmp_path / "linked"), "-b", "side")
    linked = tmp_path / "linked"
    (linked / "a.txt").write_bytes(b"changed")
    (linked / "new.txt").write_bytes(b"n")
    snapshot = anyio.run(DulwichSnapshotter().snapshot, str(linked)).unwrap()
    assert (snapshot.mode, paths(snapshot)) == ("git-status", ["a.txt", "new.txt"])


def test_dulwich_a_folder_that_cannot_be_listed_is_snapshot_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = RealWorld(tmp_path, is_repository=True)
    world.write("a.txt", b"a")
    world.commit()
    world.write("hidden/by-product.txt", b"x")
    refuse_listing(monkeypatch, "hidden")
    result = anyio.run(DulwichSnapshotter().snapshot, world.root)
    assert result.failure().code == "snapshot-unreadable"


def test_core_worktree_does_not_point_the_snapshot_at_another_folder(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    world = RealWorld(tmp_path / "repo", is_repository=True)
    world.write("a.txt", b"a")
    world.commit()
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "a.txt").write_bytes(b"a")
    before = snap(world)
    _git(world.path, "config", "core.worktree", str(tmp_path / "clean"))
    world.write("by-product.txt", b"x")
    assert side_effects(before, snap(world)) == ("by-product.txt",)

"""An in-memory worktree and a snapshotter over it that keeps git's status rules."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from returns.result import Failure, Result, Success

from domain.changes.snapshot import DELETED, WorktreeSnapshot, snapshot_of
from ports.worktree import SnapshotError


class FakeWorktree:
    """Files now, files at the last commit, and ignore patterns (`dir/` or `*.suffix`) as
    committed at HEAD and at each earlier commit (`commit-N`)."""

    def __init__(self, *, is_repository: bool = True) -> None:
        self.is_repository = is_repository
        self.files: dict[str, bytes] = {}
        self.committed: dict[str, bytes] = {}
        self.ignored: list[str] = []
        # Bumped by every commit, like HEAD moving to a new commit.
        self.head = 0
        # The ignore patterns each commit held, by its name.
        self.ignored_at: dict[str, tuple[str, ...]] = {"commit-0": ()}

    def commit(self) -> str:
        """Record the files and ignore patterns as a new commit; returns its name."""
        self.committed = dict(self.files)
        self.head += 1
        name = f"commit-{self.head}"
        self.ignored_at[name] = tuple(self.ignored)
        return name

    def status(self, ignored: Sequence[str] | None = None) -> dict[str, str]:
        """The paths that differ from the last commit, with digests; untracked paths that
        `ignored` (default: HEAD's patterns) ignores are left out."""
        patterns = self.ignored if ignored is None else ignored
        digests: dict[str, str] = {}
        for path in self.files.keys() | self.committed.keys():
            now, then = self.files.get(path), self.committed.get(path)
            if now == then or (then is None and _is_ignored(path, patterns)):
                continue
            digests[path] = DELETED if now is None else _digest(now)
        return digests


def _is_ignored(path: str, patterns: Sequence[str]) -> bool:
    """True when a pattern ignores the path, as a committed `.gitignore` would."""
    for pattern in patterns:
        if pattern.endswith("/") and (path.startswith(pattern) or f"/{pattern}" in path):
            return True
        if pattern.startswith("*") and path.endswith(pattern[1:]):
            return True
        if "/" not in pattern and "*" not in pattern and path.rsplit("/", 1)[-1] == pattern:
            return True
    return False


def _digest(data: bytes) -> str:
    return "0:" + hashlib.sha256(data).hexdigest()


class FakeSnapshotter:
    """Snapshots `FakeWorktree`s registered by their root path."""

    def __init__(self, worktrees: dict[str, FakeWorktree] | None = None) -> None:
        self.worktrees = worktrees if worktrees is not None else {}
        self.calls = 0
        # The base of each snapshot (None: HEAD's ignore rules).
        self.bases: list[str | None] = []

    async def snapshot(
        self, root: str, *, base: str | None = None
    ) -> Result[WorktreeSnapshot, SnapshotError]:
        """Snapshot the registered worktree at `root`; an unknown root is unreadable, an
        unknown base is not found."""
        self.calls += 1
        self.bases.append(base)
        tree = self.worktrees.get(root)
        if tree is None:
            return Failure(
                SnapshotError(code="snapshot-unreadable", message=f"no worktree at {root}")
            )
        if not tree.is_repository:
            return Success(snapshot_of("all-files", {p: _digest(d) for p, d in tree.files.items()}))
        ignored = None
        if base is not None:
            ignored = tree.ignored_at.get(base)
            if ignored is None:
                return Failure(
                    SnapshotError(code="base-not-found", message=f"no commit {base} in {root}")
                )
        return Success(snapshot_of("git-status", tree.status(ignored), f"commit-{tree.head}"))

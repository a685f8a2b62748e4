"""An in-memory worktree and a snapshotter over it that keeps git's status rules."""

from __future__ import annotations

import hashlib

from returns.result import Failure, Result, Success

from domain.worktree_snapshot import DELETED, WorktreeSnapshot, snapshot_of
from ports.worktree import SnapshotError


class FakeWorktree:
    """Files now, files at the last commit, and ignore patterns (`dir/` or `*.suffix`)."""

    def __init__(self, *, is_repository: bool = True) -> None:
        self.is_repository = is_repository
        self.files: dict[str, bytes] = {}
        self.committed: dict[str, bytes] = {}
        self.ignored: list[str] = []
        # Bumped by every commit, like HEAD moving to a new commit.
        self.head = 0

    def is_ignored(self, path: str) -> bool:
        """True when a pattern ignores the path, as the real repository's exclude file would."""
        for pattern in self.ignored:
            if pattern.endswith("/") and (path.startswith(pattern) or f"/{pattern}" in path):
                return True
            if pattern.startswith("*") and path.endswith(pattern[1:]):
                return True
        return False

    def status(self) -> dict[str, str]:
        """The non-ignored paths that differ from the last commit, with digests."""
        digests: dict[str, str] = {}
        for path in self.files.keys() | self.committed.keys():
            now, then = self.files.get(path), self.committed.get(path)
            if now == then or (then is None and self.is_ignored(path)):
                continue
            digests[path] = DELETED if now is None else _digest(now)
        return digests


def _digest(data: bytes) -> str:
    return "0:" + hashlib.sha256(data).hexdigest()


class FakeSnapshotter:
    """Snapshots `FakeWorktree`s registered by their root path."""

    def __init__(self, worktrees: dict[str, FakeWorktree] | None = None) -> None:
        self.worktrees = worktrees if worktrees is not None else {}
        self.calls = 0

    async def snapshot(self, root: str) -> Result[WorktreeSnapshot, SnapshotError]:
        """Snapshot the registered worktree at `root`; an unknown root is unreadable."""
        self.calls += 1
        tree = self.worktrees.get(root)
        if tree is None:
            return Failure(
                SnapshotError(code="snapshot-unreadable", message=f"no worktree at {root}")
            )
        if not tree.is_repository:
            return Success(snapshot_of("all-files", {p: _digest(d) for p, d in tree.files.items()}))
        return Success(snapshot_of("git-status", tree.status(), f"commit-{tree.head}"))

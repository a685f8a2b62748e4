"""The worktree port: snapshot a worktree's status so gate side effects can be detected."""

from __future__ import annotations

from typing import Protocol

import msgspec
from returns.result import Result

from domain.changes.snapshot import WorktreeSnapshot


class SnapshotError(msgspec.Struct, frozen=True, kw_only=True, tag="snapshot-error"):
    """The worktree could not be read (`snapshot-unreadable`), or the base whose ignore rules
    were asked for is not a commit of it (`base-not-found`)."""

    code: str
    message: str


class WorktreeSnapshotter(Protocol):
    """Lists the non-ignored paths that differ from a clean checkout, with content digests."""

    async def snapshot(
        self, root: str, *, base: str | None = None
    ) -> Result[WorktreeSnapshot, SnapshotError]:
        """Snapshot the git repository rooted at absolute `root`, or every file if it is none;
        untracked files are ignored by the rules committed in `base` (default: HEAD)."""
        ...

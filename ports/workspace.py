"""The workspace port: the git work one run needs (a mirror per repository, a standalone clone
per run, the candidate and publish commits) and the error value it returns."""

from __future__ import annotations

from typing import Protocol

import msgspec
from returns.result import Result


class WorkspaceError(msgspec.Struct, frozen=True, kw_only=True, tag="workspace-error"):
    """A git operation on the mirror or the clone failed (`git-*` codes)."""

    code: str
    message: str


class CommitSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A commit to write: exactly `tree`, one `parent`, its author and message."""

    tree: str
    parent: str
    # `Name <email>`, the author and committer.
    author: str
    message: str
    # Seconds since the epoch, UTC (the caller's clock: adapters take no policy).
    timestamp: int


class Workspace(Protocol):
    """Mirrors, clones and commits of the loop's own repositories."""

    async def open_mirror(self, path: str) -> Result[str, WorkspaceError]:
        """The bare mirror at `path`, created when missing; returns its absolute path."""
        ...

    async def clone(
        self, mirror: str, commit: str, branch: str, into: str
    ) -> Result[str, WorkspaceError]:
        """A standalone repository at `into` (its own `.git`, no remote, no worktree link) on
        `branch` at `commit` of `mirror`, checked out; returns its absolute path."""
        ...

    async def commit(
        self, mirror: str, source: str, spec: CommitSpec, ref: str | None
    ) -> Result[str, WorkspaceError]:
        """Write `spec` into `mirror`, copying the tree's objects from `source` (each object's
        id re-derived from its content, so a forged object is refused), and point `ref` at it
        when given; returns the commit id."""
        ...

    async def commit_message(self, repo: str, commit: str) -> Result[str | None, WorkspaceError]:
        """The message of `commit` in `repo` (None when `repo` does not hold it)."""
        ...

    async def ref_commit(self, repo: str, ref: str) -> Result[str | None, WorkspaceError]:
        """The commit `ref` points at in `repo` (None when there is no such ref)."""
        ...

    async def commit_tree(self, repo: str, commit: str) -> Result[str, WorkspaceError]:
        """The tree id of `commit` in `repo`."""
        ...

    async def line_counts(
        self, repo: str, old_tree: str, new_tree: str
    ) -> Result[dict[str, tuple[int, int]], WorkspaceError]:
        """Lines added and removed per changed path between two trees of `repo` (binary files
        count none)."""
        ...

    async def remove(self, path: str) -> None:
        """Delete a clone folder (a missing one is no error)."""
        ...

"""The change port: what differs between a base commit and a repository's working tree."""

from __future__ import annotations

from typing import Protocol

import msgspec
from returns.result import Result

from domain.changes import ChangeSet, ManifestPair


class ChangeReadError(msgspec.Struct, frozen=True, kw_only=True, tag="change-read-error"):
    """The repository or the base could not be read (`repo-not-found`, `base-not-found`, ...)."""

    code: str
    message: str


class ChangeCollector(Protocol):
    """Collects changes of a git repository's working tree against a base commit."""

    async def default_base(self, repo: str) -> Result[str, ChangeReadError]:
        """The merge base with the branch's upstream when it has one, else HEAD."""
        ...

    async def collect(
        self, repo: str, base: str, *, trust_index_stat: bool = False
    ) -> Result[ChangeSet, ChangeReadError]:
        """Everything that differs from `base`: commits, staged, unstaged and untracked files
        (tracked files are all read unless `trust_index_stat` lets the index's stat data say
        which are unchanged), and what each commit between `base` and HEAD added."""
        ...

    async def read_pairs(
        self, repo: str, base: str, paths: tuple[str, ...]
    ) -> Result[tuple[ManifestPair, ...], ChangeReadError]:
        """The text of each path at `base` and in the working tree (None where absent)."""
        ...

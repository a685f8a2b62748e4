"""The change port: what differs between a base commit and a repository's working tree."""

from __future__ import annotations

from typing import Protocol

import msgspec
from returns.result import Result

from domain.changes.change_set import ChangeSet, ManifestPair


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


class Upstream(msgspec.Struct, frozen=True, kw_only=True):
    """What a repository's own `.git/config` says its checked-out branch tracks.

    Only a description: the agent can rewrite that file, so it may name the base of a check
    run without `--base`, never choose a policy.
    """

    # The checked-out branch (`main`), None when HEAD is detached.
    branch: str | None = None
    # The ref `branch.<branch>.remote/merge` name (`refs/remotes/origin/main`), None when the
    # branch has no upstream or the named ref does not exist.
    ref: str | None = None


class UpstreamReader(Protocol):
    """Reads which upstream ref a repository's checked-out branch tracks."""

    async def upstream(self, repo: str) -> Result[Upstream, ChangeReadError]:
        """The branch and its existing upstream ref, as the repository's config names them."""
        ...

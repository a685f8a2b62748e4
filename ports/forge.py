"""The forge port: what the loop reads from and writes to GitHub or the embedded local forge.

There is deliberately no operation to merge, to mark a pull request ready for review, to approve,
or to close anything: the loop publishes drafts for people to review, and this port cannot express
more. Every operation returns a `Result` whose failure is a `ForgeError` with a stable code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import msgspec
from returns.result import Result

from domain.forge.values import (
    DraftPullRequest,
    ForgeError,
    Issue,
    IssueComment,
    IssueEvent,
    LabelSpec,
    Permission,
    PullRequest,
    RepoFacts,
    RepoRef,
)


class Forge(Protocol):
    """Issues, labels, comments and draft pull requests of repositories on one forge."""

    async def repository(self, repo: RepoRef) -> Result[RepoFacts, ForgeError]:
        """Default branch, whether issues are enabled, archived, private."""
        ...

    async def open_issues_labelled(
        self, repo: RepoRef, label: str
    ) -> Result[tuple[Issue, ...], ForgeError]:
        """Every open issue carrying `label` (every page; pull requests are never issues here)."""
        ...

    async def issue(self, repo: RepoRef, number: int) -> Result[Issue, ForgeError]:
        """One issue (`forge-not-found` for a pull request's number)."""
        ...

    async def issue_events(
        self, repo: RepoRef, number: int
    ) -> Result[tuple[IssueEvent, ...], ForgeError]:
        """Every event of an issue, oldest first (who added or removed which label, when)."""
        ...

    async def issue_comments(
        self, repo: RepoRef, number: int
    ) -> Result[tuple[IssueComment, ...], ForgeError]:
        """Every comment of an issue, oldest first."""
        ...

    async def issue_last_edited(
        self, repo: RepoRef, number: int
    ) -> Result[datetime | None, ForgeError]:
        """When the title or body was last edited (None when never edited)."""
        ...

    async def permission(self, repo: RepoRef, login: str) -> Result[Permission, ForgeError]:
        """A user's permission on the repository (`admin`, `write`, `read`, `none`)."""
        ...

    async def add_labels(
        self, repo: RepoRef, number: int, labels: tuple[str, ...]
    ) -> Result[None, ForgeError]:
        """Add labels to an issue (existing ones stay)."""
        ...

    async def remove_label(
        self, repo: RepoRef, number: int, label: str
    ) -> Result[None, ForgeError]:
        """Remove one label from an issue; removing one it does not carry is no error."""
        ...

    async def repository_labels(self, repo: RepoRef) -> Result[tuple[str, ...], ForgeError]:
        """The names of every label the repository defines (every page)."""
        ...

    async def ensure_labels(
        self, repo: RepoRef, labels: tuple[LabelSpec, ...]
    ) -> Result[tuple[str, ...], ForgeError]:
        """Create the repository labels that are missing; returns the names created."""
        ...

    async def comment(
        self, repo: RepoRef, number: int, body: str
    ) -> Result[IssueComment, ForgeError]:
        """Comment on an issue (or a pull request), the body verbatim."""
        ...

    async def find_pull_request(
        self, repo: RepoRef, head: str
    ) -> Result[PullRequest | None, ForgeError]:
        """The open pull request from branch `head` of the same repository, if any."""
        ...

    async def create_draft_pull_request(
        self, repo: RepoRef, draft: DraftPullRequest
    ) -> Result[PullRequest, ForgeError]:
        """Open a DRAFT pull request; `draft-unavailable` where drafts are refused, never a
        non-draft in its place."""
        ...

    async def update_pull_request(
        self, repo: RepoRef, number: int, *, title: str, body: str
    ) -> Result[PullRequest, ForgeError]:
        """Replace a pull request's title and body (nothing else about it changes)."""
        ...


class PushResult(msgspec.Struct, frozen=True, kw_only=True):
    """A push the remote accepted: `branch` now points at `commit` (it was at `previous`)."""

    branch: str
    commit: str
    previous: str | None


class GitRemote(Protocol):
    """Fetch from and push to the forge's git repositories."""

    async def fetch(self, repo: RepoRef, branch: str, into: str) -> Result[str, ForgeError]:
        """Fetch `branch` into the local repository at `into`; returns its tip commit."""
        ...

    async def push(
        self, repo: RepoRef, *, local: str, commit: str, branch: str, expected: str | None
    ) -> Result[PushResult, ForgeError]:
        """Push `commit` of `local` to `branch` only if the remote tip is `expected` (None: the
        branch must not exist yet); `forge-lease-refused` otherwise."""
        ...

    async def remote_tip(self, repo: RepoRef, branch: str) -> Result[str | None, ForgeError]:
        """The commit `branch` points at on the remote (None when it does not exist)."""
        ...


class LocalForgeAdmin(Protocol):
    """The local forge's own administration: what a person does on a forge's web pages."""

    def init(self) -> Result[str, ForgeError]:
        """Create the forge folder and database; returns the folder."""
        ...

    def close(self) -> None:
        """Release the database."""
        ...

    def create_repo(self, repo: RepoRef, *, source: str | None) -> Result[RepoFacts, ForgeError]:
        """Register a repository, its history imported from the repository at `source`."""
        ...

    def set_permission(
        self, repo: RepoRef, login: str, permission: str
    ) -> Result[Permission, ForgeError]:
        """Give a user a permission on a repository."""
        ...

    def create_item(
        self,
        repo: RepoRef,
        actor: str,
        *,
        title: str,
        body: str,
        labels: tuple[str, ...] = (),
        pull: DraftPullRequest | None = None,
    ) -> Result[int, ForgeError]:
        """Open an issue as `actor` (a draft pull request given `pull`); returns its number."""
        ...

    def add_labels(
        self, repo: RepoRef, number: int, labels: tuple[str, ...], actor: str
    ) -> Result[None, ForgeError]:
        """Label an issue as `actor`."""
        ...

    def edit_issue(
        self, repo: RepoRef, number: int, actor: str, *, title: str | None, body: str | None
    ) -> Result[None, ForgeError]:
        """Edit an issue's title and/or body as `actor`."""
        ...

    def comment(
        self, repo: RepoRef, number: int, body: str, actor: str
    ) -> Result[IssueComment, ForgeError]:
        """Comment as `actor`."""
        ...

    def issue(self, repo: RepoRef, number: int) -> Result[Issue, ForgeError]:
        """One issue."""
        ...

    def issue_events(
        self, repo: RepoRef, number: int
    ) -> Result[tuple[IssueEvent, ...], ForgeError]:
        """Every event of an issue."""
        ...

    def issue_comments(
        self, repo: RepoRef, number: int
    ) -> Result[tuple[IssueComment, ...], ForgeError]:
        """Every comment of an issue."""
        ...

    def issue_last_edited(self, repo: RepoRef, number: int) -> Result[datetime | None, ForgeError]:
        """When an issue was last edited."""
        ...

    def pull_requests(
        self, repo: RepoRef | None, *, head: str | None = None
    ) -> Result[tuple[tuple[RepoRef, PullRequest], ...], ForgeError]:
        """Pull requests of one repository or of all."""
        ...

    def pull_request(self, repo: RepoRef, number: int) -> Result[PullRequest, ForgeError]:
        """One pull request."""
        ...

"""`Forge` on the local forge: the port's operations, acting as one user (default: the owner)."""

from __future__ import annotations

from datetime import datetime

from returns.result import Failure, Result

from adapters.local_forge.store import LocalForgeStore
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


class LocalForge:
    """The port over a `LocalForgeStore`; SQLite calls are short and run on the caller's thread."""

    def __init__(self, store: LocalForgeStore, *, actor: str | None = None) -> None:
        """Act as `actor` (None: each repository's owner)."""
        self.store = store
        self._actor = actor

    def _who(self, repo: RepoRef) -> str:
        return self._actor or repo.owner

    async def repository(self, repo: RepoRef) -> Result[RepoFacts, ForgeError]:
        """Default branch, issues enabled, archived, private."""
        return self.store.repository(repo)

    async def open_issues_labelled(
        self, repo: RepoRef, label: str
    ) -> Result[tuple[Issue, ...], ForgeError]:
        """Open issues carrying `label`, newest first."""
        return self.store.open_issues_labelled(repo, label)

    async def issue(self, repo: RepoRef, number: int) -> Result[Issue, ForgeError]:
        """One issue."""
        return self.store.issue(repo, number)

    async def issue_events(
        self, repo: RepoRef, number: int
    ) -> Result[tuple[IssueEvent, ...], ForgeError]:
        """Every event, oldest first."""
        return self.store.issue_events(repo, number)

    async def issue_comments(
        self, repo: RepoRef, number: int
    ) -> Result[tuple[IssueComment, ...], ForgeError]:
        """Every comment, oldest first."""
        return self.store.issue_comments(repo, number)

    async def issue_last_edited(
        self, repo: RepoRef, number: int
    ) -> Result[datetime | None, ForgeError]:
        """When the title or body was last edited."""
        return self.store.issue_last_edited(repo, number)

    async def permission(self, repo: RepoRef, login: str) -> Result[Permission, ForgeError]:
        """A user's permission."""
        return self.store.permission(repo, login)

    async def add_labels(
        self, repo: RepoRef, number: int, labels: tuple[str, ...]
    ) -> Result[None, ForgeError]:
        """Add labels as the acting user."""
        return self.store.add_labels(repo, number, labels, self._who(repo))

    async def remove_label(
        self, repo: RepoRef, number: int, label: str
    ) -> Result[None, ForgeError]:
        """Remove a label as the acting user; absent is fine."""
        return self.store.remove_label(repo, number, label, self._who(repo))

    async def repository_labels(self, repo: RepoRef) -> Result[tuple[str, ...], ForgeError]:
        """The repository's labels."""
        return self.store.repository_labels(repo)

    async def ensure_labels(
        self, repo: RepoRef, labels: tuple[LabelSpec, ...]
    ) -> Result[tuple[str, ...], ForgeError]:
        """Create the missing repository labels."""
        return self.store.ensure_labels(repo, labels)

    async def comment(
        self, repo: RepoRef, number: int, body: str
    ) -> Result[IssueComment, ForgeError]:
        """Comment as the acting user."""
        return self.store.comment(repo, number, body, self._who(repo))

    async def find_pull_request(
        self, repo: RepoRef, head: str
    ) -> Result[PullRequest | None, ForgeError]:
        """The open pull request from `head`, if any."""
        found = self.store.pull_requests(repo, head=head)
        if isinstance(found, Failure):
            return Failure(found.failure())
        return found.map(lambda pulls: pulls[0][1] if pulls else None)

    async def create_draft_pull_request(
        self, repo: RepoRef, draft: DraftPullRequest
    ) -> Result[PullRequest, ForgeError]:
        """Open a draft pull request (the local forge always allows drafts)."""
        created = self.store.create_item(
            repo, self._who(repo), title=draft.title, body=draft.body, pull=draft
        )
        if isinstance(created, Failure):
            return Failure(created.failure())
        return self.store.pull_request(repo, created.unwrap())

    async def update_pull_request(
        self, repo: RepoRef, number: int, *, title: str, body: str
    ) -> Result[PullRequest, ForgeError]:
        """Replace a pull request's title and body."""
        return self.store.update_pull_request(repo, number, title=title, body=body)

"""The parts of GitHub's JSON the loop reads, decoded strictly at the edge into domain values."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from domain.forge.values import Issue, IssueComment, IssueEvent, PullRequest

# GitHub shows a deleted account as this user.
GHOST = "ghost"
# GitHub writes every time in UTC (`...Z`); a time without its zone is no answer of GitHub's, and
# the domain compares times with aware ones (a naive one would raise TypeError there).
AwareTime = Annotated[datetime, msgspec.Meta(tz=True)]


class User(msgspec.Struct, frozen=True):
    """`simple-user`."""

    login: str


class Label(msgspec.Struct, frozen=True):
    """`label` (issues may also list a label as a bare string)."""

    name: str


class RepoJson(msgspec.Struct, frozen=True):
    """`full-repository`."""

    default_branch: str
    has_issues: bool
    archived: bool
    private: bool


class IssueJson(msgspec.Struct, frozen=True):
    """`issue`; `pull_request` is present only on pull requests."""

    number: int
    title: str
    state: str
    locked: bool
    created_at: AwareTime
    updated_at: AwareTime
    labels: list[Label | str] = msgspec.field(default_factory=list)
    body: str | None = None
    user: User | None = None
    author_association: str = "NONE"
    pull_request: dict[str, object] | None = None

    def value(self) -> Issue:
        """The domain's issue."""
        return Issue(
            number=self.number,
            title=self.title,
            body=self.body or "",
            labels=tuple(label if isinstance(label, str) else label.name for label in self.labels),
            state="open" if self.state == "open" else "closed",
            locked=self.locked,
            author=GHOST if self.user is None else self.user.login,
            author_association=self.author_association,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )


class Rename(msgspec.Struct, frozen=True):
    """`renamed` events' titles."""

    from_: str = msgspec.field(name="from")
    to: str = ""


class EventJson(msgspec.Struct, frozen=True):
    """`issue-event-for-issue` (only the fields the loop reads)."""

    event: str
    created_at: AwareTime
    actor: User | None = None
    label: Label | None = None
    rename: Rename | None = None

    def value(self) -> IssueEvent:
        """The domain's event."""
        return IssueEvent(
            event=self.event,
            actor=None if self.actor is None else self.actor.login,
            created_at=self.created_at,
            label=None if self.label is None else self.label.name,
            rename_from=None if self.rename is None else self.rename.from_,
            rename_to=None if self.rename is None else self.rename.to,
        )


class CommentJson(msgspec.Struct, frozen=True):
    """`issue-comment`."""

    id: int
    created_at: AwareTime
    author_association: str
    body: str | None = None
    user: User | None = None

    def value(self) -> IssueComment:
        """The domain's comment."""
        return IssueComment(
            id=self.id,
            author=GHOST if self.user is None else self.user.login,
            author_association=self.author_association,
            body=self.body or "",
            created_at=self.created_at,
        )


class PermissionJson(msgspec.Struct, frozen=True):
    """`repository-collaborator-permission`."""

    permission: str


class Ref(msgspec.Struct, frozen=True):
    """A pull request's `head` or `base`."""

    ref: str


class PullJson(msgspec.Struct, frozen=True):
    """`pull-request` / `pull-request-simple`."""

    number: int
    title: str
    state: str
    html_url: str
    head: Ref
    base: Ref
    body: str | None = None
    draft: bool = False

    def value(self) -> PullRequest:
        """The domain's pull request."""
        return PullRequest(
            number=self.number,
            title=self.title,
            body=self.body or "",
            head=self.head.ref,
            base=self.base.ref,
            draft=self.draft,
            state="open" if self.state == "open" else "closed",
            url=self.html_url,
        )


class LastEdited(msgspec.Struct, frozen=True):
    """`Issue.lastEditedAt` in GraphQL."""

    lastEditedAt: AwareTime | None = None  # GraphQL's field name, verbatim


class RepositoryIssue(msgspec.Struct, frozen=True):
    """`Repository.issue`."""

    issue: LastEdited | None = None


class GraphData(msgspec.Struct, frozen=True):
    """`data` of the one query."""

    repository: RepositoryIssue | None = None


class GraphError(msgspec.Struct, frozen=True):
    """One GraphQL error."""

    message: str = ""
    type: str = ""


class GraphAnswer(msgspec.Struct, frozen=True):
    """A GraphQL response."""

    data: GraphData | None = None
    errors: list[GraphError] = msgspec.field(default_factory=list)

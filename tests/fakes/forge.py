"""An in-memory `Forge` that keeps state; the contract suite holds it to the real ones.

The GitHub test server (`tests/support/github_server.py`) keeps its state in one of these too and
renders it as GitHub's JSON, so the fake, the server and the local forge answer alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from returns.result import Failure, Result, Success

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

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class FakeItem:
    """An issue or a pull request: they share one sequence of numbers, as on GitHub."""

    number: int
    is_pull: bool
    title: str
    body: str
    author: str
    created_at: datetime
    updated_at: datetime
    labels: list[str] = field(default_factory=list)
    state: str = "open"
    locked: bool = False
    last_edited_at: datetime | None = None
    draft: bool = False
    head: str = ""
    base: str = ""


@dataclass
class FakeRepo:
    """One repository's issues, pull requests, labels, events, comments and permissions."""

    owner: str
    name: str
    default_branch: str = "main"
    private: bool = False
    archived: bool = False
    has_issues: bool = True
    drafts_allowed: bool = True
    branches: set[str] = field(default_factory=set)
    labels: dict[str, LabelSpec] = field(default_factory=dict)
    permissions: dict[str, Permission] = field(default_factory=dict)
    items: dict[int, FakeItem] = field(default_factory=dict)
    events: dict[int, list[IssueEvent]] = field(default_factory=dict)
    comments: dict[int, list[IssueComment]] = field(default_factory=dict)


def _missing(what: str) -> Failure[ForgeError]:
    return Failure(ForgeError(code="forge-not-found", message=f"{what} does not exist"))


def _rejected(message: str) -> Failure[ForgeError]:
    return Failure(ForgeError(code="forge-rejected", message=message))


class FakeForge:
    """Repositories in dictionaries; each write moves a clock one second on."""

    def __init__(self, actor: str | None = None) -> None:
        """Act as `actor` (None: each repository's owner)."""
        self.repos: dict[tuple[str, str], FakeRepo] = {}
        self.actor = actor
        self._ticks = 0
        self._comment_ids = 0

    # -- seeding (what a person does on the forge's web pages) ----------------------------------

    def now(self) -> datetime:
        """The next instant of the fake clock."""
        self._ticks += 1
        return EPOCH + timedelta(seconds=self._ticks)

    def create_repo(self, repo: RepoRef, *, default_branch: str = "main") -> FakeRepo:
        """A repository whose owner is admin and whose default branch exists."""
        state = FakeRepo(owner=repo.owner, name=repo.name, default_branch=default_branch)
        state.permissions[repo.owner] = "admin"
        state.branches.add(default_branch)
        self.repos[(repo.owner, repo.name)] = state
        return state

    def state(self, repo: RepoRef) -> FakeRepo | None:
        """The repository's state, if it exists."""
        return self.repos.get((repo.owner, repo.name))

    def create_issue(
        self,
        repo: RepoRef,
        *,
        title: str,
        body: str = "",
        labels: tuple[str, ...] = (),
        author: str | None = None,
        is_pull: bool = False,
        head: str = "",
        base: str = "",
        draft: bool = False,
    ) -> int:
        """Open an issue (or a pull request), labelled by its author."""
        state = self._must(repo)
        at = self.now()
        number = len(state.items) + 1
        who = author or repo.owner
        state.items[number] = FakeItem(
            number=number,
            is_pull=is_pull,
            title=title,
            body=body,
            author=who,
            created_at=at,
            updated_at=at,
            head=head,
            base=base,
            draft=draft,
        )
        state.events[number] = []
        state.comments[number] = []
        for label in labels:
            self.label_as(repo, number, label, who)
        return number

    def label_as(self, repo: RepoRef, number: int, label: str, actor: str) -> None:
        """`actor` adds `label` (a `labeled` event); a label new to the repository is created."""
        state = self._must(repo)
        item = state.items[number]
        name = self._repo_label(state, label)
        if name.casefold() in (existing.casefold() for existing in item.labels):
            return
        at = self.now()
        item.labels.append(name)
        item.updated_at = at
        state.events[number].append(
            IssueEvent(event="labeled", actor=actor, created_at=at, label=name)
        )

    def unlabel_as(self, repo: RepoRef, number: int, label: str, actor: str) -> None:
        """`actor` removes `label` if the item carries it (an `unlabeled` event)."""
        state = self._must(repo)
        item = state.items[number]
        for existing in list(item.labels):
            if existing.casefold() == label.casefold():
                at = self.now()
                item.labels.remove(existing)
                item.updated_at = at
                state.events[number].append(
                    IssueEvent(event="unlabeled", actor=actor, created_at=at, label=existing)
                )

    def edit_as(
        self, repo: RepoRef, number: int, actor: str, *, title: str | None, body: str | None
    ) -> None:
        """`actor` edits the title and/or body (a `renamed` event when the title changes)."""
        state = self._must(repo)
        item = state.items[number]
        at = self.now()
        if title is not None and title != item.title:
            state.events[number].append(
                IssueEvent(
                    event="renamed",
                    actor=actor,
                    created_at=at,
                    rename_from=item.title,
                    rename_to=title,
                )
            )
            item.title = title
        if body is not None:
            item.body = body
        item.last_edited_at = at
        item.updated_at = at

    def comment_as(self, repo: RepoRef, number: int, body: str, author: str) -> IssueComment:
        """`author` comments on an item."""
        state = self._must(repo)
        at = self.now()
        self._comment_ids += 1
        comment = IssueComment(
            id=self._comment_ids,
            author=author,
            author_association=self.association(state, author),
            body=body,
            created_at=at,
        )
        state.comments[number].append(comment)
        state.items[number].updated_at = at
        return comment

    def association(self, state: FakeRepo, login: str) -> str:
        """GitHub's author association as far as the fake knows it."""
        if login == state.owner:
            return "OWNER"
        if state.permissions.get(login, "none") != "none":
            return "COLLABORATOR"
        return "NONE"

    def _must(self, repo: RepoRef) -> FakeRepo:
        state = self.state(repo)
        assert state is not None, f"seed {repo.slug} first"
        return state

    def _repo_label(self, state: FakeRepo, label: str) -> str:
        key = label.casefold()
        if key not in state.labels:
            state.labels[key] = LabelSpec(name=label, color="ededed")
        return state.labels[key].name

    def _actor(self, repo: RepoRef) -> str:
        return self.actor or repo.owner

    def _repo(self, repo: RepoRef) -> Result[FakeRepo, ForgeError]:
        state = self.state(repo)
        return _missing(f"repository {repo.slug}") if state is None else Success(state)

    def _issue_item(self, repo: RepoRef, number: int) -> Result[FakeItem, ForgeError]:
        state = self.state(repo)
        item = None if state is None else state.items.get(number)
        if item is None or item.is_pull:
            return _missing(f"issue {repo.slug}#{number}")
        return Success(item)

    def _issue(self, state: FakeRepo, item: FakeItem) -> Issue:
        return Issue(
            number=item.number,
            title=item.title,
            body=item.body,
            labels=tuple(item.labels),
            state="open" if item.state == "open" else "closed",
            locked=item.locked,
            author=item.author,
            author_association=self.association(state, item.author),
            created_at=item.created_at,
            updated_at=item.updated_at,
        )

    @staticmethod
    def pull_request(repo: RepoRef, item: FakeItem) -> PullRequest:
        """The port's view of a pull-request item."""
        return PullRequest(
            number=item.number,
            title=item.title,
            body=item.body,
            head=item.head,
            base=item.base,
            draft=item.draft,
            state="open" if item.state == "open" else "closed",
            url=f"fake://{repo.owner}/{repo.name}/pull/{item.number}",
        )

    # -- the port ------------------------------------------------------------------------------

    async def repository(self, repo: RepoRef) -> Result[RepoFacts, ForgeError]:
        """Default branch, issues enabled, archived, private."""
        return self._repo(repo).map(
            lambda s: RepoFacts(
                default_branch=s.default_branch,
                has_issues=s.has_issues,
                archived=s.archived,
                private=s.private,
            )
        )

    async def open_issues_labelled(
        self, repo: RepoRef, label: str
    ) -> Result[tuple[Issue, ...], ForgeError]:
        """Open issues carrying `label`, newest first as GitHub lists them."""
        found = self._repo(repo)
        if isinstance(found, Failure):
            return Failure(found.failure())
        state = found.unwrap()
        key = label.casefold()
        return Success(
            tuple(
                self._issue(state, item)
                for item in sorted(state.items.values(), key=lambda i: -i.number)
                if not item.is_pull
                and item.state == "open"
                and key in (name.casefold() for name in item.labels)
            )
        )

    async def issue(self, repo: RepoRef, number: int) -> Result[Issue, ForgeError]:
        """One issue; a pull request's number is not found."""
        item = self._issue_item(repo, number)
        if isinstance(item, Failure):
            return Failure(item.failure())
        return Success(self._issue(self._must(repo), item.unwrap()))

    async def issue_events(
        self, repo: RepoRef, number: int
    ) -> Result[tuple[IssueEvent, ...], ForgeError]:
        """Every event, oldest first."""
        return self._issue_item(repo, number).map(lambda _: tuple(self._must(repo).events[number]))

    async def issue_comments(
        self, repo: RepoRef, number: int
    ) -> Result[tuple[IssueComment, ...], ForgeError]:
        """Every comment, oldest first."""
        return self._issue_item(repo, number).map(
            lambda _: tuple(self._must(repo).comments[number])
        )

    async def issue_last_edited(
        self, repo: RepoRef, number: int
    ) -> Result[datetime | None, ForgeError]:
        """When the title or body was last edited."""
        return self._issue_item(repo, number).map(lambda item: item.last_edited_at)

    async def permission(self, repo: RepoRef, login: str) -> Result[Permission, ForgeError]:
        """The user's permission; `none` for strangers."""
        return self._repo(repo).map(lambda s: s.permissions.get(login, "none"))

    async def add_labels(
        self, repo: RepoRef, number: int, labels: tuple[str, ...]
    ) -> Result[None, ForgeError]:
        """Add labels as the acting user."""
        state = self.state(repo)
        if state is None or number not in state.items:
            return _missing(f"issue {repo.slug}#{number}")
        for label in labels:
            self.label_as(repo, number, label, self._actor(repo))
        return Success(None)

    async def remove_label(
        self, repo: RepoRef, number: int, label: str
    ) -> Result[None, ForgeError]:
        """Remove one label as the acting user; absent is fine."""
        state = self.state(repo)
        if state is None or number not in state.items:
            return _missing(f"issue {repo.slug}#{number}")
        self.unlabel_as(repo, number, label, self._actor(repo))
        return Success(None)

    async def repository_labels(self, repo: RepoRef) -> Result[tuple[str, ...], ForgeError]:
        """The repository's labels, in the order they were made."""
        return self._repo(repo).map(lambda s: tuple(spec.name for spec in s.labels.values()))

    async def ensure_labels(
        self, repo: RepoRef, labels: tuple[LabelSpec, ...]
    ) -> Result[tuple[str, ...], ForgeError]:
        """Create the missing repository labels."""
        found = self._repo(repo)
        if isinstance(found, Failure):
            return Failure(found.failure())
        state = found.unwrap()
        created = []
        for spec in labels:
            if spec.name.casefold() not in state.labels:
                state.labels[spec.name.casefold()] = spec
                created.append(spec.name)
        return Success(tuple(created))

    async def comment(
        self, repo: RepoRef, number: int, body: str
    ) -> Result[IssueComment, ForgeError]:
        """Comment as the acting user."""
        state = self.state(repo)
        if state is None or number not in state.items:
            return _missing(f"issue {repo.slug}#{number}")
        return Success(self.comment_as(repo, number, body, self._actor(repo)))

    async def find_pull_request(
        self, repo: RepoRef, head: str
    ) -> Result[PullRequest | None, ForgeError]:
        """The open pull request from `head`, if any."""
        found = self._repo(repo)
        if isinstance(found, Failure):
            return Failure(found.failure())
        for item in found.unwrap().items.values():
            if item.is_pull and item.state == "open" and item.head == head:
                return Success(self.pull_request(repo, item))
        return Success(None)

    async def create_draft_pull_request(
        self, repo: RepoRef, draft: DraftPullRequest
    ) -> Result[PullRequest, ForgeError]:
        """Open a draft, refusing as GitHub does (missing branches, a second PR for a head)."""
        found = self._repo(repo)
        if isinstance(found, Failure):
            return Failure(found.failure())
        state = found.unwrap()
        if not state.drafts_allowed:
            return Failure(
                ForgeError(
                    code="draft-unavailable",
                    message="draft pull requests are not supported in this repository",
                )
            )
        if draft.head not in state.branches or draft.base not in state.branches:
            return _rejected(f"branch {draft.head!r} or {draft.base!r} does not exist")
        if any(
            i.is_pull and i.state == "open" and i.head == draft.head for i in state.items.values()
        ):
            return _rejected(f"A pull request already exists for {repo.owner}:{draft.head}.")
        number = self.create_issue(
            repo,
            title=draft.title,
            body=draft.body,
            author=self._actor(repo),
            is_pull=True,
            head=draft.head,
            base=draft.base,
            draft=True,
        )
        return Success(self.pull_request(repo, state.items[number]))

    async def update_pull_request(
        self, repo: RepoRef, number: int, *, title: str, body: str
    ) -> Result[PullRequest, ForgeError]:
        """Replace the title and body."""
        state = self.state(repo)
        item = None if state is None else state.items.get(number)
        if item is None or not item.is_pull:
            return _missing(f"pull request {repo.slug}#{number}")
        item.title, item.body, item.updated_at = title, body, self.now()
        return Success(self.pull_request(repo, item))

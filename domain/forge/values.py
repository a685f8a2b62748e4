"""What the loop sees of a forge (GitHub or the local one): repositories, issues, pull requests."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

import msgspec
from returns.result import Failure, Result, Success

ForgeErrorCode = Literal[
    "forge-not-found",  # 404: no such repository, issue, user or pull request
    "forge-auth-failed",  # 401: the token is missing, wrong or expired
    "forge-forbidden",  # 403 that is no rate limit: the token lacks a permission
    "forge-rejected",  # 422: the forge refused the request; its message is kept
    "forge-rate-limited",  # the rate limit resets later than the policy waits
    "forge-unavailable",  # 5xx or connection errors past every bounded retry
    "forge-invalid-response",  # the forge answered something that is not what it documents
    "forge-insecure-url",  # a token would travel over plain http to a non-loopback host
    "forge-token-missing",  # the variable named by `[forge] token_env` is unset or empty
    "forge-invalid-input",  # a repository name, number, label or body the forge cannot take
    "forge-store-unreadable",  # the local forge's database is corrupt or from a newer version
    "forge-lease-refused",  # the remote branch is not at the commit the push expected
    "forge-git-failed",  # fetch or push failed (network, refused by the remote, bad objects)
    "draft-unavailable",  # the forge refuses draft pull requests here; never fall back
]

Permission = Literal["admin", "write", "read", "none"]
PERMISSIONS: tuple[Permission, ...] = ("admin", "write", "read", "none")

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


class ForgeError(msgspec.Struct, frozen=True, kw_only=True, tag="forge-error"):
    """A forge operation failed; `code` is stable, `message` says what to do (never a token)."""

    code: ForgeErrorCode
    message: str


class RepoRef(msgspec.Struct, frozen=True, kw_only=True):
    """One repository on a forge, `OWNER/NAME`."""

    owner: str
    name: str

    @property
    def slug(self) -> str:
        """`OWNER/NAME`."""
        return f"{self.owner}/{self.name}"


def parse_repo(text: str) -> Result[RepoRef, ForgeError]:
    """Read `OWNER/NAME`, refusing anything that could escape a path or a URL segment.

    >>> parse_repo("octo/hello.world").unwrap().slug
    'octo/hello.world'
    >>> parse_repo("../etc").failure().code
    'forge-invalid-input'
    """
    owner, _, name = text.partition("/")
    if not _NAME.fullmatch(owner) or not _NAME.fullmatch(name) or name.endswith(".git"):
        return Failure(
            ForgeError(
                code="forge-invalid-input",
                message=f"{text!r} is not OWNER/NAME (letters, digits, '.', '_', '-'); "
                "name the repository as GitHub does, e.g. octo/hello",
            )
        )
    if owner in {".", ".."} or name in {".", ".."}:
        return Failure(ForgeError(code="forge-invalid-input", message=f"{text!r} is a path"))
    return Success(RepoRef(owner=owner, name=name))


class RepoFacts(msgspec.Struct, frozen=True, kw_only=True):
    """The facts about a repository the loop checks before working on it."""

    default_branch: str
    has_issues: bool
    archived: bool
    private: bool


class Issue(msgspec.Struct, frozen=True, kw_only=True):
    """One issue (never a pull request); `body` is kept verbatim, "" when it has none."""

    number: int
    title: str
    body: str
    labels: tuple[str, ...]
    state: Literal["open", "closed"]
    locked: bool
    author: str
    author_association: str
    created_at: datetime
    updated_at: datetime


class IssueEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One event of an issue: `labeled`/`unlabeled` name the label, `renamed` the titles."""

    event: str
    actor: str | None
    created_at: datetime
    label: str | None = None
    rename_from: str | None = None
    rename_to: str | None = None


class IssueComment(msgspec.Struct, frozen=True, kw_only=True):
    """One comment on an issue, its body verbatim."""

    id: int
    author: str
    author_association: str
    body: str
    created_at: datetime


class LabelSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A label to create when missing: `color` is six hex digits without `#`."""

    name: str
    color: str
    description: str = ""


class DraftPullRequest(msgspec.Struct, frozen=True, kw_only=True):
    """What the loop asks for: always a draft, from `head` into `base` of the same repository."""

    title: str
    body: str
    head: str
    base: str


class PullRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A pull request as the loop sees it; `url` is the forge's page (or `local://...`)."""

    number: int
    title: str
    body: str
    head: str
    base: str
    draft: bool
    state: Literal["open", "closed"]
    url: str


def legacy_permission(role: str) -> Permission:
    """GitHub's legacy permission for a role: maintain reads as write, triage as read.

    >>> legacy_permission("maintain"), legacy_permission("triage"), legacy_permission("x")
    ('write', 'read', 'none')
    """
    table: dict[str, Permission] = {
        "admin": "admin",
        "maintain": "write",
        "write": "write",
        "triage": "read",
        "read": "read",
    }
    return table.get(role, "none")


def loop_labels(approval: str, tiers: tuple[str, ...]) -> tuple[LabelSpec, ...]:
    """The labels the loop creates when missing: approval, progress markers and budget tiers.

    >>> [spec.name for spec in loop_labels("loop:approved", ("loop:budget-xl",))][:2]
    ['loop:approved', 'loop:in-progress']
    """
    fixed = (
        LabelSpec(name=approval, color="0e8a16", description="Approved for engineering-loop"),
        LabelSpec(name="loop:in-progress", color="fbca04", description="engineering-loop works"),
        LabelSpec(name="loop:pr-open", color="1d76db", description="A draft PR is open"),
        LabelSpec(name="loop:needs-human", color="d93f0b", description="Needs a person"),
    )
    budget = tuple(
        LabelSpec(name=tier, color="c5def5", description="engineering-loop budget tier")
        for tier in tiers
    )
    return fixed + budget

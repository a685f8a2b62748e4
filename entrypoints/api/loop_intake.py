"""Intake through the forge: read each served repository's approved issues (every page), their
events, edits, open pull requests and approvers' permissions, and let `domain.loop.intake` decide.

Shared by `daemon --once` and `loop queue`; it only reads. An issue whose facts cannot be read is
not eligible (its forge error's code says why): a decision about trust is never made on half the
facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import msgspec
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from domain.forge.values import ForgeError, Issue, RepoRef, parse_repo
from domain.loop.config import LoopSettings
from domain.loop.facts import issue_facts
from domain.loop.intake import (
    Eligibility,
    IssueFacts,
    Ranked,
    eligibility,
    latest_event,
    score,
)
from domain.loop.publication import branch_name
from ports.forge import Forge

# Codes decided from the issue alone: its events and edits need not be read.
_DECIDED_WITHOUT_EVENTS = frozenset(
    {"pull-request", "issue-locked", "issue-in-progress", "pr-open", "not-approved"}
)


class IntakeEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One open approved issue of a repository: its facts, whether it may run, its score."""

    repo: str
    facts: IssueFacts
    verdict: Eligibility
    score: int
    # Why it may not run: an intake code, or the code of the forge error that kept its facts
    # unread; None when it may run.
    code: str | None = None

    def ranked(self) -> Ranked:
        """The entry as `choose` takes it."""
        return Ranked(repo=self.repo, issue=self.facts, score=self.score)


class RepoIntake(msgspec.Struct, frozen=True, kw_only=True):
    """A served repository and its entries, best first (the order a cycle would take them)."""

    repo: str
    ref: RepoRef
    entries: tuple[IntakeEntry, ...] = ()


async def _facts(
    forge: Forge, repo: RepoRef, issue: Issue, settings: LoopSettings
) -> Result[IssueFacts, ForgeError]:
    events = await forge.issue_events(repo, issue.number)
    if not is_successful(events):
        return Failure(events.failure())
    edited = await forge.issue_last_edited(repo, issue.number)
    if not is_successful(edited):
        return Failure(edited.failure())
    pull = await forge.find_pull_request(repo, branch_name(issue.number, settings.branch_prefix))
    if not is_successful(pull):
        return Failure(pull.failure())
    found = pull.unwrap()
    return Success(
        issue_facts(
            issue,
            events.unwrap(),
            edited.unwrap(),
            has_open_pull_request=found is not None and found.state == "open",
        )
    )


async def _permissions(
    forge: Forge, repo: RepoRef, facts: IssueFacts, settings: LoopSettings, known: dict[str, str]
) -> Result[Mapping[str, str], ForgeError]:
    """The approver's permission (asked once per login), only when `approvers` is empty."""
    approval = latest_event(facts.label_events, settings.approval_label)
    if settings.approvers or approval is None or not approval.actor:
        return Success(known)
    login = approval.actor
    if login.casefold() not in {k.casefold() for k in known}:
        asked = await forge.permission(repo, login)
        if not is_successful(asked):
            return Failure(asked.failure())
        known[login] = asked.unwrap()
    return Success(known)


def _judged(
    repo: RepoRef, facts: IssueFacts, verdict: Eligibility, now: datetime, settings: LoopSettings
) -> IntakeEntry:
    return IntakeEntry(
        repo=repo.slug,
        facts=facts,
        verdict=verdict,
        score=score(facts, settings.scoring.labels, now),
        code=verdict.code,
    )


def _unread(
    repo: RepoRef, facts: IssueFacts, error: ForgeError, now: datetime, settings: LoopSettings
) -> IntakeEntry:
    verdict = Eligibility(eligible=False, detail=error.message)
    return msgspec.structs.replace(_judged(repo, facts, verdict, now, settings), code=error.code)


async def _entry(
    forge: Forge,
    repo: RepoRef,
    *,
    issue: Issue,
    settings: LoopSettings,
    known: dict[str, str],
    now: datetime,
) -> IntakeEntry:
    bare = issue_facts(issue, (), None, has_open_pull_request=False)
    early = eligibility(bare, settings, {})
    if not early.eligible and early.code in _DECIDED_WITHOUT_EVENTS:
        return _judged(repo, bare, early, now, settings)
    read = await _facts(forge, repo, issue, settings)
    if not is_successful(read):
        return _unread(repo, bare, read.failure(), now, settings)
    facts = read.unwrap()
    permissions = await _permissions(forge, repo, facts, settings, known)
    if not is_successful(permissions):
        return _unread(repo, facts, permissions.failure(), now, settings)
    return _judged(repo, facts, eligibility(facts, settings, permissions.unwrap()), now, settings)


def _order(entry: IntakeEntry) -> tuple[int, datetime, int]:
    return (-entry.score, entry.facts.created_at, entry.facts.number)


async def read_intake(
    forge: Forge, settings: LoopSettings, now: datetime
) -> Result[tuple[RepoIntake, ...], ForgeError]:
    """Each served repository's open approved issues, judged and scored, in `repos` order; a
    repository that cannot be listed fails the whole intake (nothing is decided on half of it)."""
    repos: list[RepoIntake] = []
    for slug in settings.repos:
        parsed = parse_repo(slug)
        if not is_successful(parsed):
            return Failure(parsed.failure())
        ref = parsed.unwrap()
        listed = await forge.open_issues_labelled(ref, settings.approval_label)
        if not is_successful(listed):
            return Failure(listed.failure())
        known: dict[str, str] = {}
        entries: list[IntakeEntry] = []
        for issue in listed.unwrap():
            entries.append(
                await _entry(forge, ref, issue=issue, settings=settings, known=known, now=now)
            )
        repos.append(RepoIntake(repo=ref.slug, ref=ref, entries=tuple(sorted(entries, key=_order))))
    return Success(tuple(repos))

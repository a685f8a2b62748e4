"""The JSON shapes `run`, `daemon --once` and `loop queue` print (public contract)."""

from __future__ import annotations

import msgspec

from domain.loop.outcomes import Outcome, Reason


class PullRequestDraft(msgspec.Struct, frozen=True, kw_only=True):
    """The pull request a run opens, or would open when staged."""

    title: str
    body: str
    head: str
    base: str


class RunReport(msgspec.Struct, frozen=True, kw_only=True):
    """One run, as `run --json` prints it and a cycle lists it."""

    outcome: Outcome
    repo: str
    issue: int
    run_id: str | None = None
    branch: str | None = None
    pr_url: str | None = None
    pr: PullRequestDraft | None = None
    reasons: tuple[Reason, ...] = ()
    rounds: int = 0
    cost_usd: float | None = None
    wall_clock_s: float = 0.0
    # The path of the run's `record.json`.
    record: str | None = None


class Skipped(msgspec.Struct, frozen=True, kw_only=True):
    """An issue the cycle did not run, and why (an intake code)."""

    repo: str
    issue: int
    code: str
    detail: str


class NotificationResult(msgspec.Struct, frozen=True, kw_only=True):
    """One webhook's delivery; `target` is its host only (the URL is a secret)."""

    target: str
    ok: bool
    error: str | None = None


class CycleReport(msgspec.Struct, frozen=True, kw_only=True):
    """One daemon cycle, as `daemon --once --json` prints it."""

    outcome: Outcome
    runs: tuple[RunReport, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    notifications: tuple[NotificationResult, ...] = ()


class QueueEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One open approved issue as the next cycle would see it."""

    number: int
    title: str
    score: int
    eligible: bool
    # Why it is not eligible (an intake code), None when it is.
    code: str | None = None


class RepoQueue(msgspec.Struct, frozen=True, kw_only=True):
    """A served repository's queue, in the order the cycle would take it."""

    repo: str
    issues: tuple[QueueEntry, ...] = ()


class QueueReport(msgspec.Struct, frozen=True, kw_only=True):
    """`loop queue --json`: what the next cycle would see, read-only."""

    repos: tuple[RepoQueue, ...] = ()

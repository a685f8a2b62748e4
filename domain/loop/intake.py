"""The daemon's intake (pure): which approved issues may run, whose approval counts, and order.

The caller reads each issue, its label events and its edits from the forge (every page) and the
approver's permission; these functions decide. Timestamps are timezone-aware `datetime`s; where
two events share an instant the decision fails closed (not re-approved, stale).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Literal

import msgspec

from domain.loop.acceptance import headings
from domain.loop.config import LoopSettings
from domain.loop.outcomes import ISSUE_CHANGED, ISSUE_IN_PROGRESS, Reason
from domain.loop.prompt import IssueText

IN_PROGRESS = "loop:in-progress"
PR_OPEN = "loop:pr-open"
NEEDS_HUMAN = "loop:needs-human"
STATE_LABELS: tuple[str, ...] = (IN_PROGRESS, PR_OPEN, NEEDS_HUMAN)
TRUSTED_PERMISSIONS = frozenset({"write", "admin"})

SkipCode = Literal[
    "pull-request",
    "issue-locked",
    "issue-in-progress",
    "pr-open",
    "open-pull-request",
    "not-approved",
    "needs-reapproval",
    "approval-untrusted",
    "approval-stale",
]

# Sections the original loop's issue template has; an issue with all three scores one more.
TEMPLATE_SECTIONS = frozenset({"context", "action items", "related"})
AGE_STEP_DAYS = 30
MAX_AGE_POINTS = 2


class LabelEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One `labeled` or `unlabeled` event on an issue: which label, by whom, when."""

    label: str
    actor: str
    action: Literal["labeled", "unlabeled"]
    at: datetime


class Edit(msgspec.Struct, frozen=True, kw_only=True):
    """A change to the text the agent reads: the title renamed or the body edited."""

    part: Literal["title", "body"]
    actor: str
    at: datetime


class IssueFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What intake knows of one open issue."""

    number: int
    title: str
    body: str
    labels: tuple[str, ...]
    created_at: datetime
    is_pull_request: bool = False
    locked: bool = False
    # An open pull request from this issue's branch exists.
    has_open_pull_request: bool = False
    label_events: tuple[LabelEvent, ...] = ()
    edits: tuple[Edit, ...] = ()

    def text(self) -> IssueText:
        """The part of the issue the agent reads (and its digest covers)."""
        return IssueText(number=self.number, title=self.title, body=self.body, labels=self.labels)


def text_changed(approved: IssueText, current: IssueText) -> str | None:
    """What changed in the text the agent reads since it was approved, or None.

    >>> before = IssueText(number=1, title="Fix", body="Do it.")
    >>> text_changed(before, IssueText(number=1, title="Fix", body="Do it.", labels=("x",)))
    >>> text_changed(before, IssueText(number=1, title="Fix", body="Do more."))
    'body'
    """
    changed = [
        part
        for part, old, new in (
            ("title", approved.title, current.title),
            ("body", approved.body, current.body),
        )
        if old != new
    ]
    return " and ".join(changed) or None


def run_refusal(current: IssueText, approved: IssueText | None) -> Reason | None:
    """Why a run must not start on this issue, before anything is touched, or None: another run
    holds it (`issue-in-progress`), or its text changed since its approval was checked
    (`issue-changed`; `approved` is None for `run` by hand, where typing it is the approval).

    >>> issue = IssueText(number=3, title="Fix", body="Do it.")
    >>> run_refusal(issue, None) is None, run_refusal(issue, issue) is None
    (True, True)
    >>> run_refusal(IssueText(number=3, title="Fix", body="", labels=(IN_PROGRESS,)), None).code
    'issue-in-progress'
    >>> run_refusal(issue, IssueText(number=3, title="Fixed", body="Do it.")).code
    'issue-changed'
    """
    number = current.number
    if IN_PROGRESS in current.labels:
        return Reason(
            code=ISSUE_IN_PROGRESS,
            detail=f"issue #{number} is labelled {IN_PROGRESS}: another run is working on it; "
            "remove the label if that run is gone",
        )
    changed = None if approved is None else text_changed(approved, current)
    if changed is not None:
        return Reason(
            code=ISSUE_CHANGED,
            detail=f"the {changed} of issue #{number} changed after its approval was checked; "
            "nothing ran: the next cycle checks the approval of the new text",
        )
    return None


class Eligibility(msgspec.Struct, frozen=True, kw_only=True):
    """Whether an issue may run now; `code` and `detail` say why not. A re-approved issue's
    claim removes `loop:needs-human` (`clears_needs_human`)."""

    eligible: bool
    code: SkipCode | None = None
    detail: str = ""
    approver: str | None = None
    clears_needs_human: bool = False


def _has(labels: Iterable[str], wanted: str) -> bool:
    return wanted.casefold() in {label.casefold() for label in labels}


def latest_event(events: Iterable[LabelEvent], label: str) -> LabelEvent | None:
    """The most recent `labeled` event for `label` (names ignore case), or None.

    >>> from datetime import datetime, UTC
    >>> e = [LabelEvent(label="A", actor=x, action="labeled", at=datetime(2026, 1, d, tzinfo=UTC))
    ...      for x, d in (("ann", 2), ("bob", 1))]
    >>> latest_event(e, "a").actor
    'ann'
    """
    wanted = label.casefold()
    found = [e for e in events if e.action == "labeled" and e.label.casefold() == wanted]
    return max(found, key=lambda e: e.at, default=None)


def _skip(code: SkipCode, detail: str) -> Eligibility:
    return Eligibility(eligible=False, code=code, detail=detail)


def _trusted(actor: str, settings: LoopSettings, permissions: Mapping[str, str]) -> bool:
    if not actor:  # a deleted account (GitHub's "ghost"): nobody can vouch for it
        return False
    if settings.approvers:
        return actor.casefold() in {login.casefold() for login in settings.approvers}
    by_login = {login.casefold(): level for login, level in permissions.items()}
    return by_login.get(actor.casefold(), "none") in TRUSTED_PERMISSIONS


def verify_approval(
    issue: IssueFacts, settings: LoopSettings, permissions: Mapping[str, str]
) -> Eligibility:
    """Whether the latest approval came from a trusted login and still covers the issue's text.

    `permissions` maps a login to its permission on the repository (`admin`, `write`, `read`,
    `none`); it is consulted only when `[loop] approvers` is empty.

    >>> from datetime import datetime, UTC
    >>> at = datetime(2026, 1, 1, tzinfo=UTC)
    >>> ok = LabelEvent(label="loop:approved", actor="ann", action="labeled", at=at)
    >>> issue = IssueFacts(number=1, title="t", body="b", labels=("loop:approved",),
    ...                    created_at=at, label_events=(ok,))
    >>> verify_approval(issue, LoopSettings(), {"ann": "read"}).code
    'approval-untrusted'
    >>> verify_approval(issue, LoopSettings(approvers=("Ann",)), {}).eligible
    True
    """
    approval = latest_event(issue.label_events, settings.approval_label)
    if approval is None:
        return _skip("approval-untrusted", "no labeled event for the approval label was found")
    if not _trusted(approval.actor, settings, permissions):
        who = "is not in [loop] approvers" if settings.approvers else "has no write permission"
        return _skip("approval-untrusted", f"approved by {approval.actor}, who {who}")
    edits = [e for e in issue.edits if e.at >= approval.at]
    if edits:
        last = max(edits, key=lambda e: e.at)
        return _skip(
            "approval-stale",
            f"the {last.part} was changed by {last.actor} after {approval.actor} approved; "
            "approve the issue again",
        )
    return Eligibility(eligible=True, approver=approval.actor)


def eligibility(
    issue: IssueFacts, settings: LoopSettings, permissions: Mapping[str, str]
) -> Eligibility:
    """Whether an open issue may run this cycle, with the first reason it may not.

    >>> from datetime import datetime, UTC
    >>> at = datetime(2026, 1, 1, tzinfo=UTC)
    >>> issue = IssueFacts(number=1, title="t", body="b", created_at=at,
    ...                    labels=("loop:approved", "loop:pr-open"))
    >>> eligibility(issue, LoopSettings(), {}).code
    'pr-open'
    """
    if issue.is_pull_request:
        return _skip("pull-request", "pull requests are not issues the loop runs")
    if issue.locked:
        return _skip("issue-locked", "the issue is locked")
    if _has(issue.labels, IN_PROGRESS):
        return _skip("issue-in-progress", f"labelled {IN_PROGRESS}: a run is working on it")
    if _has(issue.labels, PR_OPEN):
        return _skip("pr-open", f"labelled {PR_OPEN}: its pull request awaits review")
    if issue.has_open_pull_request:
        return _skip("open-pull-request", "an open pull request from its branch exists")
    if not _has(issue.labels, settings.approval_label):
        return _skip("not-approved", f"not labelled {settings.approval_label}")
    reapproved = False
    if _has(issue.labels, NEEDS_HUMAN):
        approval = latest_event(issue.label_events, settings.approval_label)
        flagged = latest_event(issue.label_events, NEEDS_HUMAN)
        if approval is None or (flagged is not None and approval.at <= flagged.at):
            return _skip(
                "needs-reapproval",
                f"labelled {NEEDS_HUMAN} and not approved again since; approve it again to retry",
            )
        reapproved = True
    verdict = verify_approval(issue, settings, permissions)
    if verdict.eligible and reapproved:
        return msgspec.structs.replace(verdict, clears_needs_human=True)
    return verdict


def _age_points(created_at: datetime, now: datetime) -> int:
    days = (now - created_at).days
    return max(0, min(MAX_AGE_POINTS, days // AGE_STEP_DAYS))


def has_template_sections(body: str) -> bool:
    """True when the body has `## Context`, `## Action items` and `## Related` headings.

    >>> has_template_sections("## Context\\n## Action items\\n## Related\\n")
    True
    """
    titles = {h.title.casefold() for h in headings(body) if h.level == 2}
    return titles >= TEMPLATE_SECTIONS


def score(issue: IssueFacts, weights: Mapping[str, int], now: datetime) -> int:
    """1 + the weights of its labels + up to 2 for age (one per 30 days) + 1 for the template's
    three sections.

    >>> from datetime import datetime, UTC
    >>> issue = IssueFacts(number=1, title="t", body="", labels=("Bug",),
    ...                    created_at=datetime(2026, 1, 1, tzinfo=UTC))
    >>> score(issue, {"bug": 2}, datetime(2026, 3, 5, tzinfo=UTC))
    5
    """
    by_name = {name.casefold(): weight for name, weight in weights.items()}
    labels = {label.casefold() for label in issue.labels}
    points = 1 + sum(by_name.get(label, 0) for label in labels)
    points += _age_points(issue.created_at, now)
    return points + (1 if has_template_sections(issue.body) else 0)


class Ranked(msgspec.Struct, frozen=True, kw_only=True):
    """An eligible issue with its repository and score."""

    repo: str
    issue: IssueFacts
    score: int


def choose(ranked: Sequence[Ranked], limit: int) -> tuple[Ranked, ...]:
    """The best `limit` issues: highest score first, ties to the oldest (then the lower number,
    then the repository listed first).

    >>> from datetime import datetime, UTC
    >>> def r(n, s, day): return Ranked(repo="a/b", score=s, issue=IssueFacts(number=n,
    ...     title="", body="", labels=(), created_at=datetime(2026, 1, day, tzinfo=UTC)))
    >>> [x.issue.number for x in choose([r(1, 3, 5), r(2, 3, 1), r(3, 9, 9)], 2)]
    [3, 2]
    """
    order = {repo: index for index, repo in enumerate(dict.fromkeys(r.repo for r in ranked))}
    best = sorted(
        ranked,
        key=lambda r: (-r.score, r.issue.created_at, r.issue.number, order[r.repo]),
    )
    return tuple(best[: max(0, limit)])


def required_labels(settings: LoopSettings, tiers: Iterable[str]) -> tuple[str, ...]:
    """The labels a served repository needs: approval, the loop's states, the budget tiers.

    >>> required_labels(LoopSettings(), ["loop:budget-xl"])
    ('loop:approved', 'loop:in-progress', 'loop:pr-open', 'loop:needs-human', 'loop:budget-xl')
    """
    names = (settings.approval_label, *STATE_LABELS, *tiers)
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(name.casefold(), name)
    return tuple(unique.values())

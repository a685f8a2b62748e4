"""Intake: eligibility, trusted and fresh approval, scoring and the choice of issues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
from hypothesis import example, given
from hypothesis import strategies as st

from domain.loop.config import LoopSettings
from domain.loop.intake import (
    Edit,
    IssueFacts,
    LabelEvent,
    Ranked,
    choose,
    eligibility,
    required_labels,
    score,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
APPROVED = "loop:approved"
SETTINGS = LoopSettings(repos=("acme/api",), approvers=("alice",))


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _labeled(label: str, actor: str, minutes: int) -> LabelEvent:
    return LabelEvent(label=label, actor=actor, action="labeled", at=_at(minutes))


def _issue(**changes: object) -> IssueFacts:
    base = IssueFacts(
        number=7, title="Fix it", body="Please.", labels=(APPROVED,), created_at=_at(-60),
        label_events=(_labeled(APPROVED, "alice", 0),),
    )  # fmt: skip
    return msgspec.structs.replace(base, **changes)


def test_an_approved_issue_from_an_approver_is_eligible() -> None:
    verdict = eligibility(_issue(), SETTINGS, {})
    assert verdict.eligible
    assert verdict.approver == "alice"


def test_skips_name_the_first_reason() -> None:
    cases = {
        "pull-request": _issue(is_pull_request=True),
        "issue-locked": _issue(locked=True),
        "issue-in-progress": _issue(labels=(APPROVED, "Loop:In-Progress")),
        "pr-open": _issue(labels=(APPROVED, "loop:pr-open")),
        "open-pull-request": _issue(has_open_pull_request=True),
        "not-approved": _issue(labels=("bug",)),
    }
    for code, issue in cases.items():
        assert eligibility(issue, SETTINGS, {}).code == code


def test_approval_by_a_login_outside_the_approvers_is_untrusted() -> None:
    issue = _issue(label_events=(_labeled(APPROVED, "alice", 0), _labeled(APPROVED, "eve", 5)))
    verdict = eligibility(issue, SETTINGS, {"eve": "admin"})
    assert verdict.code == "approval-untrusted"
    assert "eve" in verdict.detail


def test_without_approvers_write_or_admin_permission_is_trusted() -> None:
    settings = LoopSettings()
    issue = _issue(label_events=(_labeled(APPROVED, "Bob", 0),))
    assert eligibility(issue, settings, {"bob": "write"}).eligible
    assert eligibility(issue, settings, {"bob": "admin"}).eligible
    assert eligibility(issue, settings, {"bob": "triage"}).code == "approval-untrusted"
    assert eligibility(issue, settings, {}).code == "approval-untrusted"


def test_a_label_without_a_labeled_event_is_untrusted() -> None:
    assert eligibility(_issue(label_events=()), SETTINGS, {}).code == "approval-untrusted"


def test_an_edit_after_approval_is_stale_but_one_before_is_not() -> None:
    after = _issue(edits=(Edit(part="body", actor="mallory", at=_at(1)),))
    verdict = eligibility(after, SETTINGS, {})
    assert verdict.code == "approval-stale"
    assert "body" in verdict.detail
    renamed = _issue(edits=(Edit(part="title", actor="alice", at=_at(0)),))
    assert eligibility(renamed, SETTINGS, {}).code == "approval-stale"
    before = _issue(edits=(Edit(part="body", actor="bob", at=_at(-1)),))
    assert eligibility(before, SETTINGS, {}).eligible


def test_needs_human_is_eligible_only_after_a_newer_approval() -> None:
    flagged = _labeled("loop:needs-human", "engineering-loop", 10)
    stuck = _issue(
        labels=(APPROVED, "loop:needs-human"),
        label_events=(_labeled(APPROVED, "alice", 0), flagged),
    )
    assert eligibility(stuck, SETTINGS, {}).code == "needs-reapproval"
    again = msgspec.structs.replace(
        stuck, label_events=(*stuck.label_events, _labeled(APPROVED, "alice", 20))
    )
    verdict = eligibility(again, SETTINGS, {})
    assert verdict.eligible
    assert verdict.clears_needs_human


def test_score_adds_labels_age_and_template_sections() -> None:
    body = "## Context\nx\n## Action items\n- y\n## Related\n- z"
    issue = _issue(labels=("critical", "bug", "other"), body=body, created_at=T0 - timedelta(99))
    assert score(issue, {"critical": 5, "security": 4, "bug": 2}, T0) == 1 + 7 + 2 + 1


def test_fenced_template_sections_do_not_count() -> None:
    body = "```\n## Context\n## Action items\n## Related\n```"
    assert score(_issue(body=body, labels=(), created_at=T0), {}, T0) == 1


def test_required_labels_are_listed_once() -> None:
    assert required_labels(LoopSettings(approval_label="Loop:Approved"), ["loop:approved"]) == (
        "Loop:Approved", "loop:in-progress", "loop:pr-open", "loop:needs-human",
    )  # fmt: skip


DAYS = st.integers(min_value=0, max_value=400)
WEIGHTS = st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 10))
LABELS = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), unique=True, max_size=5)


@given(labels=LABELS, weights=WEIGHTS, younger=DAYS, extra=DAYS)
def test_an_older_issue_never_scores_lower(
    labels: list[str], weights: dict[str, int], younger: int, extra: int
) -> None:
    young = _issue(labels=tuple(labels), created_at=T0 - timedelta(days=younger))
    old = _issue(labels=tuple(labels), created_at=T0 - timedelta(days=younger + extra))
    assert score(old, weights, T0) >= score(young, weights, T0)
    assert score(old, weights, T0) - score(young, weights, T0) <= 2


@given(labels=LABELS, weights=WEIGHTS, days=DAYS)
@example(labels=["a"], weights={"a": 3}, days=30)
def test_score_is_one_plus_weights_plus_bounded_age(
    labels: list[str], weights: dict[str, int], days: int
) -> None:
    issue = _issue(labels=tuple(labels), created_at=T0 - timedelta(days=days))
    expected = 1 + sum(weights.get(label, 0) for label in labels) + min(2, days // 30)
    assert score(issue, weights, T0) == expected


RANKED = st.lists(
    st.builds(
        lambda n, s, d: Ranked(
            repo="acme/api", score=s, issue=_issue(number=n, created_at=T0 - timedelta(days=d))
        ),
        st.integers(1, 10_000),
        st.integers(0, 5),
        st.integers(0, 60),
    ),
    max_size=8,
    unique_by=lambda r: r.issue.number,
)


@given(ranked=RANKED, limit=st.integers(0, 4), data=st.data())
def test_choice_takes_the_best_and_breaks_ties_to_the_oldest(
    ranked: list[Ranked], limit: int, data: st.DataObject
) -> None:
    chosen = choose(ranked, limit)
    assert len(chosen) == min(limit, len(ranked))
    assert choose(data.draw(st.permutations(ranked)), limit) == chosen
    left = [r for r in ranked if r not in chosen]
    for pick in chosen:
        for other in left:
            assert (pick.score, other.issue.created_at) >= (other.score, pick.issue.created_at)

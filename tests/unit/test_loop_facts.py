"""Forge values to intake facts: label events, edits, trusted comments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from domain.forge.values import Issue, IssueComment, IssueEvent
from domain.loop.config import LoopSettings
from domain.loop.facts import edits, issue_facts, label_events, trusted_comments
from domain.loop.intake import eligibility

AT = datetime(2026, 1, 1, tzinfo=UTC)


def _issue(labels: tuple[str, ...] = ("loop:approved",)) -> Issue:
    return Issue(
        number=7,
        title="t",
        body="b",
        labels=labels,
        state="open",
        locked=False,
        author="ann",
        author_association="OWNER",
        created_at=AT,
        updated_at=AT,
    )


def _event(
    kind: str, second: int, actor: str | None = "ann", label: str | None = None
) -> IssueEvent:
    return IssueEvent(
        event=kind, actor=actor, created_at=AT + timedelta(seconds=second), label=label
    )


events = st.lists(
    st.builds(
        _event,
        st.sampled_from(["labeled", "unlabeled", "renamed", "commented", "assigned"]),
        st.integers(0, 1000),
        st.one_of(st.none(), st.sampled_from(["ann", "eve"])),
        st.one_of(st.none(), st.sampled_from(["loop:approved", "bug"])),
    ),
    max_size=20,
)


@given(events)
def test_label_events_are_exactly_the_labelled_ones_in_time_order(seen: list[IssueEvent]) -> None:
    found = label_events(seen)
    expected = [e for e in seen if e.event in {"labeled", "unlabeled"} and e.label is not None]
    assert len(found) == len(expected)
    assert [e.at for e in found] == sorted(e.created_at for e in expected)
    assert all(e.action in {"labeled", "unlabeled"} for e in found)


@given(events, st.one_of(st.none(), st.integers(0, 1000)))
def test_every_rename_and_the_last_edit_become_edits(
    seen: list[IssueEvent], edited: int | None
) -> None:
    when = None if edited is None else AT + timedelta(seconds=edited)
    found = edits(seen, when)
    renames = [e for e in seen if e.event == "renamed"]
    assert len(found) == len(renames) + (0 if when is None else 1)
    assert [e.part for e in found].count("body") == (0 if when is None else 1)


def test_an_approval_by_a_deleted_account_is_never_trusted() -> None:
    ghost = _event("labeled", 1, actor=None, label="loop:approved")
    facts = issue_facts(_issue(), [ghost], None, has_open_pull_request=False)
    assert facts.label_events[0].actor == ""
    verdict = eligibility(facts, LoopSettings(), {"": "admin"})
    assert verdict.code == "approval-untrusted"


def test_an_edit_of_the_text_after_the_approval_makes_it_stale() -> None:
    approval = _event("labeled", 1, label="loop:approved")
    facts = issue_facts(
        _issue(), [approval], AT + timedelta(seconds=2), has_open_pull_request=False
    )
    assert eligibility(facts, LoopSettings(), {"ann": "write"}).code == "approval-stale"
    earlier = issue_facts(_issue(), [approval], AT, has_open_pull_request=False)
    assert eligibility(earlier, LoopSettings(), {"ann": "write"}).eligible


def test_an_open_pull_request_and_a_lock_carry_over() -> None:
    facts = issue_facts(_issue(), [], None, has_open_pull_request=True)
    assert eligibility(facts, LoopSettings(), {}).code == "open-pull-request"
    locked = issue_facts(
        msgspec.structs.replace(_issue(), locked=True), [], None, has_open_pull_request=False
    )
    assert eligibility(locked, LoopSettings(), {}).code == "issue-locked"


def test_only_trusted_commenters_are_kept_in_their_order() -> None:
    comments = [
        IssueComment(id=i, author=a, author_association="NONE", body=str(i), created_at=AT)
        for i, a in enumerate(["eve", "Ann", "bob", "ann"])
    ]
    kept = trusted_comments(comments, ["ANN", "bob"])
    assert [(c.author, c.body) for c in kept] == [("Ann", "1"), ("bob", "2"), ("ann", "3")]
    assert trusted_comments(comments, []) == ()

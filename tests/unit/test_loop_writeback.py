"""Write-back labels and comment, the webhook message, and the report shapes."""

from __future__ import annotations

import msgspec
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from domain.loop.notify import MAX_MESSAGE_CHARS, should_notify, webhook_message
from domain.loop.outcomes import Reason
from domain.loop.report import CycleReport, NotificationResult, RunReport, Skipped
from domain.loop.writeback import claim_labels, final_labels, outcome_comment


def test_a_claim_sets_in_progress_and_keeps_needs_human_unless_reapproved() -> None:
    assert claim_labels(clears_needs_human=False).add == ("loop:in-progress",)
    assert claim_labels(clears_needs_human=False).remove == ()
    assert claim_labels(clears_needs_human=True).remove == ("loop:needs-human",)


def test_a_failed_run_leaves_needs_human_and_drops_the_approval() -> None:
    change = final_labels("needs-human", "ok-to-run")
    assert change.add == ("loop:needs-human",)
    assert set(change.remove) == {"loop:in-progress", "ok-to-run"}
    assert final_labels("error", "ok-to-run") == change


def test_runs_that_never_started_or_were_staged_change_no_label() -> None:
    for outcome in ("staged", "over-budget", "locked", "refused-ci", "idle"):
        assert final_labels(outcome, "x") == final_labels("staged", "x")
        assert final_labels(outcome, "x").add == ()


def test_the_comment_links_the_pull_request() -> None:
    text = outcome_comment("published", run_id="r9", pr_url="https://github.com/a/b/pull/3")
    assert "**published**" in text
    assert "pull/3" in text
    assert "Approve the issue again" not in text


@given(st.lists(st.text(max_size=60), max_size=40))
def test_reason_details_in_the_comment_stay_inert(details: list[str]) -> None:
    reasons = [Reason(code="gates-failed", detail=f"<b>@alice</b> {d}") for d in details]
    html = MarkdownIt("commonmark").render(
        outcome_comment("needs-human", run_id="r", reasons=reasons)
    )
    assert "<b>" not in html
    assert "@alice" not in html


def test_the_webhook_message_is_the_same_for_slack_and_discord_and_bounded() -> None:
    runs = tuple(
        RunReport(
            outcome="needs-human", repo="a/b", issue=n, reasons=(Reason(code="stalled", detail=""),)
        )
        for n in range(50)
    )
    message = webhook_message(CycleReport(outcome="needs-human", runs=runs))
    assert message.text == message.content
    assert len(message.text) <= MAX_MESSAGE_CHARS
    assert "needs-human: a/b#0 stalled (cost unknown, 0 s)" in message.text
    assert "and 40 more runs" in message.text
    assert should_notify(CycleReport(outcome="needs-human", runs=runs))


def test_the_cycle_report_encodes_to_the_documented_json() -> None:
    cycle = CycleReport(
        outcome="idle",
        skipped=(Skipped(repo="a/b", issue=4, code="approval-stale", detail="edited"),),
        notifications=(NotificationResult(target="hooks.slack.com", ok=False, error="timeout"),),
    )
    decoded = msgspec.json.decode(msgspec.json.encode(cycle))
    assert set(decoded) == {"outcome", "runs", "skipped", "notifications"}
    assert decoded["skipped"][0] == {
        "repo": "a/b", "issue": 4, "code": "approval-stale", "detail": "edited",
    }  # fmt: skip
    run = msgspec.json.decode(msgspec.json.encode(RunReport(outcome="staged", repo="a/b", issue=1)))
    assert set(run) == {
        "outcome", "repo", "issue", "run_id", "branch", "pr_url", "pr", "reasons", "rounds",
        "cost_usd", "wall_clock_s", "record",
    }  # fmt: skip

"""Pi prices a model it has no price table for at $0: tokens at zero cost are an unknown cost."""

from __future__ import annotations

from domain.harness.normalise import new_normaliser, normalise_text
from tests import pi_events as pi


def test_tokens_at_zero_cost_are_an_unknown_cost_not_a_free_run() -> None:
    stream = pi.jsonl([pi.header(), *pi.attempt(pi.assistant(cost=0.0, input_tokens=900))])
    report = normalise_text("pi", stream, 0)
    assert not report.is_error
    assert (report.total_cost_usd, report.cost_reported) == (None, False)


def test_the_running_cost_is_unknown_once_a_message_was_unpriced() -> None:
    normaliser = new_normaliser("pi")
    events = [pi.header(), *pi.attempt(pi.assistant(cost=0.002), pi.assistant(cost=0.0))]
    for line in pi.lines(events):
        normaliser.feed(line)
    assert normaliser.running_cost_usd is None


def test_a_failed_attempt_without_tokens_keeps_the_cost_known() -> None:
    stream = pi.jsonl(
        [pi.header(), *pi.attempt(pi.failed()), pi.retry_start(1), *pi.attempt(pi.assistant())]
    )
    report = normalise_text("pi", stream, 0)
    assert report.cost_reported
    assert report.total_cost_usd == 0.001


def test_tokens_without_a_cost_object_make_the_cost_unknown_not_smaller() -> None:
    unpriced = pi.assistant(input_tokens=900)
    unpriced["usage"].pop("cost")
    stream = pi.jsonl([pi.header(), *pi.attempt(pi.assistant(cost=0.002), unpriced)])
    report = normalise_text("pi", stream, 0)
    assert (report.total_cost_usd, report.cost_reported) == (None, False)

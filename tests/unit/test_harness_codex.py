"""Codex's rules (issue 3, section 1), one behaviour per test."""

from __future__ import annotations

import json
from typing import Any

from domain.harness.normalise import new_normaliser, normalise_lines
from domain.harness.report import HarnessReport

Event = dict[str, Any]
STARTED: list[Event] = [{"type": "thread.started", "thread_id": "t1"}, {"type": "turn.started"}]


def run(events: list[Event], exit_code: int | None = 0) -> HarnessReport:
    return normalise_lines("codex", [json.dumps(e).encode() for e in events], exit_code)


def completed(input_tokens: int = 100, cached: int = 60, output: int = 7) -> Event:
    usage = {"input_tokens": input_tokens, "cached_input_tokens": cached, "output_tokens": output}
    return {"type": "turn.completed", "usage": usage}


def message(text: str) -> Event:
    return {"type": "item.completed", "item": {"id": "i", "type": "agent_message", "text": text}}


def test_turn_completed_is_a_complete_success() -> None:
    report = run([*STARTED, message("Done."), completed()])
    assert (report.complete, report.is_error, report.result_text) == (True, False, "Done.")


def test_usage_is_the_last_turn_completed_never_a_sum() -> None:
    events = [*STARTED, completed(100, 60, 7), {"type": "turn.started"}, completed(250, 200, 9)]
    report = run(events)
    assert report.usage.output_tokens == 9
    assert report.usage.cache_read_tokens == 200
    assert report.num_turns == 2


def test_input_tokens_include_cached_ones_so_they_are_separated() -> None:
    report = run([*STARTED, completed(input_tokens=100, cached=60)])
    assert (report.usage.input_tokens, report.usage.cache_read_tokens) == (40, 60)


def test_error_line_is_not_final() -> None:
    events = [*STARTED, {"type": "error", "message": "Reconnecting... 1/5"}, completed()]
    report = run(events)
    assert (report.complete, report.is_error, report.retries) == (True, False, 1)


def test_error_line_that_is_not_a_reconnect_is_not_a_retry() -> None:
    events = [*STARTED, {"type": "error", "message": "model overloaded"}, completed()]
    assert run(events).retries == 0


def test_turn_failed_is_final_and_an_error() -> None:
    events = [*STARTED, {"type": "turn.failed", "error": {"message": "401 Unauthorized"}}]
    report = run(events)
    assert (report.complete, report.is_error, report.error_message) == (
        True,
        True,
        "401 Unauthorized",
    )


def test_stream_without_a_final_event_is_incomplete_and_names_the_last_error() -> None:
    report = run([*STARTED, {"type": "error", "message": "stream disconnected"}])
    assert not report.complete
    assert report.error_message == (
        "the stream ended without turn.completed or turn.failed (last error: stream disconnected)"
    )


def test_a_turn_started_after_the_last_final_event_is_incomplete() -> None:
    assert not run([*STARTED, completed(), {"type": "turn.started"}]).complete


def test_cost_is_unknown() -> None:
    normaliser = new_normaliser("codex")
    normaliser.feed(json.dumps(completed()).encode())
    report = normaliser.finish(0)
    assert (report.total_cost_usd, report.cost_reported) == (None, False)
    assert normaliser.running_cost_usd is None


def test_nonzero_exit_code_is_an_error_whatever_the_stream_says() -> None:
    report = run([*STARTED, completed()], exit_code=2)
    assert report.error_message == "codex exited with code 2"


def test_unknown_types_are_counted_and_non_json_lines_are_malformed() -> None:
    lines = [b"{oops", json.dumps({"type": "thread.archived"}).encode()]
    report = normalise_lines("codex", [*lines, json.dumps(completed()).encode()], 0)
    assert (report.unknown_events, report.malformed_lines) == (1, 1)


def test_cache_write_input_tokens_are_reported_as_cache_writes() -> None:
    usage = {"input_tokens": 10, "cached_input_tokens": 4, "cache_write_input_tokens": 3}
    report = run([*STARTED, {"type": "turn.completed", "usage": usage}])
    assert (report.usage.cache_write_tokens, report.usage.input_tokens) == (3, 6)


def test_a_turn_completed_the_decoder_rejects_is_a_failed_turn() -> None:
    # Its usage (the running total) is unknown: the run must not read as a clean success.
    odd = {"type": "turn.completed", "usage": {"input_tokens": None, "output_tokens": 3}}
    report = run([*STARTED, message("Done."), odd])
    assert (report.complete, report.is_error, report.malformed_lines) == (True, True, 1)
    assert "turn.completed" in (report.error_message or "")
    assert "could not be read" in (report.error_message or "")


def test_a_turn_failed_the_decoder_rejects_is_still_a_failure() -> None:
    report = run(
        [*STARTED, completed(), {"type": "turn.started"}, {"type": "turn.failed", "error": 5}]
    )
    assert (report.complete, report.is_error) == (True, True)


def test_an_unreadable_item_leaves_no_older_answer_as_the_result_text() -> None:
    odd = {"type": "item.completed", "item": {"type": "agent_message", "text": ["not", "text"]}}
    report = run([*STARTED, message("Looking."), odd, completed()])
    assert (report.is_error, report.result_text, report.malformed_lines) == (False, None, 1)

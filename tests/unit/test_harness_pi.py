"""Pi's rules (issue 3, section 1), one behaviour per test, over events built as Pi prints them."""

from __future__ import annotations

import json

import pytest

from domain.harness.normalise import new_normaliser, normalise_lines, normalise_text
from domain.harness.report import HarnessReport
from tests import pi_events as pi


def run(events: list[pi.Event], exit_code: int | None = 0) -> HarnessReport:
    return normalise_lines("pi", pi.lines(events), exit_code)


def ok_run(*replies: pi.Event) -> list[pi.Event]:
    return [pi.header(), *pi.attempt(*replies)]


# -- a single JSON object and a JSON-lines stream are both accepted


def test_json_lines_stream_of_a_successful_run_is_a_success() -> None:
    report = normalise_text("pi", pi.jsonl(ok_run(pi.assistant("Hi."))), 0)
    assert (report.complete, report.is_error, report.error_message) == (True, False, None)
    assert report.result_text == "Hi."
    assert report.malformed_lines == 0


def test_single_pretty_printed_json_object_is_read_as_one_event() -> None:
    data = json.dumps(pi.header(), indent=2).encode()
    report = normalise_text("pi", data, None)
    assert report.malformed_lines == 0
    assert report.error_message is not None
    assert "only its session header" in report.error_message


def test_json_array_of_events_is_read_event_by_event() -> None:
    data = json.dumps(ok_run(pi.assistant("Hi."))).encode()
    report = normalise_text("pi", data, 0)
    assert (report.complete, report.is_error, report.result_text) == (True, False, "Hi.")


# -- usage and cost summed over every assistant message_end, each message once


def test_multi_turn_cost_is_the_sum_of_the_messages_not_the_last() -> None:
    report = run(
        ok_run(
            pi.assistant("a", stop="toolUse", tool_call=True, cost=0.25),
            pi.assistant("b", stop="toolUse", tool_call=True, cost=0.5),
            pi.assistant("c", cost=0.125),
        )
    )
    assert report.total_cost_usd == 0.875
    assert report.cost_reported
    assert report.num_turns == 3


def test_usage_tokens_are_summed_per_kind_over_assistant_messages() -> None:
    report = run(
        ok_run(
            pi.assistant(
                "a",
                stop="toolUse",
                tool_call=True,
                input_tokens=10,
                output_tokens=1,
                cache_read=100,
                cache_write=1000,
            ),
            pi.assistant("b", input_tokens=20, output_tokens=2, cache_read=200, cache_write=2000),
        )
    )
    assert report.usage.input_tokens == 30
    assert report.usage.output_tokens == 3
    assert report.usage.cache_read_tokens == 300
    assert report.usage.cache_write_tokens == 3000


def test_turn_end_and_agent_end_repeating_messages_do_not_add_again() -> None:
    reply = pi.assistant("a", cost=0.5, input_tokens=7)
    events = ok_run(reply)
    # Repeat the turn_end and agent_end that carry the message several more times.
    repeats = [e for e in events if e["type"] in ("turn_end", "agent_end")] * 3
    report = run(events[:-1] + repeats + events[-1:])
    assert report.total_cost_usd == 0.5
    assert report.usage.input_tokens == 7


def test_message_start_and_updates_of_a_message_do_not_count() -> None:
    reply = pi.assistant("a", cost=0.5)
    events = [pi.header(), pi.agent_start(), *pi.message(reply, updates=5), pi.agent_end([reply])]
    assert run(events).total_cost_usd == 0.5


def test_user_and_tool_result_messages_never_count_usage() -> None:
    tool_result = pi.tool_result() | {"usage": pi.assistant(cost=9.0)["usage"]}
    reply = pi.assistant("a", cost=0.5)
    events = [
        pi.header(),
        pi.agent_start(),
        *pi.message(pi.user()),
        *pi.message(tool_result),
        *pi.message(reply),
        pi.agent_end([reply]),
    ]
    assert run(events).total_cost_usd == 0.5


def test_running_cost_is_known_after_each_assistant_message() -> None:
    normaliser = new_normaliser("pi")
    seen: list[float | None] = []
    for raw in pi.lines(
        ok_run(pi.assistant("a", stop="toolUse", tool_call=True, cost=0.5), pi.assistant("b"))
    ):
        normaliser.feed(raw)
        seen.append(normaliser.running_cost_usd)
    assert seen[0] is None  # the header: no cost reported yet
    assert 0.5 in seen
    assert seen[-1] == pytest.approx(0.501)


# -- an error or aborted stopReason (or an errorMessage) is an error; its usage still counts


def test_stop_reason_error_is_an_error_carrying_its_message() -> None:
    report = run(ok_run(pi.failed("401 invalid api key")))
    assert report.complete
    assert report.is_error
    assert report.error_message == "401 invalid api key"
    assert report.stop_reason == "error"


def test_stop_reason_aborted_without_message_is_an_error() -> None:
    report = run(ok_run(pi.assistant("partial", stop="aborted")))
    assert report.is_error
    assert report.error_message == "the model call ended with stopReason aborted"


def test_error_message_alone_is_an_error() -> None:
    report = run(ok_run(pi.assistant("x", stop="stop", error="stream ended unexpectedly")))
    assert report.is_error
    assert report.error_message == "stream ended unexpectedly"


def test_failed_message_usage_and_cost_still_count() -> None:
    report = run(ok_run(pi.assistant(None, stop="error", error="boom", input_tokens=50, cost=0.2)))
    assert report.is_error
    assert report.total_cost_usd == 0.2
    assert report.usage.input_tokens == 50


def test_length_stop_reason_is_not_an_error() -> None:
    report = run(ok_run(pi.assistant("truncated", stop="length")))
    assert not report.is_error
    assert report.stop_reason == "length"


# -- retry bookkeeping is transient


def test_error_then_auto_retry_then_success_is_a_success_counting_retries() -> None:
    events = [
        pi.header(),
        *pi.attempt(pi.failed(cost=0.01)),
        pi.retry_start(1),
        *pi.attempt(pi.assistant("ok", cost=0.1), prompt=False),
        pi.retry_end(success=True, attempt_number=1),
    ]
    report = run(events)
    assert (report.complete, report.is_error, report.error_message) == (True, False, None)
    assert report.retries == 1
    assert report.total_cost_usd == pytest.approx(0.11)


def test_auto_retry_end_failure_is_a_failure_carrying_final_error() -> None:
    events = [pi.header(), *pi.attempt(pi.failed("503"))]
    for attempt in (1, 2):
        events += [pi.retry_start(attempt, "503"), *pi.attempt(pi.failed("503"), prompt=False)]
    events.append(pi.retry_end(success=False, attempt_number=2, final_error="503 gave up"))
    report = run(events)
    assert report.complete
    assert report.is_error
    assert report.error_message == "503 gave up"
    assert report.retries == 2


def test_auto_retry_end_failure_without_final_error_still_fails() -> None:
    events = [pi.header(), *pi.attempt(pi.failed()), pi.retry_end(success=False, attempt_number=3)]
    report = run(events)
    assert report.is_error
    assert report.error_message == "500 Internal Server Error"


def test_agent_end_with_will_retry_is_a_pending_retry_not_a_failure() -> None:
    events = [
        pi.header(),
        *pi.attempt(pi.failed(), will_retry=True),
        pi.retry_start(1),
        *pi.attempt(pi.assistant("ok"), prompt=False, will_retry=False),
    ]
    report = run(events)
    assert (report.complete, report.is_error) == (True, False)


def test_stream_ending_on_a_pending_retry_is_incomplete() -> None:
    report = run([pi.header(), *pi.attempt(pi.failed(), will_retry=True)])
    assert not report.complete
    assert report.is_error
    assert report.error_message is not None
    assert "while a retry was pending" in report.error_message


def test_compaction_with_will_retry_is_a_pending_retry_not_a_failure() -> None:
    events = [
        pi.header(),
        *pi.attempt(pi.failed("prompt is too long")),
        *pi.compaction(will_retry=True),
        *pi.attempt(pi.assistant("ok"), prompt=False),
    ]
    report = run(events)
    assert (report.complete, report.is_error, report.compactions) == (True, False, 1)


def test_stream_ending_after_compaction_with_will_retry_is_incomplete() -> None:
    events = [pi.header(), *pi.attempt(pi.failed()), *pi.compaction(will_retry=True)]
    assert not run(events).complete


def test_aborted_compaction_is_not_counted() -> None:
    events = [pi.header(), *pi.attempt(pi.assistant("ok")), *pi.compaction(aborted=True)]
    report = run(events)
    assert report.compactions == 0
    assert not report.is_error


# -- the last attempt decides


def test_last_attempt_success_wins_over_earlier_errors() -> None:
    events = [pi.header(), *pi.attempt(pi.failed("a"))]
    events += [pi.retry_start(1), *pi.attempt(pi.failed("b"), prompt=False)]
    events += [pi.retry_start(2), *pi.attempt(pi.assistant("fine"), prompt=False)]
    report = run(events)
    assert not report.is_error
    assert report.result_text == "fine"


def test_last_attempt_error_wins_over_earlier_success() -> None:
    events = [
        pi.header(),
        *pi.attempt(pi.assistant("fine", stop="toolUse", tool_call=True), pi.failed("late")),
    ]
    report = run(events)
    assert report.is_error
    assert report.error_message == "late"


# -- completeness and exit codes


def test_stream_without_agent_end_is_incomplete_even_with_exit_zero() -> None:
    events = ok_run(pi.assistant("ok"))[:-1]
    report = run(events, exit_code=0)
    assert not report.complete
    assert report.is_error
    assert report.error_message == ("the stream ended without a final agent_end: it was cut off")


def test_agent_settled_also_ends_the_stream() -> None:
    events = [*ok_run(pi.assistant("ok")), {"type": "agent_settled"}]
    assert run(events).complete


def test_agent_settled_alone_ends_a_stream_whose_agent_end_announced_a_retry() -> None:
    # The announced retry never came (Pi settled instead): agent_settled is the only final
    # event, so without it the stream would read as cut off while a retry was pending.
    events = [pi.header(), *pi.attempt(pi.failed(), will_retry=True), {"type": "agent_settled"}]
    report = run(events)
    assert (report.complete, report.is_error) == (True, True)
    assert report.error_message == "500 Internal Server Error"


def test_nonzero_exit_code_is_an_error_whatever_the_stream_says() -> None:
    report = run(ok_run(pi.assistant("ok")), exit_code=137)
    assert report.complete
    assert report.is_error
    assert report.error_message == "pi exited with code 137"


def test_unknown_exit_code_leaves_the_verdict_to_the_stream() -> None:
    assert not run(ok_run(pi.assistant("ok")), exit_code=None).is_error


def test_only_a_session_header_is_a_startup_failure() -> None:
    report = run([pi.header()], exit_code=1)
    assert not report.complete
    assert report.is_error
    assert report.error_message is not None
    assert report.error_message.startswith("pi exited with code 1; pi printed only its session")
    assert (report.total_cost_usd, report.cost_reported) == (None, False)


def test_empty_output_is_an_error() -> None:
    report = normalise_text("pi", b"", 0)
    assert report.is_error
    assert report.error_message == "pi printed no events"


def test_agent_end_without_any_assistant_message_is_an_error() -> None:
    report = run([pi.header(), pi.agent_start(), pi.agent_end([])])
    assert report.complete
    assert report.error_message == "pi finished without any assistant message"


# -- unknown events and non-JSON lines are counted, not fatal


def test_unknown_event_types_are_counted_and_ignored() -> None:
    events = ok_run(pi.assistant("ok"))
    events.insert(2, {"type": "session_info_changed", "name": "x"})
    events.insert(5, {"type": "thinking_level_changed"})
    report = run(events)
    assert report.unknown_events == 2
    assert not report.is_error


def test_non_json_lines_are_counted_not_fatal() -> None:
    raw = pi.lines(ok_run(pi.assistant("ok")))
    raw[1:1] = [b"Warning: something on stdout", b"\xff\xfe not utf-8", b"42", b'"a string"']
    report = normalise_lines("pi", raw, 0)
    assert report.malformed_lines == 4
    assert not report.is_error


def test_known_event_with_an_unreadable_shape_is_malformed() -> None:
    raw = pi.lines(ok_run(pi.assistant("ok")))
    raw.insert(1, b'{"type":"message_end","message":{"role":"assistant","usage":{"input":"x"}}}')
    raw.insert(1, b'{"no_type":true}')
    report = normalise_lines("pi", raw, 0)
    assert report.malformed_lines == 2
    assert report.unknown_events == 0
    # The later attempt succeeded, but what the unreadable message cost is unknown.
    assert (report.is_error, report.total_cost_usd, report.cost_reported) == (False, None, False)


def _unreadable_failure() -> pi.Event:
    """A failed call as Pi prints it when its price came out NaN: `JSON.stringify` says null."""
    failed = pi.assistant(None, stop="error", error="HTTP 500", cost=0.02)
    failed["usage"]["cost"]["total"] = None
    return {"type": "message_end", "message": failed}


def test_an_assistant_message_end_the_decoder_rejects_makes_the_cost_and_outcome_unknown() -> None:
    # It used to count as malformed only: the earlier message's success and cost decided.
    events = [
        pi.header(),
        pi.agent_start(),
        *pi.message(pi.assistant("Done.", cost=0.01)),
        _unreadable_failure(),
        pi.agent_end([]),
    ]
    report = run(events)
    assert (report.complete, report.is_error) == (True, True)
    assert (report.total_cost_usd, report.cost_reported, report.malformed_lines) == (None, False, 1)
    assert "an assistant message_end of" in (report.error_message or "")
    assert "could not be read" in (report.error_message or "")
    assert report.result_text is None  # the earlier message's text is not this attempt's


def test_an_unreadable_message_end_of_a_user_or_tool_result_costs_nothing() -> None:
    events = ok_run(pi.assistant("ok", cost=0.5))
    odd_result = {**pi.tool_result(), "usage": "n/a", "model": 5}
    events.insert(3, {"type": "message_end", "message": odd_result})
    report = run(events)
    assert (report.is_error, report.total_cost_usd, report.malformed_lines) == (False, 0.5, 1)


def test_an_agent_end_the_decoder_rejects_does_not_end_the_run() -> None:
    events = [*ok_run(pi.assistant("ok"))[:-1], {"type": "agent_end", "willRetry": None}]
    report = run(events)
    assert (report.complete, report.is_error) == (False, True)
    assert "whether Pi would retry" in (report.error_message or "")


def test_an_unreadable_auto_retry_end_is_an_error_unless_a_later_attempt_succeeds() -> None:
    failed = [pi.header(), *pi.attempt(pi.failed(), will_retry=True)]
    unreadable_end = {"type": "auto_retry_end", "success": "maybe", "attempt": 1}
    report = run([*failed, pi.retry_start(1), *pi.attempt(pi.failed()), unreadable_end])
    assert (report.is_error, report.retries) == (True, 1)
    assert "whether Pi's retries succeeded is unknown" in (report.error_message or "")
    later = run([*failed, unreadable_end, *pi.attempt(pi.assistant("ok"))])
    assert (later.complete, later.is_error) == (True, False)


def test_a_run_cut_off_while_printing_an_assistant_message_end_has_an_unknown_cost() -> None:
    # A killed Pi leaves half a line: a known event we cannot read, not just a malformed line.
    printed = pi.lines([pi.header(), pi.agent_start(), *pi.message(pi.assistant("a", cost=0.25))])
    last = pi.line({"type": "message_end", "message": pi.assistant("b", cost=0.5)})
    report = normalise_lines("pi", [*printed, last[: len(last) // 2]], None)
    assert (report.total_cost_usd, report.malformed_lines, report.is_error) == (None, 1, True)


def test_a_line_cut_off_in_a_tool_result_message_costs_nothing() -> None:
    printed = pi.lines(ok_run(pi.assistant("a", cost=0.25)))
    last = pi.line({"type": "message_end", "message": pi.tool_result()})
    report = normalise_lines("pi", [*printed, last[: len(last) // 2]], 0)
    assert (report.total_cost_usd, report.malformed_lines, report.is_error) == (0.25, 1, False)


def test_invalid_utf8_inside_a_kept_string_is_repaired_and_the_event_read() -> None:
    bad = b'{"type":"message_end","message":{"role":"assistant","model":"\xff"}}'
    report = normalise_lines("pi", [bad], 0)
    assert (report.malformed_lines, report.models) == (0, ("\ufffd",))


def test_a_lone_surrogate_escape_in_a_text_still_counts_the_message() -> None:
    # JSON.stringify prints half an emoji as a lone escape; msgspec refuses it even in a value it
    # skips, so the whole message_end, cost included, used to be lost as malformed.
    event = {"type": "message_end", "message": pi.assistant("cut \ud83d", cost=0.5)}
    reply = json.dumps(event, separators=(",", ":")).encode()
    assert b'"cut \\ud83d"' in reply
    raw = pi.lines(ok_run(pi.assistant("ok", cost=0.25)))
    raw.insert(-1, reply)
    report = normalise_lines("pi", raw, 0)
    assert (report.malformed_lines, report.total_cost_usd) == (0, 0.75)
    assert report.result_text == "cut \ufffd"


def test_crlf_line_endings_are_tolerated() -> None:
    data = pi.jsonl(ok_run(pi.assistant("ok"))).replace(b"\n", b"\r\n")
    report = normalise_text("pi", data, 0)
    assert (report.malformed_lines, report.is_error) == (0, False)


def test_blank_lines_are_neither_events_nor_malformed() -> None:
    raw = pi.lines(ok_run(pi.assistant("ok")))
    raw[1:1] = [b"", b"   ", b"\r"]
    report = normalise_lines("pi", raw, 0)
    assert (report.malformed_lines, report.unknown_events) == (0, 0)


def test_u2028_inside_a_text_does_not_split_the_line() -> None:
    data = pi.jsonl(ok_run(pi.assistant("one\u2028two")))
    assert "\u2028".encode() in data  # raw, as JSON.stringify prints it, not escaped
    report = normalise_text("pi", data, 0)
    assert report.result_text == "one\u2028two"
    assert report.malformed_lines == 0


# -- what else the report says


def test_models_are_the_distinct_models_of_assistant_messages() -> None:
    report = run(
        ok_run(
            pi.assistant("a", stop="toolUse", tool_call=True, model="m-2"),
            pi.assistant("b", model="m-1"),
        )
    )
    assert report.models == ("m-1", "m-2")


def test_result_text_is_the_text_of_the_last_assistant_message() -> None:
    report = run(ok_run(pi.assistant("first", stop="toolUse", tool_call=True), pi.assistant("end")))
    assert report.result_text == "end"

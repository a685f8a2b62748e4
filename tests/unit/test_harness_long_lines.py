"""Lines too long to hold: each harness decides them from their ends, and fails closed.

Lines are cut as the line sources cut them (`LongLine`: first and last bytes, full size), with
ends of `KEEP` bytes so the cases stay small; the rules do not depend on the sizes.
"""

from __future__ import annotations

import json
from typing import Any

from domain.harness.normalise import new_normaliser
from domain.harness.report import HarnessName, HarnessReport
from domain.text.bounded_lines import LongLine, bound_line
from tests import pi_events as pi

Event = dict[str, Any]
KEEP = 400


def cut(event: object) -> LongLine:
    return cut_bytes(json.dumps(event, separators=(",", ":")).encode())


def cut_bytes(line: bytes) -> LongLine:
    assert len(line) > 2 * KEEP + 1000, "not long enough to leave a gap between the ends"
    long_line = bound_line(line, 2 * KEEP, KEEP)
    assert isinstance(long_line, LongLine)
    return long_line


def run(harness: HarnessName, items: list[Event | LongLine], exit_code: int = 0) -> HarnessReport:
    normaliser = new_normaliser(harness)
    for item in items:
        if isinstance(item, LongLine):
            normaliser.feed(item)
        else:
            normaliser.feed(json.dumps(item, separators=(",", ":")).encode())
    return normaliser.finish(exit_code)


# -- Pi: agent_end and turn_end repeat messages that never count; willRetry must be seen

REPEATED = [pi.user(), *[pi.assistant("x" * 300, stop="toolUse", tool_call=True)] * 12]


def pi_run(final: Event | LongLine, *after: Event | LongLine) -> HarnessReport:
    reply = pi.assistant("Done.", cost=0.25)
    return run("pi", [pi.header(), pi.agent_start(), *pi.message(reply), final, *after])


def pi_message_run(message_end: LongLine) -> HarnessReport:
    return run("pi", [pi.header(), pi.agent_start(), message_end, pi.agent_end([])])


def test_pi_overlong_agent_end_whose_will_retry_shows_ends_the_stream() -> None:
    report = pi_run(cut(pi.agent_end(REPEATED, will_retry=False)))
    assert (report.complete, report.is_error, report.error_message) == (True, False, None)
    assert (report.total_cost_usd, report.long_lines, report.malformed_lines) == (0.25, 1, 0)


def test_pi_0_73_overlong_agent_end_without_will_retry_ends_the_stream() -> None:
    # Pi 0.73.1 prints {"type","messages"} only: the ends show the messages array is the gap.
    report = pi_run(cut(pi.agent_end(REPEATED)))
    assert (report.complete, report.is_error) == (True, False)


def test_pi_overlong_agent_end_announcing_a_retry_leaves_it_pending() -> None:
    report = pi_run(cut(pi.agent_end(REPEATED, will_retry=True)))
    assert (report.complete, report.is_error) == (False, True)
    assert "while a retry was pending" in (report.error_message or "")


def test_pi_overlong_agent_end_that_could_hide_will_retry_is_not_a_proven_end() -> None:
    # The ends disagree on what the middle is (the messages array, then a long string): a
    # willRetry could sit between them, so the run must not read as finished.
    hiding = {**pi.agent_end(REPEATED, will_retry=True), "note": "n" * 3000}
    report = pi_run(cut(hiding))
    assert (report.complete, report.is_error) == (False, True)
    assert "too long to read whether Pi would retry" in (report.error_message or "")


def test_pi_will_retry_between_two_big_values_of_the_same_kind_is_not_taken_as_absent() -> None:
    # Both ends stop in an array, as they would inside `messages` alone: only the scan of the
    # middle shows the members that passed between them.
    hiding = {**pi.agent_end(REPEATED, will_retry=True), "extra": REPEATED}
    report = pi_run(cut(hiding))
    assert (report.complete, report.is_error) == (False, True)
    assert "too long to read whether Pi would retry" in (report.error_message or "")


def test_pi_overlong_assistant_message_whose_error_hides_between_big_values_fails_closed() -> None:
    failed = {
        **pi.assistant("x" * 3000, cost=0.5),
        "errorMessage": "HTTP 500",
        "extra": [{"k": "e" * 100}] * 30,
    }
    report = pi_message_run(cut({"type": "message_end", "message": failed}))
    assert (report.is_error, report.total_cost_usd) == (True, None)


def test_pi_agent_settled_after_an_unreadable_agent_end_ends_the_stream() -> None:
    hiding = {**pi.agent_end(REPEATED), "note": "n" * 3000}
    report = pi_run(cut(hiding), {"type": "agent_settled"})
    assert (report.complete, report.is_error) == (True, False)


def test_pi_overlong_agent_end_whose_will_retry_cannot_be_decoded_is_not_a_proven_end() -> None:
    # It used to be counted malformed only, and the agent_end before it ended the run.
    report = pi_run(
        pi.agent_end([]), pi.agent_start(), cut({**pi.agent_end(REPEATED), "willRetry": None})
    )
    assert (report.complete, report.is_error, report.malformed_lines) == (False, True, 1)
    assert "could not be read" in (report.error_message or "")


def _with_repeated_member(event: Event, name: str, first: object, last: object) -> LongLine:
    """`event` overlong with `name` printed twice: `first` in its head, `last` in its tail."""
    line = json.dumps(event, separators=(",", ":")).encode()
    head = b'{"' + name.encode() + b'":' + json.dumps(first).encode() + b","
    tail = b',"' + name.encode() + b'":' + json.dumps(last).encode() + b"}"
    return cut_bytes(head + line[1:-1] + tail)


def test_pi_overlong_agent_end_printing_will_retry_twice_takes_the_last() -> None:
    # msgspec keeps the last of a repeated key on a short line; the ends must agree with it.
    repeated = _with_repeated_member(pi.agent_end(REPEATED), "willRetry", False, True)
    report = pi_run(repeated)
    assert (report.complete, report.is_error) == (False, True)
    assert "while a retry was pending" in (report.error_message or "")


def test_pi_overlong_turn_end_counts_a_turn() -> None:
    turn_end = {"type": "turn_end", "message": REPEATED[-1], "toolResults": REPEATED}
    report = pi_run(cut(turn_end), pi.agent_end([]))
    assert (report.num_turns, report.complete, report.is_error) == (1, True, False)


def test_pi_overlong_assistant_message_counts_the_usage_its_tail_shows() -> None:
    long_reply = pi.assistant("x" * 3000, cost=0.5, input_tokens=700)
    report = pi_message_run(cut({"type": "message_end", "message": long_reply}))
    assert (report.complete, report.is_error, report.stop_reason) == (True, False, "stop")
    assert (report.total_cost_usd, report.usage.input_tokens) == (0.5, 700)
    assert report.result_text is None  # its text lay in the unkept middle


def test_pi_overlong_assistant_message_whose_usage_is_hidden_fails_closed() -> None:
    # Content opens in the head, a long string closes in the tail: usage and stopReason lie in
    # between, unseen. Neither the cost nor this attempt's success may be assumed.
    hidden = {**pi.assistant("x" * 3000, cost=0.5), "extra": "e" * 3000}
    report = pi_message_run(cut({"type": "message_end", "message": hidden}))
    assert (report.total_cost_usd, report.cost_reported) == (None, False)
    assert (report.complete, report.is_error) == (True, True)
    assert "too long to read its usage and outcome" in (report.error_message or "")


def test_pi_overlong_error_message_is_an_error_whose_cost_still_counts() -> None:
    failed = pi.assistant(None, stop="error", error="E" * 3000, input_tokens=50, cost=0.125)
    report = pi_message_run(cut({"type": "message_end", "message": failed}))
    assert (report.is_error, report.total_cost_usd) == (True, 0.125)
    assert "an error message of about" in (report.error_message or "")


def test_pi_overlong_user_or_tool_message_costs_nothing() -> None:
    prompt = {"type": "message_end", "message": pi.user("p" * 3000)}
    report = pi_run(cut(prompt), pi.agent_end([]))
    assert (report.complete, report.is_error, report.total_cost_usd) == (True, False, 0.25)


def test_pi_overlong_line_cut_off_mid_print_is_malformed_and_ends_nothing() -> None:
    whole = json.dumps(pi.agent_end(REPEATED), separators=(",", ":")).encode()
    cut_off = whole[: len(whole) // 2]
    line = LongLine(head=cut_off[:KEEP], tail=cut_off[-KEEP:], size=len(cut_off))
    report = pi_run(line)
    assert (report.complete, report.malformed_lines, report.long_lines) == (False, 1, 1)


# -- Claude Code: the result decides only on what it shows; an unseen cost is unknown, not zero


def claude_result(**fields: Any) -> Event:
    event: Event = {
        "type": "result",
        "subtype": "success",
        "is_error": False,
        "num_turns": 2,
        "result": "r" * 3000,
        "total_cost_usd": 0.5,
        "usage": {"input_tokens": 10, "output_tokens": 20},
    }
    event.update(fields)
    return event


INIT: Event = {"type": "system", "subtype": "init", "model": "claude-sonnet-4-5"}
DENIALS = [{"tool_name": "Bash", "tool_input": {"command": "x" * 100}}] * 30


def test_claude_overlong_result_is_read_from_its_ends() -> None:
    report = run("claude", [INIT, cut(claude_result())])
    assert (report.complete, report.is_error, report.total_cost_usd) == (True, False, 0.5)
    assert (report.usage.output_tokens, report.num_turns, report.result_text) == (20, 2, None)


def test_claude_overlong_result_whose_cost_is_hidden_has_an_unknown_cost_never_zero() -> None:
    # The long result text opens in the head, a long array closes in the tail: the cost between.
    hidden = claude_result(permission_denials=DENIALS)
    report = run("claude", [INIT, cut(hidden)])
    assert (report.complete, report.is_error) == (True, False)
    assert (report.total_cost_usd, report.cost_reported) == (None, False)


def test_claude_overlong_result_whose_verdict_is_hidden_fails_closed() -> None:
    hidden = {
        "type": "result",
        "result": "r" * 3000,
        "subtype": "success",
        "is_error": True,
        "permission_denials": DENIALS,
    }
    report = run("claude", [INIT, cut(hidden)])
    assert (report.complete, report.is_error) == (True, True)
    assert "too long to read whether the run succeeded" in (report.error_message or "")


def test_claude_overlong_result_that_cannot_be_decoded_is_an_error_of_unknown_cost() -> None:
    report = run(
        "claude", [INIT, claude_result(result="Done."), cut(claude_result(num_turns=None))]
    )
    assert (report.complete, report.is_error, report.malformed_lines) == (True, True, 1)
    assert (report.total_cost_usd, report.cost_reported) == (None, False)


def test_claude_overlong_result_printing_is_error_twice_takes_the_last() -> None:
    # The last is_error is true: a short line says error (msgspec keeps the last), so must this.
    result = claude_result(result="r" * 3000)
    del result["is_error"]
    report = run("claude", [INIT, _with_repeated_member(result, "is_error", False, True)])
    assert (report.complete, report.is_error) == (True, True)


def test_claude_overlong_result_whose_is_error_hides_between_two_long_strings_fails_closed() -> (
    None
):
    hiding = {
        "type": "result",
        "subtype": "success",
        "result": "r" * 3000,
        "is_error": True,
        "total_cost_usd": 0.5,
        "session_id": "s" * 2000,
    }
    report = run("claude", [INIT, cut(hiding)])
    assert (report.complete, report.is_error) == (True, True)
    assert "too long to read whether the run succeeded" in (report.error_message or "")


def test_claude_overlong_verbose_array_is_decided_by_the_result_in_its_tail() -> None:
    long_reply = {
        "type": "assistant",
        "message": {"id": "m1", "content": [{"type": "text", "text": "x" * 3000}]},
    }
    small = claude_result(result="Done.")
    report = run("claude", [cut([INIT, long_reply, small])])
    assert (report.complete, report.is_error, report.total_cost_usd) == (True, False, 0.5)
    assert report.result_text == "Done."


def test_claude_overlong_assistant_line_counts_the_usage_it_shows_in_a_cut_off_run() -> None:
    long_reply = {
        "type": "assistant",
        "message": {
            "id": "m1",
            "model": "claude-sonnet-4-5",
            "content": [{"type": "text", "text": "x" * 3000}],
            "usage": {"input_tokens": 7, "output_tokens": 3},
        },
    }
    report = run("claude", [INIT, cut(long_reply)])
    assert (report.complete, report.is_error, report.total_cost_usd) == (False, True, None)
    assert (report.usage.input_tokens, report.num_turns) == (7, 1)


# -- Codex: a long answer or command output; usage comes on its own short lines

TURN_DONE: Event = {"type": "turn.completed", "usage": {"input_tokens": 9, "output_tokens": 2}}


def codex_item(item: Event) -> Event:
    return {"type": "item.completed", "item": item}


def test_codex_overlong_answer_leaves_no_stale_result_text() -> None:
    early = codex_item({"id": "i0", "type": "agent_message", "text": "Looking."})
    long_answer = codex_item({"id": "i1", "type": "agent_message", "text": "a" * 3000})
    report = run("codex", [{"type": "turn.started"}, early, cut(long_answer), TURN_DONE])
    assert (report.complete, report.is_error, report.result_text) == (True, False, None)


def test_codex_overlong_command_output_does_not_disturb_the_run() -> None:
    output = codex_item({"id": "i1", "type": "command_execution", "aggregated_output": "o" * 3000})
    answer = codex_item({"id": "i2", "type": "agent_message", "text": "Done."})
    report = run("codex", [{"type": "turn.started"}, cut(output), answer, TURN_DONE])
    assert (report.complete, report.is_error, report.result_text) == (True, False, "Done.")
    assert (report.usage.input_tokens, report.long_lines) == (9, 1)


# -- an overlong JSON array of events: the elements in its middle were never read


def test_pi_priced_messages_in_the_middle_of_an_overlong_array_make_the_cost_unknown() -> None:
    middle = [message for _ in range(8) for message in pi.message(pi.assistant("x" * 200))]
    events = [
        pi.header(),
        pi.agent_start(),
        *middle,
        *pi.message(pi.assistant("Done.")),
        pi.agent_end([]),
    ]
    report = run("pi", [cut(events)])
    assert (report.total_cost_usd, report.cost_reported) == (None, False)
    assert (report.complete, report.is_error) == (True, True)
    assert "the events in the middle of an overlong JSON array" in (report.error_message or "")


def test_claude_array_whose_middle_was_skipped_is_decided_by_a_result_after_it() -> None:
    replies = [
        {"type": "assistant", "message": {"id": f"m{n}", "content": "x" * 200}} for n in range(10)
    ]
    report = run("claude", [cut([INIT, *replies, claude_result(result="Done.")])])
    assert (report.complete, report.is_error, report.total_cost_usd) == (True, False, 0.5)


def test_claude_array_whose_last_result_may_be_in_its_skipped_middle_fails_closed() -> None:
    replies = [
        {"type": "assistant", "message": {"id": f"m{n}", "content": "x" * 200}} for n in range(10)
    ]
    early = claude_result(result="Early.", total_cost_usd=0.125)
    later = claude_result(result="Later.", is_error=True)
    report = run("claude", [cut([INIT, early, *replies, later, *replies])])
    assert report.is_error
    assert (report.total_cost_usd, report.cost_reported) == (None, False)
    assert "the last result may have been among them" in (report.error_message or "")


def test_claude_array_whose_middle_lies_in_one_element_reads_that_element() -> None:
    report = run("claude", [cut([INIT, claude_result(result="r" * 3000)])])
    assert (report.complete, report.is_error, report.total_cost_usd) == (True, False, 0.5)
    assert report.malformed_lines == 0


def test_codex_array_whose_last_final_event_may_be_in_its_skipped_middle_fails_closed() -> None:
    items = [codex_item({"id": f"i{n}", "type": "reasoning", "text": "t" * 100}) for n in range(10)]
    failed = {"type": "turn.failed", "error": {"message": "quota"}}
    report = run("codex", [cut([{"type": "turn.started"}, TURN_DONE, *items, failed, *items])])
    assert (report.is_error, report.result_text) == (True, None)
    after = run("codex", [cut([{"type": "turn.started"}, *items, failed, *items, TURN_DONE])])
    assert (after.complete, after.is_error) == (True, False)

"""Claude Code's rules (issue 3, section 1), one behaviour per test."""

from __future__ import annotations

import json
from typing import Any

from domain.harness.normalise import new_normaliser, normalise_lines, normalise_text
from domain.harness.report import HarnessReport

Event = dict[str, Any]


def line(event: object) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()


def run(events: list[Event], exit_code: int | None = 0) -> HarnessReport:
    return normalise_lines("claude", [line(e) for e in events], exit_code)


def result(**fields: Any) -> Event:
    event: Event = {
        "type": "result",
        "subtype": "success",
        "is_error": False,
        "num_turns": 2,
        "result": "Done.",
        "total_cost_usd": 0.25,
        "usage": {
            "input_tokens": 10,
            "output_tokens": 20,
            "cache_read_input_tokens": 30,
            "cache_creation_input_tokens": 40,
        },
    }
    event.update(fields)
    return event


def assistant(message_id: str, output_tokens: int = 5, model: str = "claude-sonnet-4-5") -> Event:
    return {
        "type": "assistant",
        "message": {
            "id": message_id,
            "model": model,
            "content": [{"type": "text", "text": "x"}],
            "usage": {
                "input_tokens": 1,
                "output_tokens": output_tokens,
                "cache_read_input_tokens": 100,
                "cache_creation_input_tokens": 10,
            },
        },
    }


INIT: Event = {"type": "system", "subtype": "init", "model": "claude-sonnet-4-5"}


def test_json_result_object_is_a_complete_success() -> None:
    report = normalise_text("claude", line(result()), 0)
    assert (report.complete, report.is_error, report.result_text) == (True, False, "Done.")
    assert report.num_turns == 2
    assert report.usage.cache_write_tokens == 40


def test_verbose_json_array_form_is_read_message_by_message() -> None:
    data = line([INIT, assistant("m1"), result()])
    report = normalise_text("claude", data, 0)
    assert (report.complete, report.is_error, report.models) == (
        True,
        False,
        ("claude-sonnet-4-5",),
    )


def test_verbose_json_array_streamed_as_one_line_is_read_too() -> None:
    normaliser = new_normaliser("claude")
    normaliser.feed(json.dumps([INIT, result()]).encode())
    assert normaliser.finish(0).complete


def test_stream_json_ends_with_its_result() -> None:
    report = run([INIT, assistant("m1"), {"type": "user", "message": {}}, result()])
    assert (report.complete, report.is_error) == (True, False)


def test_is_error_true_with_success_subtype_is_an_api_error() -> None:
    report = run([INIT, result(is_error=True, result="API Error: 500 Internal server error")])
    assert report.is_error
    assert report.error_message == "API Error: 500 Internal server error"


def test_error_subtype_is_an_error_even_when_is_error_is_false() -> None:
    report = run([INIT, result(subtype="error_max_turns", is_error=False, result=None)])
    assert report.is_error
    assert report.error_message == "claude stopped with error_max_turns"


def test_error_subtype_errors_are_in_the_message() -> None:
    report = run([result(subtype="error_during_execution", is_error=True, errors=["tool crashed"])])
    assert report.error_message == "claude stopped with error_during_execution: tool crashed"


def test_total_cost_is_cumulative_so_the_last_result_wins() -> None:
    report = run([result(total_cost_usd=0.1), result(total_cost_usd=0.3)])
    assert report.total_cost_usd == 0.3
    assert report.cost_reported


def test_usage_comes_from_the_final_result_not_the_assistant_lines() -> None:
    report = run([assistant("m1", output_tokens=999), result()])
    assert report.usage.output_tokens == 20


def test_running_cost_is_unknown_until_the_result() -> None:
    normaliser = new_normaliser("claude")
    normaliser.feed(line(assistant("m1")))
    assert normaliser.running_cost_usd is None
    normaliser.feed(line(result(total_cost_usd=0.7)))
    assert normaliser.running_cost_usd == 0.7


def test_no_result_line_means_the_run_was_cut_off() -> None:
    report = run([INIT, assistant("m1")], exit_code=0)
    assert not report.complete
    assert report.is_error
    assert report.error_message == "the stream ended without a result: claude was cut off"
    assert (report.total_cost_usd, report.cost_reported) == (None, False)


def test_partial_usage_counts_each_message_id_once() -> None:
    # stream-json prints one line per content block, each repeating its message's usage.
    report = run([assistant("m1", 5), assistant("m1", 7), assistant("m2", 3), assistant("m2", 3)])
    assert report.usage.output_tokens == 7 + 3
    assert report.usage.input_tokens == 2
    assert report.usage.cache_read_tokens == 200
    assert report.num_turns == 2


def test_partial_usage_dedupe_is_exact_over_thousands_of_messages() -> None:
    events = [assistant(f"m{i}", 1) for i in range(3000) for _ in range(2)]
    assert run(events).usage.output_tokens == 3000


def test_nonzero_exit_code_is_an_error_whatever_the_result_says() -> None:
    report = run([result()], exit_code=1)
    assert report.is_error
    assert report.error_message == "claude exited with code 1"


def test_api_retries_and_compactions_are_counted() -> None:
    retry = {"type": "system", "subtype": "api_retry", "attempt": 1, "error_status": 529}
    compact = {"type": "system", "subtype": "compact_boundary", "compact_metadata": {}}
    report = run([INIT, retry, retry, compact, result()])
    assert (report.retries, report.compactions) == (2, 1)


def test_models_come_from_init_messages_and_model_usage_but_not_synthetic() -> None:
    usage = {"claude-haiku-4-5": {"costUSD": 0.01}}
    report = run([INIT, assistant("m1", model="<synthetic>"), result(modelUsage=usage)])
    assert report.models == ("claude-haiku-4-5", "claude-sonnet-4-5")


def test_unknown_types_are_counted_and_non_json_lines_are_malformed() -> None:
    lines = [b"not json", line({"type": "rate_limit_event"}), line(result())]
    report = normalise_lines("claude", lines, 0)
    assert (report.unknown_events, report.malformed_lines, report.is_error) == (1, 1, False)


def test_null_errors_and_null_usage_counts_are_read_as_none_and_zero() -> None:
    usage = {"input_tokens": 5, "output_tokens": 2, "cache_read_input_tokens": None}
    report = run([result(errors=None, usage=usage)])
    assert (report.complete, report.is_error, report.malformed_lines) == (True, False, 0)
    assert (report.usage.input_tokens, report.usage.cache_read_tokens) == (5, 0)


def test_result_with_type_as_its_last_key_is_still_the_result() -> None:
    # Claude Code 2.1 prints the result's keys in no fixed order; `type` is often far inside.
    event = result()
    reordered = {key: event[key] for key in sorted(event, key=lambda key: key == "type")}
    assert next(reversed(reordered)) == "type"
    assert run([reordered]).complete


def test_array_elements_that_are_not_events_are_each_malformed() -> None:
    report = normalise_lines("claude", [b'[{"type":"result","subtype":"success"},[1],"x",7]'], 0)
    assert (report.complete, report.malformed_lines) == (True, 3)


def test_a_result_the_decoder_rejects_is_an_error_of_unknown_cost_not_the_earlier_result() -> None:
    # A later result whose cost is not a number: the earlier, cheaper success must not decide.
    later = result(total_cost_usd="0.75", is_error=True, result="API Error: 500")
    report = run([INIT, result(), assistant("m2"), later])
    assert (report.complete, report.is_error, report.malformed_lines) == (True, True, 1)
    assert (report.total_cost_usd, report.cost_reported) == (None, False)
    assert "the result line of" in (report.error_message or "")
    assert "could not be read" in (report.error_message or "")


def test_a_later_readable_result_decides_after_an_unreadable_one() -> None:
    report = run([INIT, result(num_turns="two"), result(total_cost_usd=0.5)])
    assert (report.is_error, report.total_cost_usd, report.malformed_lines) == (False, 0.5, 1)


def test_an_assistant_line_the_decoder_rejects_still_counts_as_a_message() -> None:
    odd = assistant("m2")
    odd["message"]["usage"] = "unknown"
    report = run([INIT, assistant("m1"), odd])
    assert (report.complete, report.is_error, report.num_turns, report.malformed_lines) == (
        False,
        True,
        2,
        1,
    )

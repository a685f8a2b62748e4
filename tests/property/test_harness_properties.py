"""Invariants of the harness normalisers, over generated streams."""

from __future__ import annotations

import json
import math
from pathlib import Path

import msgspec
from hypothesis import example, given
from hypothesis import strategies as st

from domain.harness.normalise import new_normaliser, normalise_lines, normalise_text, split_lines
from domain.harness.report import HARNESS_NAMES, HarnessName
from tests import pi_events as pi

harnesses = st.sampled_from(HARNESS_NAMES)
# A message that used tokens is priced above zero: Pi reports $0 only for unpriced models, which
# the normaliser reads as an unknown cost (tests/unit/test_harness_pi_unpriced.py).
costs = st.integers(min_value=1, max_value=5_000_000).map(lambda micro: micro / 1_000_000)


@given(st.lists(st.tuples(costs, st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=12))
def test_pi_cost_is_the_sum_of_message_end_costs_whatever_repeats_are_interleaved(
    plan: list[tuple[float, int, int]],
) -> None:
    events: list[pi.Event] = [pi.header(), pi.agent_start()]
    replies: list[pi.Event] = []
    for cost, turn_ends, agent_ends in plan:
        reply = pi.assistant("x", cost=cost, input_tokens=3)
        replies.append(reply)
        events += pi.message(reply, updates=1)
        events += [{"type": "turn_end", "message": reply, "toolResults": []}] * turn_ends
        events += [pi.agent_end(replies)] * agent_ends
    events.append(pi.agent_end(replies))
    report = normalise_lines("pi", pi.lines(events), 0)
    assert report.total_cost_usd is not None
    assert math.isclose(report.total_cost_usd, math.fsum(c for c, _, _ in plan), abs_tol=1e-9)
    assert report.usage.input_tokens == 3 * len(plan)


_PI_LINES = [
    *pi.lines([pi.header(), pi.agent_start(), pi.agent_end([], will_retry=True)]),
    *pi.lines([pi.agent_end([]), {"type": "agent_settled"}, pi.retry_start(1)]),
    *pi.lines([pi.retry_end(success=False, attempt_number=2, final_error="gave up")]),
    *pi.lines([pi.retry_end(success=True, attempt_number=1), *pi.compaction(will_retry=True)]),
    *pi.lines(pi.message(pi.assistant("ok", cost=0.5))),
    *pi.lines(pi.message(pi.failed("boom", cost=0.25))),
    *pi.lines([{"type": "turn_end", "message": {}}, {"type": "brand_new_event"}]),
    b"",
    b"not json at all",
    b"\xff\xfe\x00",
    b'{"type":"message_end","message":{"role":"assistant","usage":{"input":"x"}}}',
]


@given(
    st.lists(st.sampled_from(_PI_LINES), max_size=40),
    st.sampled_from([b"\n", b"\r\n"]),
    st.one_of(st.none(), st.integers(-15, 255)),
)
def test_pi_feeding_line_by_line_equals_normalise_text_on_the_joined_bytes(
    lines: list[bytes], newline: bytes, exit_code: int | None
) -> None:
    normaliser = new_normaliser("pi")
    for line in lines:
        normaliser.feed(line + newline.rstrip(b"\n"))
    data = b"".join(line + newline for line in lines)
    assert normaliser.finish(exit_code) == normalise_text("pi", data, exit_code)


_FIXTURES = Path(__file__).parent.parent / "fixtures" / "harness"
_JUNK = [b"", b"not json", b"\xff\xfe", b"[1, 2]", b'{"type": 7}']
_FIXTURE_LINES: dict[HarnessName, list[bytes]] = {
    name: sorted(
        {
            line
            for path in _FIXTURES.glob(f"{name}/*.json*")
            if not path.name.endswith(".expected.json")
            for line in path.read_bytes().split(b"\n")
        }
        | set(_JUNK)
    )
    for name in ("claude", "codex")
}


@given(st.sampled_from(["claude", "codex"]), st.data(), st.one_of(st.none(), st.integers(-9, 9)))
def test_claude_and_codex_streaming_equals_normalise_text_on_the_joined_bytes(
    harness: HarnessName, data: st.DataObject, exit_code: int | None
) -> None:
    lines = data.draw(st.lists(st.sampled_from(_FIXTURE_LINES[harness]), max_size=30))
    normaliser = new_normaliser(harness)
    for line in lines:
        normaliser.feed(line)
    joined = b"".join(line + b"\n" for line in lines)
    assert normaliser.finish(exit_code) == normalise_text(harness, joined, exit_code)


@given(harnesses, st.lists(st.binary(max_size=80), max_size=20), st.none() | st.integers())
@example("pi", [b'{"type":"message_end","message":{"role":"assistant","model":"\xff"}}'], 0)
@example("claude", [b'[{"type":"result"},[1],"x"]'], 0)
@example(
    "codex", [b'{"type":"item.completed","item":{"type":"agent_message","text":"\\ud800"}}'], 0
)
def test_arbitrary_byte_lines_never_raise_and_the_report_encodes(
    harness: HarnessName, lines: list[bytes], exit_code: int | None
) -> None:
    normaliser = new_normaliser(harness)
    for line in lines:
        normaliser.feed(line)
        _ = normaliser.running_cost_usd
    report = normaliser.finish(exit_code)
    assert msgspec.json.decode(msgspec.json.encode(report)) is not None
    assert report.unknown_events + report.malformed_lines <= len(lines) * 80


@given(
    harnesses,
    st.lists(
        st.dictionaries(
            st.sampled_from(["type", "message", "item", "usage", "result", "subtype", "error"]),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                lambda inner: (
                    st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3)
                ),
                max_leaves=6,
            ),
        ),
        max_size=10,
    ),
)
def test_arbitrary_json_objects_never_raise_and_the_report_encodes(
    harness: HarnessName, events: list[dict[str, object]]
) -> None:
    report = normalise_lines(harness, [json.dumps(e).encode() for e in events], None)
    assert msgspec.json.decode(msgspec.json.encode(report)) is not None


@given(harnesses, st.integers().filter(lambda code: code != 0))
def test_any_nonzero_exit_code_is_an_error_whatever_the_stream(
    harness: HarnessName, exit_code: int
) -> None:
    streams = {
        "pi": pi.jsonl([pi.header(), *pi.attempt(pi.assistant("ok"))]),
        "claude": b'{"type":"result","subtype":"success","is_error":false}\n',
        "codex": b'{"type":"turn.started"}\n{"type":"turn.completed"}\n',
    }
    assert not normalise_text(harness, streams[harness], 0).is_error
    report = normalise_text(harness, streams[harness], exit_code)
    assert report.is_error
    assert report.error_message is not None
    assert f"exited with code {exit_code}" in report.error_message


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 4)), max_size=30))
def test_claude_partial_usage_is_the_last_usage_of_each_message_id(
    messages: list[tuple[int, int]],
) -> None:
    lines: list[bytes] = []
    for index, (output_tokens, repeats) in enumerate(messages):
        for repeat in range(repeats):
            usage = {"output_tokens": output_tokens + repeat}
            event = {"type": "assistant", "message": {"id": f"m{index}", "usage": usage}}
            lines.append(json.dumps(event).encode())
    report = normalise_lines("claude", lines, None)
    assert report.usage.output_tokens == sum(out + reps - 1 for out, reps in messages)
    assert report.num_turns == len(messages)


@given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 10**9)), min_size=1, max_size=8))
def test_codex_usage_is_the_last_turn_completed(totals: list[tuple[int, int]]) -> None:
    lines: list[bytes] = []
    for cached, extra in totals:
        usage = {"input_tokens": cached + extra, "cached_input_tokens": cached, "output_tokens": 1}
        completed = json.dumps({"type": "turn.completed", "usage": usage}).encode()
        lines += [b'{"type":"turn.started"}', completed]
    report = normalise_lines("codex", lines, 0)
    assert (report.usage.cache_read_tokens, report.usage.input_tokens) == totals[-1]


@given(st.binary(max_size=200))
def test_split_lines_round_trips_and_splits_on_newline_only(data: bytes) -> None:
    parts = list(split_lines(data))
    assert b"\n".join(parts) == data
    assert all(b"\n" not in part for part in parts)


@given(st.lists(st.sampled_from(_PI_LINES), max_size=40))
def test_pi_running_cost_never_decreases(lines: list[bytes]) -> None:
    normaliser = new_normaliser("pi")
    previous = 0.0
    for line in lines:
        normaliser.feed(line)
        running = normaliser.running_cost_usd
        if running is not None:
            assert running >= previous
            previous = running

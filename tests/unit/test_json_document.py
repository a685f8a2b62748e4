"""One JSON value printed over many lines, read as it streams: assembled, bounded, or given up."""

from __future__ import annotations

import json

import pytest

from domain.harness.normalise import new_normaliser
from domain.harness.report import HarnessReport
from domain.text.bounded_lines import LongLine
from domain.text.json_document import Document, DocumentAssembler, NotADocument
from tests import pi_events as pi

RESULT = {
    "type": "result",
    "subtype": "success",
    "is_error": False,
    "num_turns": 2,
    "result": 'Done. {not a brace} [nor this]\n"quoted"',
    "total_cost_usd": 0.25,
    "usage": {"input_tokens": 10, "output_tokens": 20},
}
INIT = {"type": "system", "subtype": "init", "model": "claude-sonnet-4-5"}


def claude(lines: list[bytes]) -> HarnessReport:
    normaliser = new_normaliser("claude")
    for line in lines:
        normaliser.feed(line)
    return normaliser.finish(0)


def test_pretty_printed_object_is_read_as_the_one_event_it_is() -> None:
    report = claude(json.dumps(RESULT, indent=2).encode().split(b"\n"))
    assert (report.complete, report.is_error, report.total_cost_usd) == (True, False, 0.25)
    assert report.result_text == RESULT["result"]
    assert report.malformed_lines == 0


def test_pretty_printed_array_is_read_event_by_event() -> None:
    lines = json.dumps([INIT, RESULT], indent=4).encode().split(b"\n")
    report = claude([b"", *lines, b""])
    assert (report.complete, report.models, report.malformed_lines) == (
        True,
        ("claude-sonnet-4-5",),
        0,
    )


def test_array_with_one_compact_element_per_line_is_one_document() -> None:
    lines = [b"[" + json.dumps(INIT).encode() + b",", json.dumps(RESULT).encode() + b"]"]
    assert claude(lines).complete


def test_document_past_the_limit_keeps_only_its_ends() -> None:
    assembler = DocumentAssembler(b"[", max_bytes=64, keep_bytes=16)
    for _ in range(20):
        assert assembler.add(b'  {"type": "user"},') is None
    done = assembler.add(b'  {"type": "result"}')
    assert done is None
    closed = assembler.add(b"]")
    assert isinstance(closed, Document)
    assert isinstance(closed.value, LongLine)
    assert (closed.value.head, closed.value.tail) == (b'[\n  {"type": "us', b'pe": "result"}\n]')
    assert closed.value.size == len(b"[") + 20 * len(b'\n  {"type": "user"},') + 21 + 2


def test_json_lines_whose_first_line_leaves_a_value_open_are_read_as_lines_after_all() -> None:
    # A cut-off first line is no document: at the end, every line is read as a line.
    stream = pi.lines([pi.header(), *pi.attempt(pi.assistant("ok"))])
    lines = [b'{"type":"session","version":3,', *stream[1:]]
    normaliser = new_normaliser("pi")
    for line in lines:
        normaliser.feed(line)
    report = normaliser.finish(0)
    assert (report.complete, report.is_error, report.malformed_lines) == (True, False, 1)


def test_a_line_no_pretty_printer_writes_gives_the_lines_back_at_once() -> None:
    assembler = DocumentAssembler(b"{")
    assert assembler.add(b'  "a": 1,') is None
    assert assembler.add(b'"unterminated') == NotADocument(
        lines=(b"{", b'  "a": 1,', b'"unterminated')
    )


def test_a_document_that_outgrew_the_limit_and_never_closed_counts_its_lines_lost() -> None:
    assembler = DocumentAssembler(b"[", max_bytes=32, keep_bytes=8)
    for _ in range(5):
        assembler.add(b'  {"type": "user"},')
    assert assembler.abandon() == NotADocument(lines=(), lost=6)


@pytest.mark.parametrize(
    ("closing", "malformed"),
    [
        (b"]]", 13_202),  # closes more than was opened: no document, the lines kept are lost
        (b"]", 1),  # closes it: a "document" past the limit that is no JSON value
    ],
)
def test_lines_swallowed_by_a_first_line_that_never_closed_leave_the_cost_unknown(
    closing: bytes, malformed: int
) -> None:
    # A cut-off first line opens a "document" that swallows the priced lines after it, past
    # the limit: they are lost, so the run's cost is unknown, never the sum of what is left.
    reply = pi.assistant("x" * 2000, stop="toolUse", tool_call=True, cost=0.001)
    turns = [line for _ in range(2200) for line in pi.lines(pi.turn(reply))]
    normaliser = new_normaliser("pi")
    for line in [b'{"type":"session","version":3,', *turns, closing]:
        normaliser.feed(line)
    for line in pi.lines([pi.agent_start(), *pi.turn(pi.assistant("Done.")), pi.agent_end([])]):
        normaliser.feed(line)
    report = normaliser.finish(0)
    assert (report.complete, report.malformed_lines) == (True, malformed)
    assert (report.total_cost_usd, report.cost_reported, report.is_error) == (None, False, True)


def pretty(*events: object) -> list[bytes]:
    """Each event pretty-printed, one after the other, as `jq .` prints a stream."""
    return [line for event in events for line in json.dumps(event, indent=2).encode().split(b"\n")]


def test_each_pretty_printed_document_in_a_sequence_is_read_and_the_last_result_decides() -> None:
    # The second document's lines used to count as malformed: the first result decided.
    failed = {**RESULT, "is_error": True, "result": "API Error: 500", "total_cost_usd": 0.5}
    report = claude(pretty(RESULT, failed))
    assert (report.is_error, report.total_cost_usd, report.malformed_lines) == (True, 0.5, 0)
    assert report.error_message == "API Error: 500"


def test_a_jq_pretty_printed_pi_stream_is_read_event_by_event() -> None:
    events = [pi.header(), *pi.attempt(pi.assistant("a", cost=0.25))]
    normaliser = new_normaliser("pi")
    for line in [b"", *pretty(*events), b""]:
        normaliser.feed(line)
    report = normaliser.finish(0)
    assert (report.complete, report.is_error, report.total_cost_usd) == (True, False, 0.25)
    assert report.malformed_lines == 0


def test_a_pretty_printed_result_after_json_lines_is_read() -> None:
    failed = {**RESULT, "is_error": True, "result": "API Error: 500", "total_cost_usd": 0.5}
    report = claude([json.dumps(INIT).encode(), json.dumps(RESULT).encode(), *pretty(failed)])
    assert (report.is_error, report.total_cost_usd, report.malformed_lines) == (True, 0.5, 0)


def test_a_value_begun_among_json_lines_and_never_read_hides_the_last_result() -> None:
    # Not a document we can assemble (it does not start with a bracket alone), so its lines are
    # malformed, and a result among them may be the last: the verdict and cost are unknown.
    unread = [b'[{"type": "system", "subtype": "init"},', json.dumps(RESULT).encode() + b"]"]
    report = claude([json.dumps(INIT).encode(), json.dumps(RESULT).encode(), *unread])
    assert (report.is_error, report.total_cost_usd, report.malformed_lines) == (True, None, 2)

"""JSON nested too deep to decode: measured first, then read as an undecodable line, failing closed.

The deep lines are the issue's: `{"type":"message_end","message":[[[[...` a few thousand levels
deep raised `RecursionError` inside the decoder (exit 70). Each harness's final event is made too
deep here, in its line form, inside Claude's `--verbose` json array and in a pretty-printed
document, and the verdict must be the one an undecodable line gets.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.harness.normalise import new_normaliser, normalise_text
from domain.harness.report import HarnessName
from domain.text.bounded_lines import LongLine
from domain.text.depth import MAX_JSON_DEPTH, deepest, exceeds_depth
from domain.text.json_document import Document, DocumentAssembler
from domain.text.long_json import read_long, read_shallow, read_whole
from tests.support.cli import run_cli

FIXTURES = Path(__file__).parent.parent / "fixtures" / "harness"
DEEP = b"[" * 5000 + b"]" * 5000
UNCLOSED = b"[" * 100_000


def _lines(folder: str, name: str) -> list[bytes]:
    return (FIXTURES / folder / name).read_bytes().rstrip(b"\n").split(b"\n")


def _deepened(line: bytes, member: bytes) -> bytes:
    """`line` (a JSON object) with `member` set to a value nested thousands of levels deep."""
    return line[:-1] + b',"' + member + b'":' + DEEP + b"}"


CASES: list[tuple[HarnessName, str, str, bytes]] = [
    ("pi", "pi", "success-write.jsonl", b"message"),
    ("claude", "claude-real", "success-write.jsonl", b"usage"),
    ("codex", "codex-real", "exec-success.jsonl", b"usage"),
]


@pytest.mark.parametrize(("harness", "folder", "name", "member"), CASES)
def test_final_event_too_deep_to_decode_fails_closed(
    harness: HarnessName, folder: str, name: str, member: bytes
) -> None:
    lines = _lines(folder, name)
    whole = normalise_text(harness, b"\n".join(lines), 0)
    assert not whole.is_error
    # Pi's verdict and cost rest on its last message_end; the others' on their last line.
    index = len(lines) - 1
    if harness == "pi":
        index = max(i for i, line in enumerate(lines) if b'"type":"message_end"' in line)
    lines[index] = _deepened(lines[index], member)
    report = normalise_text(harness, b"\n".join(lines), 0)
    assert report.is_error
    assert report.total_cost_usd is None
    assert (report.deep_lines, report.malformed_lines) == (1, 1)


@pytest.mark.parametrize("harness", ["pi", "claude", "codex"])
def test_unclosed_deep_line_is_unread_events_never_a_crash(harness: HarnessName) -> None:
    report = normalise_text(harness, b'{"type":"message_end","message":' + UNCLOSED, 0)
    assert report.is_error
    assert (report.deep_lines, report.malformed_lines) == (1, 1)


def test_unknown_event_too_deep_is_an_unknown_event() -> None:
    lines = _lines("pi", "success-write.jsonl")
    report = normalise_text("pi", b"\n".join([*lines, b'{"type":"new_kind","x":' + DEEP + b"}"]), 0)
    assert not report.is_error
    assert (report.deep_lines, report.unknown_events, report.malformed_lines) == (1, 1, 0)


def test_deep_event_in_claude_verbose_array_fails_closed_and_the_rest_is_read() -> None:
    document = json.loads((FIXTURES / "claude" / "json-verbose-success.json").read_bytes())
    document[-1]["usage"] = json.loads(b"[" * 200 + b"]" * 200)
    data = json.dumps(document).encode()
    assert exceeds_depth(data)
    report = normalise_text("claude", data, 0)
    assert report.is_error
    assert report.total_cost_usd is None
    assert report.deep_lines == 1
    assert report.num_turns == 0  # the result that counts turns was not read
    assert report.models  # the events before it were


def test_pretty_printed_document_too_deep_is_read_as_one_deep_value() -> None:
    assembler = DocumentAssembler(b"{")
    assert assembler.add(b'  "type": "result",') is None
    assert assembler.add(b'  "usage": ' + DEEP) is None
    outcome = assembler.add(b"}")
    assert isinstance(outcome, Document)
    report = normalise_text("claude", b'{\n  "type": "result",\n  "usage": ' + DEEP + b"\n}", 0)
    assert report.is_error
    assert report.deep_lines == 1


def test_long_line_with_a_deep_member_in_its_head_is_read_without_decoding_it() -> None:
    head = b'{"type":"message_end","message":{"role":"assistant","x":' + DEEP[:4000]
    line = LongLine(head=head, tail=b"]" * 100 + b"}}", size=10_000_000)
    normaliser = new_normaliser("pi")
    normaliser.feed(b'{"type":"agent_start"}')
    normaliser.feed(line)
    report = normaliser.finish(0)
    assert report.is_error
    assert report.long_lines == 1
    assert normaliser.cost_lost is not None


def test_views_never_decode_a_deep_member() -> None:
    deep_object = b'{"type":"x","a":' + DEEP + b',"n":1}'
    for view in (read_whole(deep_object), read_shallow(deep_object)):
        assert (view.text("type"), sorted(view.members), view.whole) == ("x", ["n", "type"], False)
    assert read_long(b'{"type":"x","a":' + DEEP[:3000], b"]]}").kind == "object"


def test_key_with_invalid_utf8_in_a_long_head_is_unreadable_not_a_crash() -> None:
    assert read_long(b'{"a\xff":1,"b":[1,2', b"3]}").kind == "unreadable"


def test_deepest_real_harness_output_is_far_below_the_bound() -> None:
    depths = [
        deepest(line)
        for path in FIXTURES.rglob("*.json*")
        if "expected" not in path.name
        for line in path.read_bytes().split(b"\n")
    ]
    assert max(depths) == 8  # Pi's multi-turn agent_end (docs/fuzz.md)
    assert max(depths) * 8 == MAX_JSON_DEPTH


def test_cli_normalise_on_the_issue_transcript_answers_instead_of_exit_70(
    tmp_path: Path,
) -> None:
    transcript = tmp_path / "deep.jsonl"
    transcript.write_bytes(b'{"type":"message_end","message":' + UNCLOSED + b"\n")
    answer = run_cli(["harness", "normalise", "--harness", "pi", str(transcript)])
    assert answer.code == 0
    report = json.loads(answer.stdout)
    assert (report["is_error"], report["deep_lines"]) == (True, 1)


def test_arguments_that_are_no_utf8_are_answered_as_json_not_exit_70() -> None:
    # Python holds bytes of argv that are no UTF-8 as lone surrogates (`$'\xff'` in a shell).
    answer = run_cli(["harness", "normalise", "--harness", "pi", "/nonexistent/\udcff"])
    assert answer.code == 2
    assert json.loads(answer.stdout)["error"]["code"] == "input-missing"


def test_the_fuzz_page_states_the_bound_in_force() -> None:
    page = (Path(__file__).parents[2] / "docs" / "fuzz.md").read_text()
    assert f"`MAX_JSON_DEPTH = {MAX_JSON_DEPTH}`" in page


def test_cli_reads_a_deep_line_too_long_to_hold_from_its_ends(tmp_path: Path) -> None:
    # Past MAX_LINE_BYTES only the ends are kept: thousands of levels in each, none decoded.
    transcript = tmp_path / "long-deep.jsonl"
    transcript.write_bytes(b'{"type":"message_end","message":' + DEEP * 600 + b"}\n")
    answer = run_cli(["harness", "normalise", "--harness", "pi", str(transcript)])
    assert answer.code == 0
    report = json.loads(answer.stdout)
    assert (report["is_error"], report["long_lines"]) == (True, 1)

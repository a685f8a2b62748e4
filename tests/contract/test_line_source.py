"""The same contract for the file line source and its in-memory fake."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.line_file import FileLineSource
from domain.text.bounded_lines import (
    LONG_LINE_KEEP_BYTES,
    MAX_LINE_BYTES,
    Line,
    LongLine,
    bound_line,
)
from domain.text.json_middle import Middle
from ports.line_source import LineSource
from tests.fake_line_source import FakeLineSource

# Given the bytes of an input, a line limit and what to keep of a longer line's ends, returns a
# source and the path naming the input.
Make = Callable[[bytes, int, int], tuple[LineSource, str | None]]


def _real(tmp_path: Path) -> Make:
    def make(data: bytes, limit: int, keep: int) -> tuple[LineSource, str | None]:
        path = tmp_path / "transcript.jsonl"
        path.write_bytes(data)
        return FileLineSource(max_line_bytes=limit, keep_bytes=keep), str(path)

    return make


def _fake(tmp_path: Path) -> Make:
    def make(data: bytes, limit: int, keep: int) -> tuple[LineSource, str | None]:
        return FakeLineSource({"t.jsonl": data}, max_line_bytes=limit, keep_bytes=keep), "t.jsonl"

    return make


@pytest.fixture(params=[_real, _fake], ids=["file", "fake"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Make:
    factory: Callable[[Path], Make] = request.param
    return factory(tmp_path)


def read(
    make: Make, data: bytes, limit: int = MAX_LINE_BYTES, keep: int = LONG_LINE_KEEP_BYTES
) -> tuple[list[Line], int]:
    source, path = make(data, limit, keep)
    seen: list[Line] = []
    count = source.for_each_line(path, seen.append).unwrap()
    return seen, count


def test_lines_split_on_newline_only_without_the_newline(make: Make) -> None:
    data = b'{"a":1}\r\n{"b":"x\xe2\x80\xa8y"}\n\n{"c":3}\n'
    assert read(make, data) == ([b'{"a":1}\r', b'{"b":"x\xe2\x80\xa8y"}', b"", b'{"c":3}'], 4)


def test_last_line_without_newline_is_delivered(make: Make) -> None:
    assert read(make, b"one\ntwo") == ([b"one", b"two"], 2)


def test_empty_input_has_no_lines(make: Make) -> None:
    assert read(make, b"") == ([], 0)


def test_overlong_line_arrives_as_its_ends_and_the_next_line_is_still_read(make: Make) -> None:
    assert read(make, b"0123456789\nab\n01234567\n", limit=8, keep=3) == (
        [bound_line(b"0123456789", 8, 3), b"ab", b"01234567"],
        3,
    )


def test_overlong_last_line_without_newline_arrives_as_its_ends(make: Make) -> None:
    assert read(make, b"ab\n0123456789", limit=8, keep=3) == (
        [b"ab", bound_line(b"0123456789", 8, 3)],
        2,
    )


def test_a_line_of_many_megabytes_is_held_as_its_default_ends_only(make: Make) -> None:
    # Pi's agent_end repeats every message of a run: one line can outgrow any sane buffer.
    line = b'{"type":"agent_end","messages":[' + b'{"role":"user"},' * 700_000 + b"{}]}"
    seen, count = read(make, b'{"type":"agent_start"}\n' + line + b"\n")
    assert count == 2
    assert seen[1] == LongLine(
        head=line[:LONG_LINE_KEEP_BYTES],
        tail=line[-LONG_LINE_KEEP_BYTES:],
        size=len(line),
        middle=Middle(depth=2, separated=True),  # between the messages, never outside them
    )
    assert len(line) > MAX_LINE_BYTES


def test_missing_file_is_input_missing(tmp_path: Path) -> None:
    for source in (FileLineSource(), FakeLineSource()):
        result = source.for_each_line(str(tmp_path / "nope.jsonl"), lambda _: None)
        assert result.failure().code == "input-missing"


def test_directory_is_input_unreadable(tmp_path: Path) -> None:
    real = FileLineSource().for_each_line(str(tmp_path), lambda _: None)
    fake = FakeLineSource(unreadable=frozenset({str(tmp_path)})).for_each_line(
        str(tmp_path), lambda _: None
    )
    assert real.failure().code == fake.failure().code == "input-unreadable"


def test_none_reads_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x\ny\n")))
    real: list[Line] = []
    fake: list[Line] = []
    assert FileLineSource().for_each_line(None, real.append).unwrap() == 2
    assert FakeLineSource(stdin=b"x\ny\n").for_each_line(None, fake.append).unwrap() == 2
    assert real == fake == [b"x", b"y"]

"""The same contract for the file line source and its in-memory fake."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.line_file import FileLineSource
from ports.line_source import LineSource
from tests.fake_line_source import FakeLineSource

# Given the bytes of an input (and a line limit), returns a source and the path naming the input.
Make = Callable[[bytes, int], tuple[LineSource, str | None]]


def _real(tmp_path: Path) -> Make:
    def make(data: bytes, limit: int) -> tuple[LineSource, str | None]:
        path = tmp_path / "transcript.jsonl"
        path.write_bytes(data)
        return FileLineSource(max_line_bytes=limit), str(path)

    return make


def _fake(tmp_path: Path) -> Make:
    def make(data: bytes, limit: int) -> tuple[LineSource, str | None]:
        return FakeLineSource({"t.jsonl": data}, max_line_bytes=limit), "t.jsonl"

    return make


@pytest.fixture(params=[_real, _fake], ids=["file", "fake"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Make:
    factory: Callable[[Path], Make] = request.param
    return factory(tmp_path)


def read(make: Make, data: bytes, limit: int = 1 << 20) -> tuple[list[bytes], int]:
    source, path = make(data, limit)
    seen: list[bytes] = []
    count = source.for_each_line(path, seen.append).unwrap()
    return seen, count


def test_lines_split_on_newline_only_without_the_newline(make: Make) -> None:
    data = b'{"a":1}\r\n{"b":"x\xe2\x80\xa8y"}\n\n{"c":3}\n'
    assert read(make, data) == ([b'{"a":1}\r', b'{"b":"x\xe2\x80\xa8y"}', b"", b'{"c":3}'], 4)


def test_last_line_without_newline_is_delivered(make: Make) -> None:
    assert read(make, b"one\ntwo") == ([b"one", b"two"], 2)


def test_empty_input_has_no_lines(make: Make) -> None:
    assert read(make, b"") == ([], 0)


def test_overlong_line_is_cut_at_the_limit_and_the_next_line_still_read(make: Make) -> None:
    assert read(make, b"0123456789\nab\n", limit=4) == ([b"0123", b"ab"], 2)


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
    real: list[bytes] = []
    fake: list[bytes] = []
    assert FileLineSource().for_each_line(None, real.append).unwrap() == 2
    assert FakeLineSource(stdin=b"x\ny\n").for_each_line(None, fake.append).unwrap() == 2
    assert real == fake == [b"x", b"y"]

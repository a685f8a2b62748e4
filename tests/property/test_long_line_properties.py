"""Invariants of bounded line splitting and of reading an overlong JSON line from its ends."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from domain.text.bounded_lines import Line, LineSplitter, LongLine, bound_line
from domain.text.json_middle import Middle, MiddleScanner
from domain.text.long_json import Visible, read_long


def _reference_lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()  # a final newline ends the last line; it does not start another
    return lines


def _chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(cut, len(data)) for cut in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


@given(
    data=st.lists(
        st.sampled_from(
            [
                b"a",
                b"bc",
                b"\n",
                b"\r",
                b"\xe2\x80\xa8",
                b"x" * 9,
                *(bytes([c]) for c in b'"\\{}[],'),
            ]
        )
    ).map(b"".join),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=12),
    keep=st.integers(min_value=1, max_value=4),
    extra=st.integers(min_value=0, max_value=6),
)
@example(data=b"0123456789\nab", cuts=[3, 12], keep=2, extra=0)
def test_splitting_any_chunking_gives_each_line_whole_or_as_its_ends(
    data: bytes, cuts: list[int], keep: int, extra: int
) -> None:
    limit = 2 * keep + extra
    splitter = LineSplitter(max_line_bytes=limit, keep_bytes=keep)
    seen: list[Line] = []
    for chunk in _chunked(data, cuts):
        seen += splitter.feed(chunk)
    last = splitter.finish()
    if last is not None:
        seen.append(last)
    assert seen == [bound_line(line, limit, keep) for line in _reference_lines(data)]


def test_keep_must_fit_twice_in_the_limit() -> None:
    with pytest.raises(ValueError, match="keep_bytes"):
        LineSplitter(max_line_bytes=10, keep_bytes=6)


# -- reading an overlong JSON line from its ends

_text = st.text(alphabet=st.sampled_from('ab"\\\u00e9\u2028\n{}[]:,'), max_size=12)
_scalars = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | _text
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)


def _scanned(line: bytes, head: int, tail: int, cuts: list[int]) -> Middle:
    """The scan of the bytes between `head` and `tail` of `line`, fed in pieces cut at `cuts`."""
    scanner = MiddleScanner()
    scanner.skim(line[:head])
    for piece in _chunked(line[head : len(line) - tail], cuts):
        scanner.scan(piece)
    return scanner.middle()


def _walked(line: bytes, head: int, tail: int) -> Middle:
    """The same facts, from a plain byte-by-byte walk of the JSON text (the reference)."""
    depth, in_string, escaped = 0, False, False
    depths: list[int] = []
    commas: list[int] = []
    for at, byte in enumerate(line[: len(line) - tail]):
        if at == head:
            depths.append(depth)
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in b"{[":
            depth += 1
        elif byte in b"}]":
            depth -= 1
        elif byte == 0x2C and at >= head:
            commas.append(depth)
        if at >= head:
            depths.append(depth)
    least = min(depths)
    return Middle(depth=least, separated=least in commas)


def _check(view: Visible, value: Any) -> None:
    """Everything `view` claims holds of `value`, at this level and in its inner views."""
    assert view.kind == ("object" if isinstance(value, dict) else "array")
    opened: Any = None
    if isinstance(value, dict):
        for key, raw in view.members.items():
            assert msgspec.json.decode(raw) == value[key]
        assert view.open_key is None or view.open_key in value
        for key in [*value, "\x00absent"]:
            if view.knows(key):  # seen, or shown absent: never a member hidden in the middle
                assert key in view.members or key not in value
        if view.whole:
            assert set(value) == {*view.members, view.open_key}
            assert view.open_key not in view.members
        opened = value.get(view.open_key) if view.open_key is not None else None
    else:
        first = [msgspec.json.decode(raw) for raw in view.items]
        last = [msgspec.json.decode(raw) for raw in view.last_items]
        assert first == value[: len(first)]
        assert last == value[len(value) - len(last) :]
        if view.whole:
            assert len(first) + 1 + len(last) == len(value)
        opened = value[len(first)] if len(first) < len(value) else None
    if view.inner is not None:
        _check(view.inner, opened)


_json_values = st.dictionaries(_text, _values, min_size=1, max_size=6) | st.lists(
    _values, min_size=1
)


@given(
    value=_json_values,
    head=st.integers(min_value=1, max_value=80),
    tail=st.integers(min_value=1, max_value=80),
    spaced=st.booleans(),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=8),
)
@example(value={'a"\\': ["x"], "b": '\\\\\\"}'}, head=6, tail=5, spaced=False, cuts=[])
@example(value={"m": ["x" * 40], "w": True, "e": ["y" * 40]}, head=8, tail=8, spaced=False, cuts=[])
# A comma at the least depth in one piece, then a piece that goes below it.
@example(value={"": {"": None, ":": None}}, head=5, tail=1, spaced=False, cuts=[8])
def test_whatever_the_ends_show_is_exactly_what_the_line_holds(
    value: dict[str, Any] | list[Any], head: int, tail: int, spaced: bool, cuts: list[int]
) -> None:
    separators = (", ", ": ") if spaced else (",", ":")
    line = json.dumps(value, separators=separators, ensure_ascii=False).encode()
    if head + tail >= len(line):
        return  # the ends would overlap: such a line is never cut
    middle = _scanned(line, head, tail, cuts)
    assert middle == _walked(line, head, tail)
    _check(read_long(line[:head], line[-tail:], middle), value)
    _check(read_long(line[:head], line[-tail:]), value)  # no scan: nothing unseen is known


_small = st.dictionaries(st.text(alphabet="abcdefgh", min_size=1, max_size=6), _scalars, max_size=3)


@given(
    before=_small,
    after=_small,
    big=st.sampled_from(["array", "object", "string"]),
    length=st.integers(min_value=300, max_value=2000),
)
def test_one_big_member_between_small_ones_leaves_every_other_member_known(
    before: dict[str, Any], after: dict[str, Any], big: str, length: int
) -> None:
    # The shape every harness prints its long lines in: the ends hold all but the big member.
    filler: Any = {"array": ["x" * 10] * (length // 12), "object": {"k": "x" * length}}.get(
        big, "x" * length
    )
    value = {**before, "big": filler, **{f"z{key}": v for key, v in after.items()}}
    line = bound_line(
        json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode(), 300, 150
    )
    assert isinstance(line, LongLine)
    view = read_long(line.head, line.tail, line.middle)
    assert (view.open_key, view.whole) == ("big", True)
    assert {key: msgspec.json.decode(raw) for key, raw in view.members.items()} == {
        key: v for key, v in value.items() if key != "big"
    }
    assert not view.knows("big")
    assert view.knows("absent-member")


def test_a_tail_that_is_not_the_end_of_the_value_is_unreadable() -> None:
    # A line cut off by a killed harness: its head looks fine, its tail is no JSON end.
    line = b'{"type":"agent_end","messages":[' + b'{"role":"user"},' * 40
    assert read_long(line[:40], line[-40:]).kind == "unreadable"


@pytest.mark.parametrize("between", [b'"n' + b"n" * 200 + b'"', b'{"k":"' + b"v" * 200 + b'"}'])
def test_a_member_between_two_big_values_is_not_taken_as_absent(between: bytes) -> None:
    # Whatever kinds the ends stop in, the scan sees the comma between the members.
    line = b'{"type":"agent_end","messages":[' + b"1," * 100 + b'1],"willRetry":true,"note":'
    line += between + b"}"
    long_line = bound_line(line, 80, 40)
    assert isinstance(long_line, LongLine)
    view = read_long(long_line.head, long_line.tail, long_line.middle)
    assert (view.open_key, view.whole) == ("messages", False)
    assert not view.knows("willRetry")

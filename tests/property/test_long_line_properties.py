"""Invariants of bounded line splitting and of reading an overlong JSON line from its ends."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from domain.bounded_lines import Line, LineSplitter, LongLine, bound_line
from domain.long_json import read_long


def _reference_lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()  # a final newline ends the last line; it does not start another
    return lines


def _chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(cut, len(data)) for cut in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


@given(
    data=st.lists(st.sampled_from([b"a", b"bc", b"\n", b"\r", b"\xe2\x80\xa8", b"x" * 9])).map(
        b"".join
    ),
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


def _ends(line: bytes, head: int, tail: int) -> LongLine:
    return LongLine(head=line[:head], tail=line[-tail:], size=len(line))


@given(
    value=st.dictionaries(_text, _values, min_size=1, max_size=6) | st.lists(_values, min_size=1),
    head=st.integers(min_value=1, max_value=80),
    tail=st.integers(min_value=1, max_value=80),
    spaced=st.booleans(),
)
@example(value={'a"\\': ["x"], "b": '\\\\\\"}'}, head=6, tail=5, spaced=False)
def test_whatever_the_ends_show_is_exactly_what_the_line_holds(
    value: dict[str, Any] | list[Any], head: int, tail: int, spaced: bool
) -> None:
    separators = (", ", ": ") if spaced else (",", ":")
    line = json.dumps(value, separators=separators, ensure_ascii=False).encode()
    if head + tail >= len(line):
        return  # the ends would overlap: such a line is never cut
    view = read_long(line[:head], line[-tail:])
    assert view.kind == ("object" if isinstance(value, dict) else "array")
    if isinstance(value, dict):
        for key, raw in view.members.items():
            assert msgspec.json.decode(raw) == value[key]
        assert view.open_key is None or view.open_key in value
    else:
        items = [msgspec.json.decode(raw) for raw in view.items]
        shown = len(items)
        assert any(
            items == value[:split] + value[len(value) - (shown - split) :]
            for split in range(shown + 1)
        )


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
    line = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    view = read_long(line[:150], line[-150:])
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


def test_ends_that_disagree_on_the_gap_make_nothing_unseen_known() -> None:
    line = b'{"type":"agent_end","messages":[' + b"1," * 100 + b'1],"note":"' + b"n" * 200 + b'"}'
    view = read_long(line[:40], line[-40:])
    assert (view.open_key, view.whole) == ("messages", False)
    assert not view.knows("willRetry")

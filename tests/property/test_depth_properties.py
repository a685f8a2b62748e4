"""`exceeds_depth` agrees with the nesting of real JSON values, and protects every decoder."""

from __future__ import annotations

import contextlib
import json

import msgspec
from hypothesis import example, given
from hypothesis import strategies as st

from domain.text.depth import MAX_JSON_DEPTH, deepest, exceeds_depth

# Strings full of what a byte scan could mistake for structure.
tricky_text = st.text(alphabet='[]{}"\\,:ab \n\u00e9\U0001f600', max_size=12)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | tricky_text
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(tricky_text, children, max_size=4)
    ),
    max_leaves=40,
)


def _nesting(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((_nesting(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_nesting(item) for item in value.values()), default=0)
    return 0


@given(value=values, wrap=st.integers(min_value=0, max_value=80), ascii_only=st.booleans())
@example(value='[["\\"]]', wrap=0, ascii_only=True)
def test_measured_depth_is_the_value_s_nesting(value: object, wrap: int, ascii_only: bool) -> None:
    for _ in range(wrap):
        value = [value]
    encoded = json.dumps(value, ensure_ascii=ascii_only).encode()
    depth = _nesting(value)
    assert deepest(encoded) == depth
    assert exceeds_depth(encoded, depth - 1) if depth else not exceeds_depth(encoded, 0)
    assert not exceeds_depth(encoded, depth)


@given(data=st.binary(max_size=300), limit=st.integers(min_value=0, max_value=70))
@example(data=b'"\\\\"' + b"[" * 70, limit=64)
@example(data=b"\\" + b'"' + b"[" * 70, limit=64)
def test_any_bytes_are_measured_without_raising_and_monotonically(data: bytes, limit: int) -> None:
    if exceeds_depth(data, limit + 1):
        assert exceeds_depth(data, limit)


@given(
    prefix=st.binary(max_size=40),
    depth=st.integers(min_value=MAX_JSON_DEPTH + 1, max_value=3000),
    opener=st.sampled_from([b"[", b'{"a":']),
)
def test_bytes_within_the_bound_never_make_a_decoder_recurse_too_far(
    prefix: bytes, depth: int, opener: bytes
) -> None:
    deep = prefix + opener * depth + b"1"
    assert exceeds_depth(deep) or b'"' in prefix  # a quote in the prefix may hide the rest
    shallow = prefix + opener * MAX_JSON_DEPTH + b"1"
    if not exceeds_depth(shallow):
        # Malformed is fine; RecursionError is not.
        with contextlib.suppress(msgspec.DecodeError, UnicodeDecodeError):
            msgspec.json.decode(shallow)

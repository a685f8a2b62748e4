"""Untrusted JSON decoded strictly into a type, its depth measured first: one answer, never a raise.

Every JSON text the loop did not just write itself (a GitHub response, a run's `start.json`,
`record.json` or `verdict.json` read back from the state folder) is decoded here, so no decoder
recurses past `MAX_JSON_DEPTH` (msgspec raises `RecursionError` on JSON nested about a thousand
levels deep, even into a typed struct whose unknown fields it skips).
"""

from __future__ import annotations

from typing import TypeVar

import msgspec
from returns.result import Failure, Result, Success

from domain.text.depth import MAX_JSON_DEPTH, exceeds_depth

T = TypeVar("T")


def decode_bounded(raw: bytes, kind: type[T], limit: int = MAX_JSON_DEPTH) -> Result[T, str]:
    """`raw` decoded strictly into `kind`, or why it cannot be: too deep, no JSON, not `kind`.

    >>> decode_bounded(b'{"a": [1, 2]}', dict[str, list[int]])
    <Success: {'a': [1, 2]}>
    >>> decode_bounded(b'{"a": ' + b"[" * 5000, dict[str, list[int]]).failure()
    'it nests deeper than 64 levels'
    >>> decode_bounded(b'{"a": "x"}', dict[str, list[int]]).failure()
    'Expected `array`, got `str` - at `$[...]`'
    """
    if exceeds_depth(raw, limit):
        return Failure(f"it nests deeper than {limit} levels")
    try:
        return Success(msgspec.json.decode(raw, type=kind))
    except msgspec.DecodeError as exc:  # ValidationError is one too
        return Failure(str(exc))

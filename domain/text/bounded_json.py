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
    r"""`raw` decoded strictly into `kind`, or why it cannot be: too deep, no JSON, not `kind`.

    >>> decode_bounded(b'{"a": [1, 2]}', dict[str, list[int]])
    <Success: {'a': [1, 2]}>
    >>> decode_bounded(b'{"a": ' + b"[" * 5000, dict[str, list[int]]).failure()
    'it nests deeper than 64 levels'
    >>> decode_bounded(b'{"a": "x"}', dict[str, list[int]]).failure()
    'Expected `array`, got `str` - at `$[...]`'
    >>> decode_bounded(b'{"a": "\x80"}', dict[str, str]).failure()  # msgspec: UnicodeDecodeError
    "'utf-8' codec can't decode byte 0x80 in position 0: invalid start byte"
    """
    if exceeds_depth(raw, limit):
        return Failure(f"it nests deeper than {limit} levels")
    try:
        return Success(msgspec.json.decode(raw, type=kind))
    # ValidationError is a DecodeError; a string that is no UTF-8 raises UnicodeDecodeError.
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        return Failure(str(exc))

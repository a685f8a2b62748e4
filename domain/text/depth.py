"""How deeply JSON nests, told from its bytes before any decoder recurses into them.

msgspec (like `json`) decodes nested arrays and objects recursively: JSON nested a few
thousand levels deep raises `RecursionError` from inside the decoder, whatever type it decodes
to, even `msgspec.Raw`. Every input the loop did not write itself (a harness's output, which the
model shapes; GitHub's responses; run records; JSON on the command line) is measured here first,
and a value nested deeper than `MAX_JSON_DEPTH` is treated as one that does not decode.

The scan is linear and never recurses: escapes go first (a backslash pair, then an escaped
quote), so every quote left delimits a string; strings go with what they hold; what is left of
the brackets is counted in order. It never raises, whatever the bytes.
"""

from __future__ import annotations

import re

# The deepest nesting any input may have. The real harnesses write at most 8 levels (Pi 8,
# Claude Code 6, Codex 4, measured over every capture in tests/fixtures/harness, docs/fuzz.md);
# a model's tool arguments sit inside those and rarely add more than a few. msgspec recurses
# once per level and shares Python's recursion limit (1000) with its caller, so 64 is eight
# times what is real and leaves the caller ample stack.
MAX_JSON_DEPTH = 64

_BRACKETS_AND_QUOTES = b'"{}[]'
_NOT_KEPT = bytes(byte for byte in range(256) if byte not in _BRACKETS_AND_QUOTES)
_STRING = re.compile(rb'"[^"]*"')  # once escapes are gone, a string holds no quote
_OPENERS = b"{["


def exceeds_depth(raw: bytes | bytearray, limit: int = MAX_JSON_DEPTH) -> bool:
    r"""True when the JSON in `raw` opens more than `limit` arrays or objects inside each other.

    Brackets inside strings do not count (escaped quotes and backslashes are honoured); bytes
    that are no JSON are read as far as they look like it, and a closer without its opener never
    lowers the count below zero, so no decoder reading `raw` goes deeper than this says. Linear
    in `len(raw)`, never raises, never recurses.

    >>> exceeds_depth(b'{"a":[[1]]}', 3), exceeds_depth(b'{"a":[[1]]}', 2)
    (False, True)
    >>> exceeds_depth(b'{"text":"[[[[[[ \\" [[["}', 1)  # brackets in a string do not count
    False
    >>> exceeds_depth(b"[" * 100_000, MAX_JSON_DEPTH), exceeds_depth(b"[]" * 100_000, 1)
    (True, False)
    >>> exceeds_depth(b'\xff\x00]]]]"[[[[', 0)  # anything at all: never raises
    False
    """
    if raw.count(b"{") + raw.count(b"[") <= limit:
        return False  # cannot open more than it holds: nearly every real line ends here
    data = bytes(raw)
    if b"\\" in data:
        # Pairs of backslashes first, then escaped quotes: every quote left is a delimiter.
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    kept = data.translate(None, _NOT_KEPT)
    if b'"' in kept:
        kept = _STRING.sub(b"", kept)
        unterminated = kept.find(b'"')
        if unterminated >= 0:
            kept = kept[:unterminated]  # the rest lies inside a string that never closes
    if kept.count(b"{") + kept.count(b"[") <= limit:
        return False
    depth = 0
    for byte in kept:
        if byte in _OPENERS:
            depth += 1
            if depth > limit:
                return True
        elif depth > 0:
            depth -= 1
    return False


def deepest(raw: bytes | bytearray) -> int:
    """The deepest nesting in `raw`, as `exceeds_depth` counts it (for measuring real inputs).

    >>> deepest(b'{"a":[{"b":"]]]"}],"c":{}}'), deepest(b"1"), deepest(b"[]]][[")
    (3, 0, 2)
    """
    low, high = 0, max(raw.count(b"{") + raw.count(b"["), 0)
    while low < high:  # the least limit not exceeded
        middle = (low + high) // 2
        if exceeds_depth(raw, middle):
            low = middle + 1
        else:
            high = middle
    return low

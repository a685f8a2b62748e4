"""How deeply JSON nests, told from its bytes before any decoder recurses into them.

msgspec (like `json`) decodes nested arrays and objects recursively: JSON nested a few
thousand levels deep raises `RecursionError` from inside the decoder, whatever type it decodes
to, even `msgspec.Raw`. Every input the loop did not write itself (a harness's output, which the
model shapes; GitHub's responses; run records; JSON on the command line) is measured here first,
and a value nested deeper than `MAX_JSON_DEPTH` is treated as one that does not decode.

The measure never recurses and never raises, whatever the bytes: escapes go first (a backslash
pair, then an escaped quote), so every quote left delimits a string; strings go with what they
hold; then balanced pairs of brackets are removed a level at a time, with C-speed byte
operations, for at most the bound's number of passes.
"""

from __future__ import annotations

# The deepest nesting any input may have. The real harnesses write at most 8 levels (Pi 8,
# Claude Code 6, Codex 4, measured over every capture in tests/fixtures/harness, docs/fuzz.md);
# a model's tool arguments sit inside those and rarely add more than a few. msgspec recurses
# once per level and shares Python's recursion limit (1000) with its caller, so 64 is eight
# times what is real and leaves the caller ample stack.
MAX_JSON_DEPTH = 64

_BRACKETS_AND_QUOTES = b'"{}[]'
_NOT_KEPT = bytes(byte for byte in range(256) if byte not in _BRACKETS_AND_QUOTES)
_ONE_KIND = bytes.maketrans(b"{}", b"[]")


def exceeds_depth(raw: bytes | bytearray, limit: int = MAX_JSON_DEPTH) -> bool:
    r"""True when the JSON in `raw` may open more than `limit` arrays or objects inside each other.

    Brackets inside strings do not count (escaped quotes and backslashes are honoured). For a
    complete JSON value the answer is exact; for bytes that are no JSON (cut off, closers without
    openers) it errs towards True, never the other way, so no decoder reading `raw` goes deeper
    than this allows. Never raises, never recurses; at most `limit + 1` C-speed passes.

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
        # Two adjacent quotes enclose nothing kept (most strings, and the gaps between them):
        # removing them moves no bracket across a string's edge. Then every other piece lies
        # outside strings; with an odd number of quotes, the last lies in one that never closes.
        kept = b"".join(kept.replace(b'""', b"").split(b'"')[::2])
    brackets = kept.translate(_ONE_KIND)
    # Each pass removes every innermost pair, which lowers every nesting peak by one: a complete
    # value of depth D is gone after exactly D passes. What no pass removes is closers then
    # openers, and the passes plus those openers bound the depth from above.
    passes = 0
    while b"[]" in brackets:
        passes += 1
        if passes > limit:
            return True
        brackets = brackets.replace(b"[]", b"")
    return passes + brackets.count(b"[") > limit


def deepest(raw: bytes | bytearray) -> int:
    """The deepest nesting in `raw`, as `exceeds_depth` counts it (for measuring real inputs).

    >>> deepest(b'{"a":[{"b":"]]]"}],"c":{}}'), deepest(b"1"), deepest(b"[[]]]][[")
    (3, 0, 4)
    """
    low, high = 0, max(raw.count(b"{") + raw.count(b"["), 0)
    while low < high:  # the least limit not exceeded
        middle = (low + high) // 2
        if exceeds_depth(raw, middle):
            low = middle + 1
        else:
            high = middle
    return low

"""Lines of a harness's output, each held in bounded memory: an overlong line keeps only its ends.

A harness line can be huge (Pi's `agent_end` repeats every message of the run, a tool call can
carry a whole file), and a reader that holds it whole breaks the constant-memory promise. So a
line longer than `MAX_LINE_BYTES` is delivered as a `LongLine`: its first and last
`LONG_LINE_KEEP_BYTES` and its length. What such a line means is decided by the normalisers from
those ends (`domain.long_json`); the raw transcript file still holds every byte.
"""

from __future__ import annotations

import msgspec

# The longest line held whole. Far above the lines that decide a run (usage, final events), and
# low enough that the one line held, plus its decoding, stays well inside a 100 MB process.
MAX_LINE_BYTES = 4 * 1024 * 1024
# What is kept of each end of a longer line: enough for the members around its one big value.
LONG_LINE_KEEP_BYTES = 32 * 1024


class LongLine(msgspec.Struct, frozen=True, kw_only=True):
    """A line longer than the limit: its first and last bytes and its full length (no newline)."""

    head: bytes
    tail: bytes
    size: int


# One line of output, without its newline: whole, or only its ends.
Line = bytes | LongLine


def bound_line(
    line: bytes, max_line_bytes: int = MAX_LINE_BYTES, keep_bytes: int = LONG_LINE_KEEP_BYTES
) -> Line:
    """`line` itself when it is short enough, else its ends as a `LongLine`.

    >>> bound_line(b"abc")
    b'abc'
    >>> bound_line(b"0123456789", max_line_bytes=8, keep_bytes=3)
    LongLine(head=b'012', tail=b'789', size=10)
    """
    if len(line) <= max_line_bytes:
        return line
    return LongLine(head=line[:keep_bytes], tail=line[-keep_bytes:], size=len(line))


class LineSplitter:
    """Splits a byte stream into `Line`s on `\\n` only, in linear time and bounded memory.

    Each chunk is searched once (so one long line costs no more than many short ones), and the
    unfinished line is kept in a buffer of at most `max_line_bytes`; past that only its first and
    last `keep_bytes` are kept.

    >>> splitter = LineSplitter(max_line_bytes=8, keep_bytes=2)
    >>> splitter.feed(b"ab\\ncd"), splitter.feed(b"efghijkl\\nmn\\n"), splitter.finish()
    ([b'ab'], [LongLine(head=b'cd', tail=b'kl', size=10), b'mn'], None)
    """

    def __init__(
        self, max_line_bytes: int = MAX_LINE_BYTES, keep_bytes: int = LONG_LINE_KEEP_BYTES
    ) -> None:
        if not 0 < 2 * keep_bytes <= max_line_bytes:
            raise ValueError("keep_bytes must be positive and at most half of max_line_bytes")
        self._max = max_line_bytes
        self._keep = keep_bytes
        self._pending = bytearray()
        # Once the unfinished line passed the limit: its head, the last bytes seen, its size.
        self._head: bytes | None = None
        self._tail = bytearray()
        self._size = 0

    def feed(self, chunk: bytes) -> list[Line]:
        """The lines that `chunk` completes, in order."""
        parts = chunk.split(b"\n")
        if len(parts) == 1:
            self._extend(chunk)
            return []
        lines: list[Line] = [self._complete(parts[0])]
        limit, keep = self._max, self._keep
        lines += [
            part if len(part) <= limit else bound_line(part, limit, keep) for part in parts[1:-1]
        ]
        self._extend(parts[-1])
        return lines

    def finish(self) -> Line | None:
        """The last line when the stream did not end with a newline, else None."""
        if self._head is None and not self._pending:
            return None
        return self._complete(b"")

    def _extend(self, data: bytes) -> None:
        if self._head is not None:
            self._size += len(data)
            self._tail += data
            if len(self._tail) > 2 * self._keep:
                del self._tail[: len(self._tail) - self._keep]
            return
        self._pending += data
        if len(self._pending) > self._max:
            self._head = bytes(self._pending[: self._keep])
            self._tail = self._pending[-self._keep :]
            self._size = len(self._pending)
            self._pending = bytearray()

    def _complete(self, last: bytes) -> Line:
        if self._head is None and not self._pending:
            return last if len(last) <= self._max else bound_line(last, self._max, self._keep)
        self._extend(last)
        if self._head is None:
            line = bytes(self._pending)
            self._pending.clear()
            return line
        long_line = LongLine(
            head=self._head, tail=bytes(self._tail[-self._keep :]), size=self._size
        )
        self._head, self._tail, self._size = None, bytearray(), 0
        return long_line

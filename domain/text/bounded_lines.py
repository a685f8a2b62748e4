"""Lines of a harness's output, each held in bounded memory: an overlong line keeps only its ends.

A harness line can be huge (Pi's `agent_end` repeats every message of the run, a tool call can
carry a whole file), and a reader that holds it whole breaks the constant-memory promise. So a
line longer than `MAX_LINE_BYTES` is delivered as a `LongLine`: its first and last
`LONG_LINE_KEEP_BYTES`, its length, and what a scan of the bytes between them found
(`domain.text.json_middle`). What such a line means is decided by the normalisers from those
(`domain.text.long_json`); the raw transcript file still holds every byte.
"""

from __future__ import annotations

import msgspec

from domain.text.json_middle import Middle, MiddleScanner

# The longest line held whole. Far above the lines that decide a run (usage, final events), and
# low enough that the one line held, plus its decoding, stays well inside a 100 MB process.
MAX_LINE_BYTES = 4 * 1024 * 1024
# What is kept of each end of a longer line: enough for the members around its one big value.
LONG_LINE_KEEP_BYTES = 32 * 1024


class LongLine(msgspec.Struct, frozen=True, kw_only=True):
    """A line longer than the limit: its first and last bytes and its full length (no newline).

    `middle` is what the bytes between the ends held, scanned as they passed; None when no scan
    saw them, so that nothing the ends do not show may be taken as absent.
    """

    head: bytes
    tail: bytes
    size: int
    middle: Middle | None = None


# One line of output, without its newline: whole, or only its ends.
Line = bytes | LongLine


class LongLineBuilder:
    """Builds the `LongLine` of a line too long to hold from its bytes as they arrive.

    It keeps the first `keep` bytes, a window over the last ones (at most twice `keep`) and the
    size, and scans every byte that leaves the window for good (`domain.text.json_middle`).

    >>> builder = LongLineBuilder(keep=3)
    >>> builder.add(b'[1,2,'), builder.add(b'3,4]')
    (None, None)
    >>> builder.line()
    LongLine(head=b'[1,', tail=b',4]', size=9, middle=Middle(depth=1, separated=True))
    """

    def __init__(self, keep: int = LONG_LINE_KEEP_BYTES) -> None:
        self._keep = keep
        self._head = bytearray()
        self._tail = bytearray()
        self._scanner = MiddleScanner()
        self.size = 0

    def add(self, data: bytes | bytearray) -> None:
        """Take the next bytes of the line."""
        self.size += len(data)
        with memoryview(data) as view:
            rest = view
            room = self._keep - len(self._head)
            if room > 0:
                self._head += view[:room]
                rest = view[room:]
                if len(self._head) == self._keep:
                    self._scanner.skim(bytes(self._head))
            if len(rest) > self._keep:
                # The window and all but the last `keep` bytes leave: scanned where they lie.
                self._scanner.scan(self._tail)
                self._scanner.scan(rest[: -self._keep])
                self._tail = bytearray(rest[-self._keep :])
            else:
                self._tail += rest
            rest.release()
        excess = len(self._tail) - self._keep
        if excess > self._keep:
            self._scanner.scan(self._tail[:excess])
            del self._tail[:excess]

    def line(self) -> LongLine:
        """The line's ends, size and middle (it must be longer than twice `keep`)."""
        excess = len(self._tail) - self._keep
        if excess > 0:
            self._scanner.scan(self._tail[:excess])
            del self._tail[:excess]
        return LongLine(
            head=bytes(self._head),
            tail=bytes(self._tail),
            size=self.size,
            middle=self._scanner.middle(),
        )


def bound_line(
    line: bytes, max_line_bytes: int = MAX_LINE_BYTES, keep_bytes: int = LONG_LINE_KEEP_BYTES
) -> Line:
    """`line` itself when it is short enough, else its ends as a `LongLine`.

    >>> bound_line(b"abc")
    b'abc'
    >>> long = bound_line(b'{"a":[1,2,3],"b":4}', max_line_bytes=8, keep_bytes=3)
    >>> long.head, long.tail, long.size, long.middle
    (b'{"a', b':4}', 19, Middle(depth=1, separated=True))
    """
    if len(line) <= max_line_bytes:
        return line
    builder = LongLineBuilder(keep_bytes)
    builder.add(line)
    return builder.line()


class LineSplitter:
    """Splits a byte stream into `Line`s on `\\n` only, in linear time and bounded memory.

    Each chunk is searched once (so one long line costs no more than many short ones), and the
    unfinished line is kept in a buffer of at most `max_line_bytes`; past that only its first and
    last `keep_bytes` are kept.

    >>> splitter = LineSplitter(max_line_bytes=8, keep_bytes=2)
    >>> first, (long, last), end = (
    ...     splitter.feed(b"ab\\ncd"), splitter.feed(b"efghijkl\\nmn\\n"), splitter.finish()
    ... )
    >>> first, long.head, long.tail, long.size, last, end
    ([b'ab'], b'cd', b'kl', 10, b'mn', None)
    """

    def __init__(
        self, max_line_bytes: int = MAX_LINE_BYTES, keep_bytes: int = LONG_LINE_KEEP_BYTES
    ) -> None:
        if not 0 < 2 * keep_bytes <= max_line_bytes:
            raise ValueError("keep_bytes must be positive and at most half of max_line_bytes")
        self._max = max_line_bytes
        self._keep = keep_bytes
        self._pending = bytearray()
        # Once the unfinished line passed the limit: its ends, as they are built.
        self._long: LongLineBuilder | None = None

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
        if self._long is None and not self._pending:
            return None
        return self._complete(b"")

    def _extend(self, data: bytes) -> None:
        if self._long is not None:
            self._long.add(data)
            return
        self._pending += data
        if len(self._pending) > self._max:
            self._long = LongLineBuilder(self._keep)
            self._long.add(self._pending)
            self._pending = bytearray()

    def _complete(self, last: bytes) -> Line:
        if self._long is None and not self._pending:
            return last if len(last) <= self._max else bound_line(last, self._max, self._keep)
        self._extend(last)
        if self._long is None:
            line = bytes(self._pending)
            self._pending.clear()
            return line
        long_line = self._long.line()
        self._long = None
        return long_line

"""One JSON value printed over many lines (`json` output, pretty-printed), assembled as it streams.

A harness's `json` mode prints one object or array; pretty-printed, it spans many lines, none of
which is an event by itself. Pretty-printing never breaks a string across lines, so how far each
line opens or closes the value is known from the line alone: the lines are collected until the
value closes, in at most `MAX_LINE_BYTES` (past that only the document's ends are kept, as for
an overlong line). Input that turns out not to be such a document is handed back line by line.
"""

from __future__ import annotations

import re

import msgspec

from domain.text.bounded_lines import (
    LONG_LINE_KEEP_BYTES,
    MAX_LINE_BYTES,
    Line,
    LongLine,
    LongLineBuilder,
)
from domain.text.depth import exceeds_depth

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_ANY_VALUE = msgspec.json.Decoder(msgspec.Raw)


def _depth_change(line: bytes) -> int | None:
    """How far `line` opens (+) or closes (-) the value; None for an unterminated string."""
    bare = _STRINGS.sub(b"", line)
    if b'"' in bare:
        return None
    return bare.count(b"{") + bare.count(b"[") - bare.count(b"}") - bare.count(b"]")


def opens_document(line: bytes) -> bool:
    """True when `line` starts a JSON object or array that it leaves open.

    >>> opens_document(b"{"), opens_document(b'[{"type":"system"},'), opens_document(b'{"a":1}')
    (True, True, False)
    >>> opens_document(b'{"type":"session","id":"cut off')
    False
    """
    if line.lstrip()[:1] not in (b"{", b"["):
        return False
    change = _depth_change(line)
    return change is not None and change > 0


class Document(msgspec.Struct, frozen=True, kw_only=True):
    """The assembled value: whole, or its ends when it outgrew the limit.

    A whole value nested too deep to decode (`domain.text.depth`) is not checked to be JSON.
    """

    value: Line


class NotADocument(msgspec.Struct, frozen=True, kw_only=True):
    """The lines did not make one value: read them as lines; `lost` lines could not be kept."""

    lines: tuple[Line, ...]
    lost: int = 0


class DocumentAssembler:
    """Collects the lines of one document opened by a line for which `opens_document` holds.

    >>> assembler = DocumentAssembler(b"{")
    >>> assembler.add(b'  "type": "result",'), assembler.add(b'  "is_error": false')
    (None, None)
    >>> assembler.add(b"}")
    Document(value=b'{\\n  "type": "result",\\n  "is_error": false\\n}')
    """

    def __init__(
        self,
        first: bytes,
        max_bytes: int = MAX_LINE_BYTES,
        keep_bytes: int = LONG_LINE_KEEP_BYTES,
    ) -> None:
        self._max = max_bytes
        self._keep = keep_bytes
        self._lines: list[bytes] = [first]
        self._count = 1
        self._size = len(first)
        self._depth = _depth_change(first) or 0
        # Once the document outgrew the limit: its ends, as they are built.
        self._long: LongLineBuilder | None = None

    def add(self, line: Line) -> Document | NotADocument | None:
        """Take the next line: the document when it closes, None while it is open."""
        if isinstance(line, LongLine):
            return self.abandon(line)  # no pretty-printed line is that long
        change = _depth_change(line)
        if change is None or self._depth + change < 0:
            return self.abandon(line)
        self._depth += change
        self._count += 1
        self._size += 1 + len(line)
        if self._long is None:
            self._lines.append(line)
            if self._size > self._max:
                self._long = LongLineBuilder(self._keep)
                self._long.add(b"\n".join(self._lines))
                self._lines = []
        else:
            self._long.add(b"\n" + line)
        if self._depth > 0:
            return None
        if self._long is not None:
            return Document(value=self._long.line())
        joined = b"\n".join(self._lines)
        if exceeds_depth(joined):
            # Too deep to decode, even to check it: its reader measures it and fails closed.
            return Document(value=joined)
        try:
            _ANY_VALUE.decode(joined)
        except (msgspec.DecodeError, UnicodeDecodeError):
            return NotADocument(lines=tuple(self._lines))
        return Document(value=joined)

    def abandon(self, line: Line | None = None) -> NotADocument:
        """Give up (the input ended, or a line no document can hold came): the lines so far."""
        extra: tuple[Line, ...] = () if line is None else (line,)
        if self._long is not None:
            return NotADocument(lines=extra, lost=self._count)
        return NotADocument(lines=(*self._lines, *extra))

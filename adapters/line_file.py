"""`LineSource` over files and stdin, read in large chunks and split by the domain's splitter."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import BinaryIO

from returns.result import Failure, Result, Success

from domain.text.bounded_lines import LONG_LINE_KEEP_BYTES, MAX_LINE_BYTES, Line, LineSplitter
from ports.line_source import InputError

# Large reads keep the per-chunk cost (one split, one list) small against the bytes read.
_CHUNK = 1024 * 1024


class FileLineSource:
    """Reads a file (or stdin when the path is None) line by line, in constant memory."""

    def __init__(
        self, max_line_bytes: int = MAX_LINE_BYTES, keep_bytes: int = LONG_LINE_KEEP_BYTES
    ) -> None:
        self._max_line_bytes = max_line_bytes
        self._keep_bytes = keep_bytes

    def for_each_line(
        self, path: str | None, consume: Callable[[Line], None]
    ) -> Result[int, InputError]:
        """Feed every line to `consume`; missing and unreadable input are error values."""
        name = "stdin" if path is None else path
        try:
            if path is None:
                return Success(self._pump(sys.stdin.buffer, consume))
            with open(path, "rb") as handle:
                return Success(self._pump(handle, consume))
        except FileNotFoundError:
            return Failure(
                InputError(
                    code="input-missing",
                    message=f"no file at {name}; pass an existing transcript file, or - for stdin.",
                )
            )
        except OSError as exc:
            return Failure(
                InputError(
                    code="input-unreadable",
                    message=f"cannot read {name}: {exc.strerror or exc}; check the path and its "
                    "permissions.",
                )
            )

    def _pump(self, handle: BinaryIO, consume: Callable[[Line], None]) -> int:
        splitter = LineSplitter(self._max_line_bytes, self._keep_bytes)
        count = 0
        while chunk := handle.read(_CHUNK):
            lines = splitter.feed(chunk)
            count += len(lines)
            for line in lines:
                consume(line)
        last = splitter.finish()
        if last is not None:
            count += 1
            consume(last)
        return count

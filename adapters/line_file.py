"""`LineSource` over files and stdin, read through Python's buffered binary reader."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import BinaryIO

from returns.result import Failure, Result, Success

from ports.line_source import MAX_LINE_BYTES, InputError


class FileLineSource:
    """Reads a file (or stdin when the path is None) line by line, in constant memory."""

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self._max_line_bytes = max_line_bytes

    def for_each_line(
        self, path: str | None, consume: Callable[[bytes], None]
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

    def _pump(self, handle: BinaryIO, consume: Callable[[bytes], None]) -> int:
        # Binary readline splits on b"\n" only (no universal newlines, U+2028 is just bytes).
        limit = self._max_line_bytes
        count = 0
        while True:
            line = handle.readline(limit)
            if not line:
                return count
            count += 1
            if line[-1:] == b"\n":
                consume(line[:-1])
                continue
            consume(line)  # the last line without a newline, or a line cut at the limit
            if len(line) == limit:
                self._skip_rest_of_line(handle)

    def _skip_rest_of_line(self, handle: BinaryIO) -> None:
        while True:
            rest = handle.readline(self._max_line_bytes)
            if not rest or rest[-1:] == b"\n":
                return

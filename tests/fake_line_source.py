"""An in-memory `LineSource`: named byte strings instead of files, same splitting rules."""

from __future__ import annotations

from collections.abc import Callable

from returns.result import Failure, Result, Success

from domain.harness.normalise import split_lines
from domain.text.bounded_lines import LONG_LINE_KEEP_BYTES, MAX_LINE_BYTES, Line, bound_line
from ports.line_source import InputError


class FakeLineSource:
    """Holds `files` (path to bytes), `stdin`, and paths that exist but cannot be read."""

    def __init__(
        self,
        files: dict[str, bytes] | None = None,
        *,
        stdin: bytes = b"",
        unreadable: frozenset[str] = frozenset(),
        max_line_bytes: int = MAX_LINE_BYTES,
        keep_bytes: int = LONG_LINE_KEEP_BYTES,
    ) -> None:
        self.files = dict(files or {})
        self.stdin = stdin
        self.unreadable = unreadable
        self.max_line_bytes = max_line_bytes
        self.keep_bytes = keep_bytes

    def for_each_line(
        self, path: str | None, consume: Callable[[Line], None]
    ) -> Result[int, InputError]:
        """Feed every line of the named bytes to `consume`."""
        if path is not None and path in self.unreadable:
            return Failure(InputError(code="input-unreadable", message=f"cannot read {path}."))
        if path is not None and path not in self.files:
            return Failure(InputError(code="input-missing", message=f"no file at {path}."))
        data = self.stdin if path is None else self.files[path]
        count = 0
        lines = list(split_lines(data))
        if lines[-1] == b"":
            lines.pop()  # the newline ends the last line; it does not start another
        for line in lines:
            count += 1
            consume(bound_line(line, self.max_line_bytes, self.keep_bytes))
        return Success(count)

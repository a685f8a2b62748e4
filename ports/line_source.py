"""The line-source port: stream the lines of a file (or stdin) to a consumer, keeping none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import msgspec
from returns.result import Result

from domain.text.bounded_lines import Line


class InputError(msgspec.Struct, frozen=True, kw_only=True, tag="input-error"):
    """The input could not be read: `input-missing` or `input-unreadable`."""

    code: str
    message: str


class LineSource(Protocol):
    """Streams lines, split on `\\n` only, to a consumer, each in bounded memory."""

    def for_each_line(
        self, path: str | None, consume: Callable[[Line], None]
    ) -> Result[int, InputError]:
        """Call `consume` with each line of `path` (None: stdin), newline removed; count lines.

        A line longer than `domain.text.bounded_lines.MAX_LINE_BYTES` arrives as a `LongLine` (its
        first and last bytes, its length and a scan of what lay between), never whole.
        """
        ...

"""The line-source port: stream the lines of a file (or stdin) to a consumer, keeping none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import msgspec
from returns.result import Result

# A line longer than this is cut to it (and so, being truncated JSON, counted as malformed): one
# pathological line must not hold unbounded memory. Pi's `agent_end` repeats the whole run's
# messages, so the limit is generous.
MAX_LINE_BYTES = 256 * 1024 * 1024


class InputError(msgspec.Struct, frozen=True, kw_only=True, tag="input-error"):
    """The input could not be read: `input-missing` or `input-unreadable`."""

    code: str
    message: str


class LineSource(Protocol):
    """Streams lines, split on `\\n` only, to a consumer."""

    def for_each_line(
        self, path: str | None, consume: Callable[[bytes], None]
    ) -> Result[int, InputError]:
        """Call `consume` with each line of `path` (None: stdin), newline removed; count lines."""
        ...

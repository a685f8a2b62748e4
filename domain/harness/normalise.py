"""Normalising a harness's output into a `HarnessReport`: one streaming normaliser per harness."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

import msgspec
from returns.result import Failure, Result, Success

from domain.harness.claude import ClaudeNormaliser
from domain.harness.codex import CodexNormaliser
from domain.harness.pi import PiNormaliser
from domain.harness.report import HARNESS_NAMES, HarnessName, HarnessReport
from domain.text.bounded_lines import Line, LineSplitter

_BY_NAME: dict[str, HarnessName] = {name: name for name in HARNESS_NAMES}


class UnknownHarness(msgspec.Struct, frozen=True, kw_only=True, tag="unknown-harness"):
    """The harness name is not one we can read (`unknown-harness`)."""

    code: str = "unknown-harness"
    message: str


def parse_harness(name: str) -> Result[HarnessName, UnknownHarness]:
    """The harness called `name`, or an `unknown-harness` error listing the known ones.

    >>> parse_harness("pi").unwrap(), parse_harness("aider").failure().code
    ('pi', 'unknown-harness')
    """
    if name in _BY_NAME:
        return Success(_BY_NAME[name])
    known = ", ".join(HARNESS_NAMES)
    return Failure(UnknownHarness(message=f"unknown harness {name!r}; use one of: {known}."))


class Normaliser(Protocol):
    """Consumes a harness's output one line at a time, in constant memory."""

    def feed(self, line: Line) -> None:
        """Consume one line, without its newline (a trailing `\\r` is tolerated); an overlong
        line as its ends (`LongLine`)."""
        ...

    @property
    def running_cost_usd(self) -> float | None:
        """The cost reported so far (for the live kill switch), None when none is known."""
        ...

    @property
    def cost_lost(self) -> str | None:
        """Why the running cost can no longer be known (lines that could not be read), or None."""
        ...

    def finish(self, exit_code: int | None) -> HarnessReport:
        """The report for everything fed so far; `exit_code` None means it is not known."""
        ...


def new_normaliser(harness: HarnessName) -> Normaliser:
    """A fresh normaliser for `harness`'s JSON output.

    >>> new_normaliser("codex").running_cost_usd is None
    True
    """
    if harness == "pi":
        return PiNormaliser()
    if harness == "claude":
        return ClaudeNormaliser()
    return CodexNormaliser()


def split_lines(data: bytes) -> Iterator[bytes]:
    """Split on `\\n` only: U+2028 and a lone `\\r` inside a line are not line breaks.

    >>> list(split_lines(b'a\\r\\nb\\xe2\\x80\\xa8c\\n'))
    [b'a\\r', b'b\\xe2\\x80\\xa8c', b'']
    """
    start = 0
    while True:
        end = data.find(b"\n", start)
        if end < 0:
            yield data[start:]
            return
        yield data[start:end]
        start = end + 1


def normalise_lines(
    harness: HarnessName, lines: Iterable[Line], exit_code: int | None
) -> HarnessReport:
    """Feed every line to a new normaliser and finish it.

    >>> normalise_lines("claude", [b'{"type":"system","subtype":"init"}'], 0).complete
    False
    """
    normaliser = new_normaliser(harness)
    for line in lines:
        normaliser.feed(line)
    return normaliser.finish(exit_code)


def normalise_text(harness: HarnessName, data: bytes, exit_code: int | None) -> HarnessReport:
    """Normalise a whole output: JSON lines, or one JSON object or array, even pretty-printed.

    The same reading as a stream (`LineSplitter`, then `feed`), so a transcript in memory and
    the same bytes streamed from a file give the same report.

    >>> normalise_text("pi", b'{"type":"session"}\\n{"type":"agent_start"}\\n', 0).complete
    False
    """
    splitter = LineSplitter()
    lines = splitter.feed(data)
    last = splitter.finish()
    return normalise_lines(harness, lines if last is None else [*lines, last], exit_code)

"""Library API: normalise a harness's output (a file, stdin or bytes) into a `HarnessReport`."""

from __future__ import annotations

from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from domain.harness.normalise import UnknownHarness, new_normaliser, normalise_text, parse_harness
from domain.harness.report import HarnessReport
from entrypoints import bootstrap
from ports.line_source import InputError, LineSource

NormaliseError = UnknownHarness | InputError


def normalise_harness_output(
    harness: str,
    path: str | None,
    *,
    exit_code: int | None = None,
    source: LineSource | None = None,
) -> Result[HarnessReport, NormaliseError]:
    """Stream the transcript at `path` (None: stdin) through `harness`'s normaliser.

    JSON lines, or one JSON object or array even pretty-printed over many lines; bounded
    memory whatever the size. The report says whether the run failed, the `Failure`
    only that the input could not be read (`input-missing`, `input-unreadable`) or the harness
    is unknown (`unknown-harness`).
    """
    parsed = parse_harness(harness)
    if not is_successful(parsed):
        return Failure(parsed.failure())
    source = source if source is not None else bootstrap.line_source()
    normaliser = new_normaliser(parsed.unwrap())
    read = source.for_each_line(path, normaliser.feed)
    if not is_successful(read):
        return Failure(read.failure())
    return Success(normaliser.finish(exit_code))


def normalise_harness_bytes(
    harness: str, data: bytes, *, exit_code: int | None = None
) -> Result[HarnessReport, NormaliseError]:
    """Normalise output already in memory, read exactly as `normalise_harness_output` reads."""
    parsed = parse_harness(harness)
    if not is_successful(parsed):
        return Failure(parsed.failure())
    return Success(normalise_text(parsed.unwrap(), data, exit_code))

"""systemd time spans (`1h 30min`, `90s`, `2min`, `infinity`, plain seconds), read the way
systemd 252's `parse_sec` reads them, so `service-check` judges a unit's timeouts as systemd will.

A span is a sequence of numbers, each with an optional unit (seconds when none), whitespace
optional between them; a number may have a fraction (`1.5h`, `.5s`). The result is whole
microseconds, as systemd keeps it, or `None` for `infinity`.
"""

from __future__ import annotations

import math
import re

import msgspec
from returns.result import Failure, Result, Success

USEC_PER_SEC = 1_000_000
# The largest span systemd keeps; all ones is its `infinity`.
USEC_INFINITY = 2**64 - 1

# systemd's table, in its order: the first suffix that the text starts with wins.
_UNITS: tuple[tuple[str, int], ...] = (
    ("seconds", USEC_PER_SEC),
    ("second", USEC_PER_SEC),
    ("sec", USEC_PER_SEC),
    ("s", USEC_PER_SEC),
    ("minutes", 60 * USEC_PER_SEC),
    ("minute", 60 * USEC_PER_SEC),
    ("min", 60 * USEC_PER_SEC),
    ("months", 2_629_800 * USEC_PER_SEC),
    ("month", 2_629_800 * USEC_PER_SEC),
    ("M", 2_629_800 * USEC_PER_SEC),
    ("msec", 1000),
    ("ms", 1000),
    ("m", 60 * USEC_PER_SEC),
    ("hours", 3600 * USEC_PER_SEC),
    ("hour", 3600 * USEC_PER_SEC),
    ("hr", 3600 * USEC_PER_SEC),
    ("h", 3600 * USEC_PER_SEC),
    ("days", 86_400 * USEC_PER_SEC),
    ("day", 86_400 * USEC_PER_SEC),
    ("d", 86_400 * USEC_PER_SEC),
    ("weeks", 604_800 * USEC_PER_SEC),
    ("week", 604_800 * USEC_PER_SEC),
    ("w", 604_800 * USEC_PER_SEC),
    ("years", 31_557_600 * USEC_PER_SEC),
    ("year", 31_557_600 * USEC_PER_SEC),
    ("y", 31_557_600 * USEC_PER_SEC),
    ("usec", 1),
    ("us", 1),
    ("\u00b5s", 1),
    ("\u03bcs", 1),
)
# As C's strtoll: a `+` needs a digit after it (`+.5` is refused).
_NUMBER = re.compile(r"[ \t\n\r]*(?:\+(?=[0-9]))?([0-9]*)(?:\.([0-9]+))?([ \t\n\r]*)")
_SPACE = " \t\n\r"


class TimeSpan(msgspec.Struct, frozen=True, kw_only=True):
    """A span in whole microseconds; `micros` is None for `infinity`."""

    micros: int | None

    @property
    def seconds(self) -> float:
        """The span in seconds (`math.inf` for infinity)."""
        return math.inf if self.micros is None else self.micros / USEC_PER_SEC


class TimeSpanError(msgspec.Struct, frozen=True, kw_only=True, tag="time-span-error"):
    """The text is not a systemd time span (`time-span-invalid`) or is too long for one
    (`time-span-out-of-range`)."""

    code: str
    message: str


def _invalid(text: str) -> Failure[TimeSpanError]:
    return Failure(
        TimeSpanError(
            code="time-span-invalid",
            message=f"{text!r} is not a systemd time span; write e.g. '90s', '2min', "
            "'1h 30min' or 'infinity' (see systemd.time(7)).",
        )
    )


def _unit(text: str, at: int) -> tuple[int, int]:
    """The multiplier of the unit at `at` (seconds when none) and where the unit ends."""
    for suffix, multiplier in _UNITS:
        if text.startswith(suffix, at):
            return multiplier, at + len(suffix)
    return USEC_PER_SEC, at


def _fraction(digits: str, multiplier: int) -> int:
    """Microseconds of a fraction, truncated digit by digit as systemd does."""
    total, step = 0, multiplier // 10
    for digit in digits:
        total += step * int(digit)
        step //= 10
    return total


def parse_time_span(text: str) -> Result[TimeSpan, TimeSpanError]:
    """Read a systemd time span.

    >>> [parse_time_span(t).unwrap().micros for t in ("1h 30min", "90s", "2min", "300")]
    [5400000000, 90000000, 120000000, 300000000]
    >>> parse_time_span(" infinity ").unwrap().seconds, parse_time_span("5S").failure().code
    (inf, 'time-span-invalid')
    """
    if text.strip(_SPACE) == "infinity":
        return Success(TimeSpan(micros=None))
    total, at, parts = 0, 0, 0
    while at < len(text):
        if not text[at:].strip(_SPACE):
            break
        number = _NUMBER.match(text, at)
        if number is None or not (number.group(1) or number.group(2)):
            return _invalid(text)
        multiplier, at = _unit(text, number.end())
        # As systemd: a number needs a unit or a space before what follows (`5+5`, `1.5.5` are
        # refused; `5s5`, `1 .5` are two numbers).
        if at == number.end() and not number.group(3) and at < len(text):
            return _invalid(text)
        total += int(number.group(1) or "0") * multiplier
        total += _fraction(number.group(2) or "", multiplier)
        parts += 1
        if total >= USEC_INFINITY:
            return Failure(
                TimeSpanError(
                    code="time-span-out-of-range",
                    message=f"{text!r} is longer than systemd can keep; use 'infinity'.",
                )
            )
    if parts == 0:
        return _invalid(text)
    return Success(TimeSpan(micros=total))

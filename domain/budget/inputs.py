"""Validating what a person or a program hands the budget commands: labels, instants, days, ids.

Each parser turns text into a value or an `InputError` with a stable code and a message saying
what to type instead, so bad input never becomes a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime

import msgspec
from returns.result import Failure, Result, Success

from domain.kernel.quantities import is_positive_finite

# GitHub refuses label names longer than 50 characters.
MAX_LABEL_LENGTH = 50
MAX_RUN_ID_LENGTH = 200
# Waiting a day for a lock is a typo, not a plan (and SQLite counts its wait in int milliseconds).
MAX_WAIT_S = 24 * 3600

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/#@+-]*")


class InputError(msgspec.Struct, frozen=True, kw_only=True, tag="input-error"):
    """A command argument could not be understood (`labels-invalid`, `now-invalid`, ...)."""

    code: str
    message: str


def parse_labels(text: str) -> Result[tuple[str, ...], InputError]:
    """Split a comma-separated label list, trimming spaces and dropping repeats; "" means none.

    >>> parse_labels(" bug, loop:budget-xl ,bug").unwrap()
    ('bug', 'loop:budget-xl')
    >>> parse_labels("").unwrap(), parse_labels("a,,b").failure().code
    ((), 'labels-invalid')
    """
    if not text.strip():
        return Success(())
    return check_labels(text.split(","), shown=text)


def check_labels(
    labels: Iterable[str], *, shown: str | None = None
) -> Result[tuple[str, ...], InputError]:
    """Check issue labels (trimmed, non-empty, at most 50 characters, no control characters).

    >>> check_labels(["bug", " bug ", "loop:budget-xl"]).unwrap()
    ('bug', 'loop:budget-xl')
    """
    if isinstance(labels, str):
        # A lone string is iterable too, and would silently become one label per character.
        return Failure(
            InputError(
                code="labels-invalid",
                message=f"labels must be a sequence of names, not the single string {labels!r}; "
                "split it first (parse_labels does).",
            )
        )
    given = tuple(labels)
    kept: list[str] = []
    for position, raw in enumerate(given, start=1):
        label = raw.strip()
        problem = None
        if not label:
            problem = "is empty"
        elif len(label) > MAX_LABEL_LENGTH:
            problem = f"is longer than {MAX_LABEL_LENGTH} characters"
        elif _CONTROL.search(label):
            problem = "contains a control character"
        if problem is not None:
            where = shown if shown is not None else ",".join(given)
            return Failure(
                InputError(
                    code="labels-invalid",
                    message=f"label {position} in {where!r} {problem}; pass GitHub label names "
                    "separated by commas, e.g. --labels bug,loop:budget-large.",
                )
            )
        if label not in kept:
            kept.append(label)
    return Success(tuple(kept))


def parse_instant(text: str) -> Result[datetime, InputError]:
    """Parse an ISO 8601 instant with a UTC offset (`Z` allowed) into an aware UTC datetime.

    >>> parse_instant("2026-11-25T23:30:00-01:00").unwrap().isoformat()
    '2026-11-26T00:30:00+00:00'
    >>> parse_instant("2026-11-25T23:30:00").failure().code
    'now-invalid'
    """
    hint = "give an ISO 8601 instant with an offset, e.g. 2026-11-25T18:00:00Z"
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return Failure(
            InputError(code="now-invalid", message=f"{text!r} is not an ISO 8601 instant; {hint}.")
        )
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        # A naive time would silently take the host's zone, and the books count UTC days.
        return Failure(
            InputError(code="now-invalid", message=f"{text!r} has no UTC offset; {hint}.")
        )
    return Success(parsed.astimezone(UTC))


def utc_day(instant: datetime) -> str:
    """The UTC calendar day (`YYYY-MM-DD`) an aware instant falls on: the unit of daily limits.

    >>> utc_day(parse_instant("2026-11-25T23:59:59.999999Z").unwrap())
    '2026-11-25'
    >>> utc_day(parse_instant("2026-11-26T00:00:00Z").unwrap())
    '2026-11-26'
    """
    if instant.tzinfo is None:
        raise ValueError("utc_day needs an aware datetime")  # a bug: edges parse with an offset
    return instant.astimezone(UTC).date().isoformat()


def format_instant(instant: datetime) -> str:
    """Format an aware instant as the ledger stores and prints it: UTC, seconds, `Z`.

    >>> format_instant(parse_instant("2026-11-25T20:00:00.5+02:00").unwrap())
    '2026-11-25T18:00:00.500000Z'
    """
    utc = instant.astimezone(UTC)
    stamp = utc.strftime("%Y-%m-%dT%H:%M:%S")
    return stamp + (f".{utc.microsecond:06d}Z" if utc.microsecond else "Z")


def parse_day(text: str) -> Result[str, InputError]:
    """Check a `YYYY-MM-DD` calendar day (a UTC day of the books).

    >>> parse_day("2026-02-28").unwrap(), parse_day("2026-02-30").failure().code
    ('2026-02-28', 'day-invalid')
    """
    candidate = text.strip()
    hint = "give a calendar day as YYYY-MM-DD, e.g. 2026-11-25"
    if not _DAY.fullmatch(candidate):
        return Failure(InputError(code="day-invalid", message=f"{text!r} is not a day; {hint}."))
    try:
        date.fromisoformat(candidate)
    except ValueError:
        return Failure(
            InputError(code="day-invalid", message=f"{text!r} is not a real date; {hint}.")
        )
    return Success(candidate)


def parse_run_id(text: str) -> Result[str, InputError]:
    """Check the caller's id for a run: printable, no spaces, at most 200 characters.

    >>> parse_run_id("issue-4#1").unwrap(), parse_run_id("a b").failure().code
    ('issue-4#1', 'run-id-invalid')
    """
    if len(text) > MAX_RUN_ID_LENGTH or not _RUN_ID.fullmatch(text):
        return Failure(
            InputError(
                code="run-id-invalid",
                message=f"run id {text[:60]!r} is not usable; use letters, digits and . _ : / # "
                f"@ + - (starting with a letter or digit), at most {MAX_RUN_ID_LENGTH} characters.",
            )
        )
    return Success(text)


def parse_wait(text: str) -> Result[float, InputError]:
    """Parse `--wait`: seconds to wait for a ledger other processes hold (positive, at most a day).

    >>> parse_wait("0.5").unwrap(), parse_wait("0").failure().code
    (0.5, 'wait-invalid')
    """
    hint = f"give a positive number of seconds, at most {MAX_WAIT_S}, e.g. --wait 5"
    try:
        seconds = float(text.strip())
    except ValueError:
        return Failure(
            InputError(code="wait-invalid", message=f"{text!r} is not a number; {hint}.")
        )
    if not is_positive_finite(seconds) or seconds > MAX_WAIT_S:
        return Failure(
            InputError(code="wait-invalid", message=f"a wait of {text!r} s is not usable; {hint}.")
        )
    return Success(seconds)

"""`service-check`'s decision: a systemd unit must be a oneshot `daemon --once` whose start
timeout holds a whole cycle; and systemd time spans (`1h 30min`, `90s`, `2min`, `infinity`, plain
seconds), read the way systemd 252's `parse_sec` reads them, so the unit is judged as systemd will.

A span is a sequence of numbers, each with an optional unit (seconds when none), whitespace
optional between them; a number may have a fraction (`1.5h`, `.5s`). The result is whole
microseconds, as systemd keeps it, or `None` for `infinity`.
"""

from __future__ import annotations

import math
import re

import msgspec
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from domain.loop.unit_file import Assignment, UnitFile, command_words, last_value, list_values

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


# What systemd needs beyond the runs themselves: start-up, the claim, write-back and notices.
SERVICE_SLACK_S = 300
_SERVICE = "Service"
_TIMEOUT_KEYS = ("TimeoutStartSec", "TimeoutSec")
_TRUE = ("1", "yes", "y", "true", "t", "on")
_SERVICE_TYPES = ("simple", "exec", "forking", "oneshot", "dbus", "notify", "notify-reload", "idle")


class ServiceCheck(msgspec.Struct, frozen=True, kw_only=True):
    """A unit `service-check` accepts: its start timeout against what one cycle may take."""

    # None: no limit (`infinity`, `0`, or none set on a oneshot unit).
    timeout_s: float | None
    # The setting and line that set the timeout; None when the unit sets none.
    timeout_key: str | None
    timeout_line: int | None
    required_s: int
    command: tuple[str, ...]
    notices: tuple[str, ...]


class ServiceError(msgspec.Struct, frozen=True, kw_only=True, tag="service-error"):
    """A unit the loop cannot run under: `service-timeout-too-short` (a refusal), or one that is
    no oneshot running `daemon --once` (`service-not-oneshot`, `service-not-daemon-once`), that
    stays active so the timer never fires again (`service-remains-active`) or whose timeout
    systemd cannot read (`service-timeout-invalid`)."""

    code: str
    message: str


def required_timeout_s(max_runs_per_cycle: int, wall_clock_ceiling_s: int) -> int:
    """The shortest start timeout one cycle fits in: every run at the ceiling, plus slack.

    >>> required_timeout_s(1, 3600), required_timeout_s(2, 2700)
    (3900, 5700)
    """
    return max_runs_per_cycle * wall_clock_ceiling_s + SERVICE_SLACK_S


def format_span(seconds: int) -> str:
    """Whole seconds as a systemd time span that `parse_time_span` reads back.

    >>> format_span(3900), format_span(5700), format_span(45), format_span(0)
    ('1h 5min', '1h 35min', '45s', '0')
    """
    if seconds == 0:
        return "0"
    parts = []
    for suffix, size in (("h", 3600), ("min", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{suffix}")
            seconds %= size
    return " ".join(parts)


def _error(code: str, message: str) -> Failure[ServiceError]:
    return Failure(ServiceError(code=code, message=message))


def _daemon_command(unit: UnitFile) -> Result[tuple[str, ...], ServiceError]:
    """The unit's one command, which must be `engineering-loop daemon --once`."""
    commands = list_values(unit, _SERVICE, "ExecStart")
    want = "run exactly one command, `ExecStart=/path/to/engineering-loop daemon --once`"
    if len(commands) != 1:
        return _error("service-not-daemon-once", f"the unit has {len(commands)} ExecStart=; {want}")
    words = command_words(commands[0].value)
    if not is_successful(words):
        return _error(
            "service-unit-invalid", f"line {commands[0].line}: ExecStart= {words.failure()}"
        )
    argv = words.unwrap()
    name = argv[0].rsplit("/", 1)[-1]
    if name != "engineering-loop" or argv[1:2] != ("daemon",) or "--once" not in argv[2:]:
        shown = " ".join(argv)
        return _error(
            "service-not-daemon-once",
            f"line {commands[0].line}: ExecStart= runs {shown!r}; {want}",
        )
    return Success(argv)


def _is_oneshot(unit: UnitFile) -> Result[None, ServiceError]:
    types = unit.assigned(_SERVICE, "Type")
    for assignment in types:
        if assignment.value not in _SERVICE_TYPES:
            return _error(
                "service-unit-invalid",
                f"line {assignment.line}: Type={assignment.value} is no service type; "
                "systemd would ignore it, so write Type=oneshot",
            )
    remain = last_value(unit, _SERVICE, "RemainAfterExit")
    if remain is not None and remain.value.lower() in _TRUE:
        return _error(
            "service-remains-active",
            f"line {remain.line}: RemainAfterExit={remain.value} keeps the unit active after "
            "the cycle, so the timer never starts another; remove the line",
        )
    if not types or types[-1].value != "oneshot":
        found = "no Type= (simple)" if not types else f"Type={types[-1].value}"
        return _error(
            "service-not-oneshot",
            f"the unit has {found}; the timer needs Type=oneshot so systemd waits for the "
            "cycle to end and never starts a second one beside it",
        )
    return Success(None)


def _start_timeout(unit: UnitFile) -> Result[tuple[TimeSpan, Assignment] | None, ServiceError]:
    """The start timeout systemd applies: the last `TimeoutStartSec=` or `TimeoutSec=`; 0 and
    `infinity` are no limit."""
    found: tuple[TimeSpan, Assignment] | None = None
    for assignment in unit.assignments:
        if assignment.section != _SERVICE or assignment.key not in _TIMEOUT_KEYS:
            continue
        span = parse_time_span(assignment.value)
        if not is_successful(span):
            # systemd ignores such a line with a warning and keeps the timeout before it: a
            # check that guessed the same would hide the typo.
            return _error(
                "service-timeout-invalid",
                f"line {assignment.line}: {assignment.key}={assignment.value!r}: "
                f"{span.failure().message}",
            )
        value = span.unwrap()
        found = (TimeSpan(micros=None) if value.micros == 0 else value, assignment)
    return Success(found)


def check_service_unit(
    unit: UnitFile, *, max_runs_per_cycle: int, wall_clock_ceiling_s: int
) -> Result[ServiceCheck, ServiceError]:
    """Accept a oneshot `daemon --once` unit whose start timeout holds a whole cycle.

    >>> from domain.loop.unit_file import parse_unit_file
    >>> text = "[Service]\\nType=oneshot\\nExecStart=/bin/engineering-loop daemon --once\\n"
    >>> check = lambda t: check_service_unit(
    ...     parse_unit_file(text + t).unwrap(), max_runs_per_cycle=1, wall_clock_ceiling_s=3600)
    >>> check("TimeoutStartSec=1h 30min\\n").unwrap().timeout_s
    5400.0
    >>> check("TimeoutStartSec=1h\\n").failure().code
    'service-timeout-too-short'
    """
    oneshot = _is_oneshot(unit)
    if not is_successful(oneshot):
        return Failure(oneshot.failure())
    command = _daemon_command(unit)
    if not is_successful(command):
        return Failure(command.failure())
    timeout = _start_timeout(unit)
    if not is_successful(timeout):
        return Failure(timeout.failure())
    required = required_timeout_s(max_runs_per_cycle, wall_clock_ceiling_s)
    need = (
        f"max_runs_per_cycle {max_runs_per_cycle} x wall_clock_ceiling_s "
        f"{wall_clock_ceiling_s} + {SERVICE_SLACK_S} s = {required} s"
    )
    found = timeout.unwrap()
    if found is None:
        notice = (
            "the unit sets no TimeoutStartSec: systemd gives a oneshot unit no start timeout, so "
            f"only the loop's own wall clock bounds a cycle ({need})"
        )
        return Success(
            ServiceCheck(
                timeout_s=None,
                timeout_key=None,
                timeout_line=None,
                required_s=required,
                command=command.unwrap(),
                notices=(notice,),
            )
        )
    span, assignment = found
    if span.micros is not None and span.micros < required * USEC_PER_SEC:
        return _error(
            "service-timeout-too-short",
            f"line {assignment.line}: {assignment.key}={assignment.value} ({span.seconds:g} s) "
            f"would stop a cycle the loop may still be running: one cycle may take {need}. "
            f"Set TimeoutStartSec={format_span(required)} or more, or lower [budget] "
            "wall_clock_ceiling_s or [loop] max_runs_per_cycle.",
        )
    notices = (
        (f"{assignment.key}={assignment.value} sets no limit on a cycle",)
        if span.micros is None
        else ()
    )
    return Success(
        ServiceCheck(
            timeout_s=None if span.micros is None else span.seconds,
            timeout_key=assignment.key,
            timeout_line=assignment.line,
            required_s=required,
            command=command.unwrap(),
            notices=notices,
        )
    )

"""`service-check`'s decision: a oneshot `daemon --once` unit whose start timeout holds a cycle."""

from __future__ import annotations

import pytest

from domain.loop.service import (
    ServiceCheck,
    ServiceError,
    check_service_unit,
    format_span,
    parse_time_span,
    required_timeout_s,
)
from domain.loop.unit_file import parse_unit_file

HEAD = "[Service]\nType=oneshot\nExecStart=/opt/el/bin/engineering-loop daemon --once\n"


def _check(text: str, runs: int = 1, ceiling: int = 3600) -> ServiceCheck:
    unit = parse_unit_file(text).unwrap()
    return check_service_unit(unit, max_runs_per_cycle=runs, wall_clock_ceiling_s=ceiling).unwrap()


def _refused(text: str, runs: int = 1, ceiling: int = 3600) -> ServiceError:
    unit = parse_unit_file(text).unwrap()
    checked = check_service_unit(unit, max_runs_per_cycle=runs, wall_clock_ceiling_s=ceiling)
    return checked.failure()


def test_the_minimum_is_every_run_at_the_ceiling_plus_300_seconds() -> None:
    assert required_timeout_s(3, 1800) == 3 * 1800 + 300


def test_a_timeout_of_exactly_the_minimum_is_accepted() -> None:
    assert _check(HEAD + "TimeoutStartSec=3900\n").timeout_s == 3900


def test_a_timeout_one_second_short_is_refused_and_says_the_minimum() -> None:
    error = _refused(HEAD + "TimeoutStartSec=3899\n")
    assert error.code == "service-timeout-too-short"
    assert "3900 s" in error.message
    assert "TimeoutStartSec=1h 5min" in error.message
    assert "line 4" in error.message


def test_spans_such_as_1h_30min_are_read_as_systemd_reads_them() -> None:
    assert _check(HEAD + "TimeoutStartSec=1h 30min\n").timeout_s == 5400
    assert _refused(HEAD + "TimeoutStartSec=1h 30min\n", runs=2).code == "service-timeout-too-short"


def test_1h30_is_one_hour_and_30_seconds_as_systemd_reads_it_so_too_short() -> None:
    error = _refused(HEAD + "TimeoutStartSec=1h30\n")
    assert error.code == "service-timeout-too-short"
    assert "3630 s" in error.message


def test_timeout_sec_sets_the_start_timeout_too() -> None:
    check = _check(HEAD + "TimeoutSec=2h\n")
    assert (check.timeout_s, check.timeout_key) == (7200, "TimeoutSec")
    assert _refused(HEAD + "TimeoutSec=30min\n").code == "service-timeout-too-short"


def test_the_later_of_timeout_sec_and_timeout_start_sec_wins() -> None:
    assert _refused(HEAD + "TimeoutStartSec=2h\nTimeoutSec=10min\n").code == (
        "service-timeout-too-short"
    )
    assert _check(HEAD + "TimeoutSec=10min\nTimeoutStartSec=2h\n").timeout_s == 7200


def test_no_timeout_on_a_oneshot_unit_is_no_limit_with_a_notice() -> None:
    check = _check(HEAD)
    assert (check.timeout_s, check.timeout_key) == (None, None)
    assert "no TimeoutStartSec" in check.notices[0]


@pytest.mark.parametrize("value", ["infinity", "0", " infinity "])
def test_infinity_and_zero_are_no_limit(value: str) -> None:
    check = _check(HEAD + f"TimeoutStartSec={value}\n")
    assert check.timeout_s is None
    assert check.timeout_key == "TimeoutStartSec"
    assert "no limit" in check.notices[0]


@pytest.mark.parametrize("value", ["", "1x", "1h30x", "-5"])
def test_a_timeout_systemd_would_ignore_is_refused_not_guessed(value: str) -> None:
    error = _refused(HEAD + "TimeoutStartSec=2h\n" + f"TimeoutStartSec={value}\n")
    assert error.code == "service-timeout-invalid"


@pytest.mark.parametrize(
    "text",
    [
        "[Service]\nExecStart=/opt/el/bin/engineering-loop daemon --once\n",
        "[Service]\nType=simple\nExecStart=/opt/el/bin/engineering-loop daemon --once\n",
        "[Service]\nType=oneshot\nType=exec\nExecStart=/x/engineering-loop daemon --once\n",
    ],
)
def test_a_unit_that_is_not_oneshot_is_refused(text: str) -> None:
    assert _refused(text).code == "service-not-oneshot"


def test_an_unknown_service_type_is_invalid() -> None:
    text = "[Service]\nType=oneshoot\nExecStart=/x/engineering-loop daemon --once\n"
    assert _refused(text).code == "service-unit-invalid"


@pytest.mark.parametrize(
    "exec_lines",
    [
        "",
        "ExecStart=/x/engineering-loop daemon\n",
        "ExecStart=/x/engineering-loop run --repo a/b --issue 1\n",
        "ExecStart=/x/other-tool daemon --once\n",
        "ExecStart=/x/engineering-loop daemon --once\n" * 2,
        "ExecStart=/x/engineering-loop daemon --once\nExecStart=\n",
    ],
)
def test_a_unit_that_does_not_run_exactly_daemon_once_is_refused(exec_lines: str) -> None:
    assert _refused("[Service]\nType=oneshot\n" + exec_lines).code == "service-not-daemon-once"


def test_an_exec_start_reset_then_set_runs_the_last_command() -> None:
    text = "[Service]\nType=oneshot\nExecStart=/x/tool\nExecStart=\n"
    text += "ExecStart=/x/engineering-loop daemon --once --config /etc/e.toml\n"
    assert _check(text).command[-2:] == ("--config", "/etc/e.toml")


@pytest.mark.parametrize("seconds", [0, 1, 59, 60, 61, 3599, 3600, 3900, 86_400, 90_061])
def test_a_formatted_span_reads_back_as_the_same_seconds(seconds: int) -> None:
    assert parse_time_span(format_span(seconds)).unwrap().micros == seconds * 1_000_000


@pytest.mark.parametrize("value", ["yes", "true", "on", "1"])
def test_a_unit_that_stays_active_after_the_cycle_is_refused(value: str) -> None:
    error = _refused(HEAD + f"TimeoutStartSec=2h\nRemainAfterExit={value}\n")
    assert error.code == "service-remains-active"
    assert _check(HEAD + "TimeoutStartSec=2h\nRemainAfterExit=no\n").timeout_s == 7200

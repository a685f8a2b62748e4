"""systemd time spans as `service-check` reads a unit's timeouts."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.pipeline import is_successful

from domain.loop.service import parse_time_span


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("1h 30min", 5_400_000_000),
        ("90s", 90_000_000),
        ("2min", 120_000_000),
        ("300", 300_000_000),
        ("1.5h", 5_400_000_000),
        ("5 min 3s", 303_000_000),
        ("1ms 1s", 1_001_000),
        ("1hr2", 3_602_000_000),
    ],
)
def test_spans_are_whole_microseconds(text: str, micros: int) -> None:
    assert parse_time_span(text).unwrap().micros == micros


def test_infinity_has_no_end() -> None:
    span = parse_time_span("infinity").unwrap()
    assert span.micros is None
    assert span.seconds == math.inf


@pytest.mark.parametrize("text", ["", "  ", "5S", "1e3", "1.", "2hrs", "Infinity", "1s infinity"])
def test_what_systemd_refuses_is_invalid(text: str) -> None:
    error = parse_time_span(text).failure()
    assert error.code == "time-span-invalid"
    assert "systemd.time(7)" in error.message


def test_a_span_too_long_for_systemd_is_out_of_range() -> None:
    assert parse_time_span("99999999999999999999s").failure().code == "time-span-out-of-range"


@given(st.integers(0, 10**6), st.integers(0, 59))
def test_minutes_and_seconds_add_up(minutes: int, seconds: int) -> None:
    span = parse_time_span(f"{minutes}min {seconds}s").unwrap()
    assert span.seconds == minutes * 60 + seconds


@given(st.text(max_size=30))
def test_any_text_is_a_span_or_an_error_never_a_crash(text: str) -> None:
    result = parse_time_span(text)
    if is_successful(result):
        micros = result.unwrap().micros
        assert micros is None or micros >= 0
    else:
        assert result.failure().code in {"time-span-invalid", "time-span-out-of-range"}

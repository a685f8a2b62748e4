"""Bad command input becomes an error value with a stable code, never an exception."""

from __future__ import annotations

import pytest

from domain.budget.inputs import check_labels, parse_day, parse_instant, parse_labels, parse_run_id
from domain.budget.money import micros_to_usd, parse_usd, usd_to_micros


@pytest.mark.parametrize("text", ["a,,b", ",", "x" * 51, "ok,bad\x07"])
def test_malformed_label_lists_are_labels_invalid(text: str) -> None:
    assert parse_labels(text).failure().code == "labels-invalid"


def test_blank_label_list_means_no_labels() -> None:
    assert parse_labels("  ").unwrap() == ()


@pytest.mark.parametrize("text", ["yesterday", "2026-11-25T10:00:00", "2026-13-01T00:00:00Z", ""])
def test_unusable_instants_are_now_invalid(text: str) -> None:
    assert parse_instant(text).failure().code == "now-invalid"


@pytest.mark.parametrize(
    "text", ["20261125", "2026-11-31", "2026-1-5", "\u0662\u0660\u0662\u0666-11-25"]
)
def test_unusable_days_are_day_invalid(text: str) -> None:
    assert parse_day(text).failure().code == "day-invalid"


@pytest.mark.parametrize("text", ["", " x", "x\n", "a b", "-flag", "x" * 201])
def test_unusable_run_ids_are_run_id_invalid(text: str) -> None:
    assert parse_run_id(text).failure().code == "run-id-invalid"


@pytest.mark.parametrize("text", ["", "abc", "-0.01", "nan", "inf", "1e7", "1,5"])
def test_unusable_costs_are_cost_invalid(text: str) -> None:
    error = parse_usd(text).failure()
    assert error.code == "cost-invalid"
    assert "e.g. 1.25" in error.message


def test_costs_are_kept_to_the_micro_dollar_without_float_drift() -> None:
    assert parse_usd("0.1").unwrap() + parse_usd("0.2").unwrap() == parse_usd("0.3").unwrap()
    assert parse_usd("0.0000015").unwrap() == 2  # half-even at the seventh decimal
    assert usd_to_micros(0.1) + usd_to_micros(0.2) == usd_to_micros(0.3)
    assert micros_to_usd(300_000) == 0.3


def test_a_single_string_is_not_taken_for_a_list_of_labels() -> None:
    assert check_labels("loop:budget-xl").failure().code == "labels-invalid"

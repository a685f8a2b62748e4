"""The status of a run, the cost kill switch and the limits, decided purely."""

from __future__ import annotations

import pytest

from domain.harness.report import HarnessReport, HarnessUsage
from domain.harness.run import RunLimits, cost_cap_reached, limits_problem, run_status


def _report(*, is_error: bool) -> HarnessReport:
    return HarnessReport(
        harness="pi",
        complete=not is_error,
        is_error=is_error,
        error_message="boom" if is_error else None,
        stop_reason="error" if is_error else "stop",
        result_text=None,
        num_turns=1,
        retries=0,
        compactions=0,
        usage=HarnessUsage(),
        total_cost_usd=0.1,
        cost_reported=True,
        models=(),
        unknown_events=0,
        malformed_lines=0,
    )


@pytest.mark.parametrize(
    ("process_status", "for_cost", "is_error", "expected"),
    [
        ("exited", False, False, "completed"),
        # Pi's exit 0 after every model call failed: the report decides.
        ("exited", False, True, "failed"),
        ("timed-out", False, False, "timed-out"),
        ("timed-out", False, True, "timed-out"),
        ("stopped", True, True, "budget-exhausted"),
        # The wall clock ran out while the cost stop waited for the program to exit.
        ("timed-out", True, True, "budget-exhausted"),
        # Stopped for another reason than cost is not a budget verdict.
        ("stopped", False, True, "failed"),
        ("not-found", False, True, "failed"),
        ("not-executable", False, True, "failed"),
    ],
)
def test_status_table(process_status: str, for_cost: bool, is_error: bool, expected: str) -> None:
    report = _report(is_error=is_error)
    assert run_status(process_status, stopped_for_cost=for_cost, report=report) == expected


def test_cost_cap_is_reached_at_the_cap_not_before() -> None:
    assert not cost_cap_reached(0.0999, 0.1)
    assert cost_cap_reached(0.1, 0.1)
    assert cost_cap_reached(0.2, 0.1)


def test_no_cap_or_no_reported_cost_never_stops() -> None:
    assert not cost_cap_reached(100.0, None)
    assert not cost_cap_reached(None, 0.01)


@pytest.mark.parametrize(
    ("limits", "code"),
    [
        (RunLimits(timeout_s=-1), "harness-timeout-invalid"),
        (RunLimits(timeout_s=float("nan")), "harness-timeout-invalid"),
        # An infinite wall clock is no wall clock at all.
        (RunLimits(timeout_s=float("inf")), "harness-timeout-invalid"),
        (RunLimits(timeout_s=float("-inf")), "harness-timeout-invalid"),
        (RunLimits(timeout_s=10, max_cost_usd=float("inf")), "harness-cost-cap-invalid"),
        (RunLimits(timeout_s=10, max_cost_usd=0), "harness-cost-cap-invalid"),
        (RunLimits(timeout_s=10, max_cost_usd=float("nan")), "harness-cost-cap-invalid"),
    ],
)
def test_nonsense_limits_are_refused(limits: RunLimits, code: str) -> None:
    problem = limits_problem(limits)
    assert problem is not None
    assert problem.code == code

"""The library functions: configuration defaults, input checks and the books, on fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from returns.result import Failure, Result, Success

from domain.budget.config import BudgetConfig, DailyLimits, RunLimits
from domain.budget.plan import DayTotals
from domain.budget.spend import ObservedSpend
from domain.config import ConfigError
from domain.harness.normalise import normalise_text
from domain.harness.report import HarnessReport
from entrypoints.api.budget import (
    ClosedRun,
    close_harness_run,
    close_run,
    load_budget_config,
    plan_run,
    reserve_run,
    settle_run,
    show_ledger,
)
from tests.fakes.ledger import FakeLedger

NOW = datetime(2026, 11, 25, 23, 59, 59, tzinfo=UTC)
POLICY = BudgetConfig()
# A real Pi transcript: a retried call, then success; it prints $0.00924 as it goes.
PI_RUN = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "harness"
    / "pi"
    / "http-500-then-success.jsonl"
)
PI_COST_MICROS = 9_240


class FakeConfigSource:
    """Holds configuration files by name; None is the default file in the working directory."""

    def __init__(self, files: dict[str | None, str], error: str = "config-missing") -> None:
        self.files = files
        self.error = error

    def read(self, path: str | None) -> Result[tuple[str, str], ConfigError]:
        if path in self.files:
            return Success((path or "engineering-loop.toml", self.files[path]))
        return Failure(ConfigError(code=self.error, message=f"no {path}"))


def test_a_missing_default_configuration_file_means_the_embedded_defaults() -> None:
    assert load_budget_config(None, source=FakeConfigSource({})).unwrap() == BudgetConfig()


def test_a_missing_explicitly_named_configuration_file_is_config_missing() -> None:
    result = load_budget_config("team.toml", source=FakeConfigSource({}))
    assert result.failure().code == "config-missing"


def test_an_unreadable_default_configuration_file_is_never_replaced_by_defaults() -> None:
    source = FakeConfigSource({}, error="config-unreadable")
    assert load_budget_config(None, source=source).failure().code == "config-unreadable"


def test_the_budget_section_of_the_found_file_is_used() -> None:
    source = FakeConfigSource({None: "[budget.daily]\nmax_runs = 7\n"})
    assert load_budget_config(None, source=source).unwrap().daily.max_runs == 7


def test_planning_without_a_ledger_plans_against_an_empty_day() -> None:
    planned = plan_run(["loop:budget-large"], config=POLICY, now=NOW).unwrap()
    assert planned.today == DayTotals(day="2026-11-25")
    assert planned.budget.max_cost_micros == 7_500_000


def test_planning_against_a_ledger_never_written_is_ledger_missing() -> None:
    result = plan_run([], config=POLICY, ledger=FakeLedger(), now=NOW)
    assert result.failure().code == "ledger-missing"


def test_bad_labels_are_refused_before_the_ledger_is_touched() -> None:
    ledger = FakeLedger()
    result = reserve_run(["ok", " "], "run-1", config=POLICY, ledger=ledger, now=NOW)
    assert result.failure().code == "labels-invalid"
    assert not ledger.exists


def test_a_bad_run_id_is_refused_before_the_ledger_is_touched() -> None:
    ledger = FakeLedger()
    assert reserve_run([], "", config=POLICY, ledger=ledger, now=NOW).failure().code == (
        "run-id-invalid"
    )
    assert not ledger.exists


def test_a_policy_built_in_code_with_a_run_cap_under_the_minimum_is_config_invalid() -> None:
    # The library takes a BudgetConfig value, not only a file: it gets the file's check too.
    ledger = FakeLedger()
    cheap = BudgetConfig(run=RunLimits(max_cost_usd=0.25))
    assert plan_run([], config=cheap, now=NOW).failure().code == "config-invalid"
    assert reserve_run([], "run-1", config=cheap, ledger=ledger, now=NOW).failure().code == (
        "config-invalid"
    )
    assert not ledger.exists


def test_a_negative_cost_cannot_be_settled() -> None:
    ledger = FakeLedger()
    grant = reserve_run([], "run-1", config=POLICY, ledger=ledger, now=NOW).unwrap()
    result = settle_run(grant.reservation.reservation_id, -1, ledger=ledger, now=NOW)
    assert result.failure().code == "cost-invalid"


def test_reservations_are_counted_on_the_utc_day_they_were_made() -> None:
    ledger = FakeLedger()
    policy = BudgetConfig(daily=DailyLimits(max_cost_usd=10.0, max_runs=1))
    reserve_run([], "late", config=policy, ledger=ledger, now=NOW).unwrap()
    assert reserve_run([], "again", config=policy, ledger=ledger, now=NOW).failure().code == (
        "daily-runs-exhausted"
    )
    next_day = NOW + timedelta(seconds=1)
    grant = reserve_run([], "early", config=policy, ledger=ledger, now=next_day).unwrap()
    assert grant.reservation.day == "2026-11-26"


def test_show_reports_stale_reservations_of_every_day_and_still_counts_them() -> None:
    ledger = FakeLedger()
    old = reserve_run([], "crashed", config=POLICY, ledger=ledger, now=NOW).unwrap()
    later = NOW + timedelta(seconds=POLICY.stale_after_s + 1)
    reserve_run([], "fresh", config=POLICY, ledger=ledger, now=later).unwrap()
    books = show_ledger(config=POLICY, ledger=ledger, now=later).unwrap()
    assert books.totals.day == "2026-11-26"
    assert [r.run_id for r in books.reservations] == ["fresh"]
    assert books.stale == (old.reservation,)
    assert ledger.day_summary("2026-11-25").unwrap().reserved_micros == 5_000_000


def test_a_settled_reservation_is_never_stale() -> None:
    ledger = FakeLedger()
    grant = reserve_run([], "done", config=POLICY, ledger=ledger, now=NOW).unwrap()
    settle_run(grant.reservation.reservation_id, 0, ledger=ledger, now=NOW).unwrap()
    later = NOW + timedelta(days=3)
    assert show_ledger(config=POLICY, ledger=ledger, now=later).unwrap().stale == ()


def test_closing_an_over_budget_run_charges_what_it_reported_and_forbids_publishing() -> None:
    ledger = FakeLedger()
    grant = reserve_run([], "run-1", config=POLICY, ledger=ledger, now=NOW).unwrap()
    spend = ObservedSpend(total_cost_usd=6.5, num_turns=10, wall_clock_s=100.0)
    closed = close_run(grant, spend, config=POLICY, ledger=ledger, now=NOW).unwrap()
    assert (closed.judgement.status, closed.judgement.publish_allowed) == (
        "budget-exhausted",
        False,
    )
    assert ledger.day_summary("2026-11-25").unwrap().spent_micros == 6_500_000


def test_closing_a_run_of_unknown_cost_charges_its_whole_reservation() -> None:
    ledger = FakeLedger()
    grant = reserve_run(["loop:budget-large"], "run-1", config=POLICY, ledger=ledger, now=NOW)
    spend = ObservedSpend(total_cost_usd=None, num_turns=10, wall_clock_s=100.0)
    policy = BudgetConfig(unknown_cost="refuse-publish")
    closed = close_run(grant.unwrap(), spend, config=policy, ledger=ledger, now=NOW).unwrap()
    assert (closed.judgement.verdict, closed.judgement.publish_allowed) == ("cost-unknown", False)
    assert closed.settlement.reservation.settled_micros == 7_500_000


def pi_report(*, cut_off: bool = False, garbage: bool = False) -> HarnessReport:
    lines = PI_RUN.read_bytes().splitlines()
    if cut_off:
        lines = lines[:-1]  # killed before its final event: no exit code either
    if garbage:
        lines.append(b"not json")
    return normalise_text("pi", b"\n".join(lines), None if cut_off else 0)


def close_pi_run(report: HarnessReport, policy: BudgetConfig = POLICY) -> ClosedRun:
    ledger = FakeLedger()
    grant = reserve_run([], "run-1", config=policy, ledger=ledger, now=NOW).unwrap()
    closed = close_harness_run(grant, report, 60.0, config=policy, ledger=ledger, now=NOW)
    assert ledger.day_summary("2026-11-25").unwrap().reserved_micros == 0
    return closed.unwrap()


def test_closing_a_complete_harness_run_charges_the_cost_it_printed() -> None:
    closed = close_pi_run(pi_report())
    assert (closed.judgement.verdict, closed.judgement.publish_allowed) == ("within-budget", True)
    assert closed.settlement.reservation.settled_micros == PI_COST_MICROS


def test_closing_a_cut_off_harness_run_charges_its_whole_reservation_not_what_it_printed() -> None:
    report = pi_report(cut_off=True)
    assert (report.complete, report.cost_reported) == (False, True)
    assert report.total_cost_usd == 0.00924  # printed, and well under the $5 cap
    closed = close_pi_run(report)
    assert closed.judgement.verdict == "cost-unknown"
    assert closed.judgement.charge_micros == 5_000_000
    assert closed.settlement.reservation.settled_micros == 5_000_000


def test_closing_a_harness_run_with_unreadable_lines_charges_its_whole_reservation() -> None:
    report = pi_report(garbage=True)
    assert (report.complete, report.malformed_lines) == (True, 1)
    closed = close_pi_run(report)
    assert (closed.judgement.verdict, closed.settlement.reservation.settled_micros) == (
        "cost-unknown",
        5_000_000,
    )


def test_closing_a_cut_off_harness_run_already_over_its_cap_is_over_budget() -> None:
    tiny = BudgetConfig(min_run_cost_usd=0.0, run=RunLimits(max_cost_usd=0.005))
    closed = close_pi_run(pi_report(cut_off=True), tiny)
    assert (closed.judgement.verdict, closed.judgement.publish_allowed) == ("over-budget", False)
    assert closed.settlement.reservation.settled_micros == PI_COST_MICROS


def test_closing_a_harness_run_with_an_impossible_duration_is_a_bug() -> None:
    ledger = FakeLedger()
    grant = reserve_run([], "run-1", config=POLICY, ledger=ledger, now=NOW).unwrap()
    with pytest.raises(ValueError, match="duration_s"):
        close_harness_run(grant, pi_report(), float("nan"), config=POLICY, ledger=ledger)

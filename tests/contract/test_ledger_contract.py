"""One suite, two ledgers: the in-memory fake and SQLite must keep the same books."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from returns.result import Result

from adapters.sqlite_ledger import SqliteLedger
from domain.budget.config import BudgetConfig, DailyLimits
from domain.budget.plan import BudgetRefusal, DayTotals, RunBudget, plan_budget
from ports.ledger import Ledger, Planner
from tests.fakes.ledger import FakeLedger

DAY = "2026-11-25"
AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
POLICY = BudgetConfig()
BASE = partial(plan_budget, (), POLICY)
XL = partial(plan_budget, ("loop:budget-xl",), POLICY)


@pytest.fixture(params=["fake", "sqlite"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    if request.param == "fake":
        yield FakeLedger()
        return
    sqlite = SqliteLedger(str(tmp_path / "ledger.sqlite"))
    yield sqlite
    sqlite.close()


def reserve(ledger: Ledger, plan: Planner = BASE, day: str = DAY, run_id: str = "run-1") -> str:
    at = datetime.fromisoformat(f"{day}T10:00:00+00:00")
    return (
        ledger.reserve(run_id=run_id, day=day, at=at, plan=plan).unwrap().reservation.reservation_id
    )


def totals(ledger: Ledger, day: str = DAY) -> DayTotals:
    return ledger.day_summary(day).unwrap()


def test_reading_a_ledger_nothing_was_ever_reserved_in_is_ledger_missing(ledger: Ledger) -> None:
    assert ledger.day_summary(DAY).failure().code == "ledger-missing"
    assert ledger.history().failure().code == "ledger-missing"
    assert ledger.settle("rsv-x", cost_micros=1, at=AT).failure().code == "ledger-missing"


def test_reserving_records_the_planned_cost_cap_as_reserved(ledger: Ledger) -> None:
    grant = ledger.reserve(run_id="run-1", day=DAY, at=AT, plan=XL).unwrap()
    assert grant.reservation.reserved_micros == grant.budget.max_cost_micros == 10_000_000
    assert (grant.reservation.run_id, grant.reservation.day) == ("run-1", DAY)
    assert grant.reservation.reserved_at == AT
    assert totals(ledger) == DayTotals(day=DAY, reserved_micros=10_000_000, runs=1)


def test_the_planner_sees_open_reservations_of_the_day(ledger: Ledger) -> None:
    seen: list[DayTotals] = []

    def spy(today: DayTotals) -> Result[RunBudget, BudgetRefusal]:
        seen.append(today)
        return BASE(today)

    reserve(ledger)
    ledger.reserve(run_id="run-2", day=DAY, at=AT, plan=spy).unwrap()
    assert seen == [DayTotals(day=DAY, reserved_micros=5_000_000, runs=1)]


def test_a_refusal_records_nothing(ledger: Ledger) -> None:
    reserve(ledger, XL)
    refusal = ledger.reserve(run_id="run-2", day=DAY, at=AT, plan=BASE).failure()
    assert refusal.code == "daily-cost-exhausted"
    assert totals(ledger).runs == 1
    assert len(ledger.history().unwrap()) == 1


def test_settling_moves_the_reservation_to_the_actual_cost(ledger: Ledger) -> None:
    reservation_id = reserve(ledger)
    settled = ledger.settle(reservation_id, cost_micros=1_250_000, at=AT).unwrap()
    assert not settled.replayed
    assert settled.reservation.settled_micros == 1_250_000
    assert settled.reservation.settled_at == AT
    assert totals(ledger) == DayTotals(day=DAY, spent_micros=1_250_000, runs=1)


def test_repeating_a_settlement_changes_nothing(ledger: Ledger) -> None:
    reservation_id = reserve(ledger)
    ledger.settle(reservation_id, cost_micros=1_250_000, at=AT).unwrap()
    again = ledger.settle(reservation_id, cost_micros=1_250_000, at=AT + timedelta(hours=1))
    assert again.unwrap().replayed
    assert again.unwrap().reservation.settled_at == AT
    assert totals(ledger) == DayTotals(day=DAY, spent_micros=1_250_000, runs=1)


def test_settling_again_with_another_cost_is_refused_and_the_first_stands(ledger: Ledger) -> None:
    reservation_id = reserve(ledger)
    ledger.settle(reservation_id, cost_micros=1_250_000, at=AT).unwrap()
    error = ledger.settle(reservation_id, cost_micros=2_000_000, at=AT).failure()
    assert error.code == "reservation-already-settled"
    assert totals(ledger).spent_micros == 1_250_000


@pytest.mark.parametrize("cost", [-1, 2**63, 10**30])
def test_a_cost_the_books_cannot_hold_is_cost_invalid_and_records_nothing(
    ledger: Ledger, cost: int
) -> None:
    reservation_id = reserve(ledger)
    assert ledger.settle(reservation_id, cost_micros=cost, at=AT).failure().code == "cost-invalid"
    assert ledger.settle(reservation_id, cost_micros=5, at=AT).unwrap().replayed is False


def test_settling_an_unknown_reservation_is_reservation_unknown(ledger: Ledger) -> None:
    reserve(ledger)
    assert ledger.settle("rsv-nope", cost_micros=1, at=AT).failure().code == ("reservation-unknown")


def test_an_overspent_run_is_recorded_in_full_and_exhausts_the_day(ledger: Ledger) -> None:
    reservation_id = reserve(ledger)
    ledger.settle(reservation_id, cost_micros=11_000_000, at=AT).unwrap()
    assert totals(ledger).spent_micros == 11_000_000
    refusal = ledger.reserve(run_id="run-2", day=DAY, at=AT, plan=BASE).failure()
    assert refusal.code == "daily-cost-exhausted"


def test_a_reservation_counts_on_its_own_day_even_when_settled_the_next(ledger: Ledger) -> None:
    reservation_id = reserve(ledger, day="2026-11-25")
    ledger.settle(reservation_id, cost_micros=3_000_000, at=AT + timedelta(days=1)).unwrap()
    assert totals(ledger, "2026-11-25").spent_micros == 3_000_000
    assert totals(ledger, "2026-11-26") == DayTotals(day="2026-11-26")


def test_history_lists_reservations_oldest_first_and_filters_by_day(ledger: Ledger) -> None:
    first = reserve(ledger, day="2026-11-24", run_id="a")
    second = reserve(ledger, day="2026-11-25", run_id="b")
    third = reserve(ledger, day="2026-11-25", run_id="c")
    everything = ledger.history().unwrap()
    assert [r.reservation_id for r in everything] == [first, second, third]
    assert [r.run_id for r in ledger.history("2026-11-25").unwrap()] == ["b", "c"]
    assert ledger.history("2026-01-01").unwrap() == ()


def test_reservation_ids_are_unique(ledger: Ledger) -> None:
    policy = BudgetConfig(daily=DailyLimits(max_cost_usd=1000.0, max_runs=50))
    plan = partial(plan_budget, (), policy)
    ids = {reserve(ledger, plan, run_id=f"r{n}") for n in range(20)}
    assert len(ids) == 20

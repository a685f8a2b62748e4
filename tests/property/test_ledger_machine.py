"""A stateful machine of reserve / settle / crash / new day against both ledgers.

At every step the books of every day keep spent + reserved within the daily cap and the runs
within the daily count, settled totals equal exactly what was reported, and reservations whose
process crashed stay counted in full.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from returns.pipeline import is_successful

from adapters.sqlite_ledger import SqliteLedger
from domain.budget.config import BudgetConfig, DailyLimits
from domain.budget.inputs import utc_day
from domain.budget.money import usd_to_micros
from domain.budget.plan import BudgetRefusal, remaining_micros
from entrypoints.api.budget import reserve_run, settle_run
from ports.ledger import Ledger
from tests.fakes.ledger import FakeLedger

POLICY = BudgetConfig(daily=DailyLimits(max_cost_usd=20.0, max_runs=6))
DAILY_CAP = usd_to_micros(POLICY.daily.max_cost_usd)
LABELS = st.sampled_from([(), ("loop:budget-large",), ("loop:budget-xl",), ("bug",)])


class LedgerBooks(RuleBasedStateMachine):
    """The model: what each reservation reserved, and what was reported for it."""

    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
        self.ledger = self.open_ledger()
        self.reserved: dict[str, tuple[str, int]] = {}  # id -> (day, micros)
        # Reservations whose process is still alive, in reservation order: the ids are random,
        # so sorting them would make hypothesis draw differently when it replays a case.
        self.running: dict[str, None] = {}
        self.reported: dict[str, int] = {}  # id -> cost reported at settlement
        self.runs = 0

    def open_ledger(self) -> Ledger:
        return FakeLedger()

    @rule(labels=LABELS, minutes=st.integers(0, 180))
    def reserve(self, labels: tuple[str, ...], minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        self.runs += 1
        result = reserve_run(
            labels, f"run-{self.runs}", config=POLICY, ledger=self.ledger, now=self.now
        )
        if is_successful(result):
            reservation = result.unwrap().reservation
            assert reservation.day == utc_day(self.now)
            self.reserved[reservation.reservation_id] = (
                reservation.day,
                reservation.reserved_micros,
            )
            self.running[reservation.reservation_id] = None
            return
        refusal = result.failure()
        assert isinstance(refusal, BudgetRefusal), refusal
        today = self.ledger.day_summary(utc_day(self.now)).unwrap()
        if refusal.code == "daily-runs-exhausted":
            assert today.runs >= POLICY.daily.max_runs
        else:
            assert remaining_micros(POLICY, today) < usd_to_micros(POLICY.min_run_cost_usd)

    @precondition(lambda self: bool(self.running))
    @rule(data=st.data())
    def settle(self, data: st.DataObject) -> None:
        reservation_id = data.draw(st.sampled_from(list(self.running)))
        cap = self.reserved[reservation_id][1]
        cost = data.draw(st.integers(0, cap))
        settled = settle_run(reservation_id, cost, ledger=self.ledger, now=self.now).unwrap()
        assert not settled.replayed
        del self.running[reservation_id]
        self.reported[reservation_id] = cost

    @precondition(lambda self: bool(self.reported))
    @rule(data=st.data())
    def settle_again(self, data: st.DataObject) -> None:
        reservation_id = data.draw(st.sampled_from(list(self.reported)))
        cost = self.reported[reservation_id]
        assert settle_run(reservation_id, cost, ledger=self.ledger, now=self.now).unwrap().replayed

    @precondition(lambda self: bool(self.running))
    @rule(data=st.data())
    def crash(self, data: st.DataObject) -> None:
        # The process running this reservation dies: nobody will ever settle it.
        del self.running[data.draw(st.sampled_from(list(self.running)))]
        self.restart()

    def restart(self) -> None:
        """A new process opens the same books (the fake's books live in memory only)."""

    @rule(hours=st.integers(1, 30))
    def later(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @invariant()
    def books_balance(self) -> None:
        days = {day for day, _ in self.reserved.values()} | {utc_day(self.now)}
        for day in sorted(days):
            summary = self.ledger.day_summary(day)
            if not is_successful(summary):
                assert summary.failure().code == "ledger-missing"
                assert not self.reserved
                continue
            totals = summary.unwrap()
            of_day = [rid for rid, (d, _) in self.reserved.items() if d == day]
            assert totals.spent_micros + totals.reserved_micros <= DAILY_CAP
            assert totals.runs == len(of_day) <= POLICY.daily.max_runs
            assert totals.spent_micros == sum(self.reported.get(rid, 0) for rid in of_day)
            assert totals.reserved_micros == sum(
                self.reserved[rid][1] for rid in of_day if rid not in self.reported
            )


class SqliteLedgerBooks(LedgerBooks):
    """The same machine on a real SQLite file, reopened after every crash."""

    def open_ledger(self) -> Ledger:
        self.directory = Path(tempfile.mkdtemp(prefix="ledger-machine-"))
        self.sqlite = SqliteLedger(str(self.directory / "ledger.sqlite"))
        return self.sqlite

    def restart(self) -> None:
        self.sqlite.close()
        self.sqlite = SqliteLedger(str(self.directory / "ledger.sqlite"))
        self.ledger = self.sqlite

    def teardown(self) -> None:
        self.sqlite.close()
        shutil.rmtree(self.directory, ignore_errors=True)


TestFakeLedgerBooks = LedgerBooks.TestCase
TestFakeLedgerBooks.settings = settings(max_examples=60, stateful_step_count=30)
TestSqliteLedgerBooks = SqliteLedgerBooks.TestCase
TestSqliteLedgerBooks.settings = settings(max_examples=30, stateful_step_count=30)

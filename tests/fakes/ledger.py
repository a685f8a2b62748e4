"""An in-memory `Ledger` that keeps state; the contract suite holds it to `SqliteLedger`."""

from __future__ import annotations

from datetime import datetime

import msgspec
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from domain.budget.ledger import Reservation, day_totals
from domain.budget.plan import BudgetRefusal, DayTotals
from ports.ledger import LedgerError, Planner, ReservationGrant, Settlement


class FakeLedger:
    """Keeps reservations in a list; exists once something was reserved, like a ledger file."""

    def __init__(self) -> None:
        """Start with no books at all (reads answer `ledger-missing`)."""
        self.reservations: list[Reservation] = []
        self.exists = False
        self._next_id = 0

    def reserve(
        self, *, run_id: str, day: str, at: datetime, plan: Planner
    ) -> Result[ReservationGrant, LedgerError | BudgetRefusal]:
        """Ask `plan` with the day's totals and record the reservation it allows."""
        self.exists = True
        decision = plan(day_totals(day, self.reservations))
        if not is_successful(decision):
            return Failure(decision.failure())
        budget = decision.unwrap()
        self._next_id += 1
        reservation = Reservation(
            reservation_id=f"rsv-fake-{self._next_id}",
            run_id=run_id,
            day=day,
            reserved_micros=budget.max_cost_micros,
            reserved_at=at,
        )
        self.reservations.append(reservation)
        return Success(ReservationGrant(reservation=reservation, budget=budget))

    def settle(
        self, reservation_id: str, *, cost_micros: int, at: datetime
    ) -> Result[Settlement, LedgerError]:
        """Record the cost once; the same settlement again is a replay, another cost a refusal."""
        if not self.exists:
            return Failure(LedgerError(code="ledger-missing", message="no fake ledger yet"))
        if not 0 <= cost_micros < 2**63:
            return Failure(LedgerError(code="cost-invalid", message="out of the books' range"))
        for index, reservation in enumerate(self.reservations):
            if reservation.reservation_id != reservation_id:
                continue
            if reservation.settled_micros is None:
                settled = msgspec.structs.replace(
                    reservation, settled_micros=cost_micros, settled_at=at
                )
                self.reservations[index] = settled
                return Success(Settlement(reservation=settled, replayed=False))
            if reservation.settled_micros == cost_micros:
                return Success(Settlement(reservation=reservation, replayed=True))
            return Failure(
                LedgerError(code="reservation-already-settled", message="settled before")
            )
        return Failure(LedgerError(code="reservation-unknown", message=f"no {reservation_id}"))

    def day_summary(self, day: str) -> Result[DayTotals, LedgerError]:
        """The day's totals, summed by the domain's own rule."""
        if not self.exists:
            return Failure(LedgerError(code="ledger-missing", message="no fake ledger yet"))
        return Success(day_totals(day, self.reservations))

    def history(self, day: str | None = None) -> Result[tuple[Reservation, ...], LedgerError]:
        """Every reservation (of one day), oldest first."""
        if not self.exists:
            return Failure(LedgerError(code="ledger-missing", message="no fake ledger yet"))
        return Success(tuple(r for r in self.reservations if day is None or r.day == day))

"""The spend ledger port: the books of reservations and settlements that daily limits are kept by.

Technology-neutral on purpose: an embedded SQLite file backs it on one machine, a server database
can back it when several machines share one budget. The ledger records; the budget policy (a pure
function handed to `reserve`) decides.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal, Protocol

import msgspec
from returns.result import Result

from domain.budget.ledger import Reservation
from domain.budget.plan import BudgetRefusal, DayTotals, RunBudget

LedgerErrorCode = Literal[
    "ledger-unreadable",  # corrupt, not a ledger, or written by a newer version: never "zero spend"
    "ledger-missing",  # nothing has ever been reserved in this ledger (only `reserve` creates one)
    "ledger-dir-missing",  # the directory meant to hold the ledger does not exist
    "ledger-busy",  # other processes held the ledger longer than the wait allowed (exit 1)
    "reservation-unknown",
    "reservation-already-settled",  # settled before with a different cost; the books stand
    "cost-invalid",  # a settlement below 0 or beyond what the books hold (64-bit micro-dollars)
]

# How long an operation waits for a ledger other processes hold before it is `ledger-busy`.
DEFAULT_LEDGER_WAIT_S = 30.0

# Decides, from the day's totals read inside the reservation's transaction, what a run may spend.
Planner = Callable[[DayTotals], Result[RunBudget, BudgetRefusal]]


class LedgerError(msgspec.Struct, frozen=True, kw_only=True, tag="ledger-error"):
    """The ledger could not be read or written, or refused a settlement."""

    code: LedgerErrorCode
    message: str


class ReservationGrant(msgspec.Struct, frozen=True, kw_only=True):
    """A recorded reservation and the budget it reserved (its `max_cost_micros`)."""

    reservation: Reservation
    budget: RunBudget


class Settlement(msgspec.Struct, frozen=True, kw_only=True):
    """A settled reservation; `replayed` when this exact settlement had been recorded before."""

    reservation: Reservation
    replayed: bool


class Ledger(Protocol):
    """Append-only books of run reservations, safe for many processes at once."""

    def reserve(
        self, *, run_id: str, day: str, at: datetime, plan: Planner
    ) -> Result[ReservationGrant, LedgerError | BudgetRefusal]:
        """Atomically read `day`'s totals, ask `plan`, and record a reservation of its cost cap."""
        ...

    def settle(
        self, reservation_id: str, *, cost_micros: int, at: datetime
    ) -> Result[Settlement, LedgerError]:
        """Record a reservation's actual cost once; repeating that settlement changes nothing."""
        ...

    def day_summary(self, day: str) -> Result[DayTotals, LedgerError]:
        """Totals of one UTC day: settled spend, open reservations (counted in full) and runs."""
        ...

    def history(self, day: str | None = None) -> Result[tuple[Reservation, ...], LedgerError]:
        """Every reservation (of one day, or of all days), oldest first."""
        ...

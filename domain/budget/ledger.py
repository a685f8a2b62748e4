"""The records of the spend ledger and the pure rules for reading them: totals and staleness."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import msgspec

from domain.budget.plan import DayTotals


class Reservation(msgspec.Struct, frozen=True, kw_only=True):
    """One run's reservation of its cost cap and, once settled, the cost it really had."""

    reservation_id: str
    run_id: str
    # The UTC day the reservation counts against, even when it is settled on a later day.
    day: str
    reserved_micros: int
    reserved_at: datetime
    settled_micros: int | None = None
    settled_at: datetime | None = None

    @property
    def settled(self) -> bool:
        """True once the actual cost has been recorded."""
        return self.settled_micros is not None


def day_totals(day: str, reservations: Iterable[Reservation]) -> DayTotals:
    """Sum one day's reservations: settled ones by their cost, open ones by their whole cap.

    >>> from datetime import UTC, datetime
    >>> at = datetime(2026, 1, 1, tzinfo=UTC)
    >>> open_ = Reservation(reservation_id="a", run_id="r", day="2026-01-01",
    ...                     reserved_micros=5, reserved_at=at)
    >>> done = msgspec.structs.replace(open_, reservation_id="b", settled_micros=2, settled_at=at)
    >>> day_totals("2026-01-01", [open_, done])
    DayTotals(day='2026-01-01', spent_micros=2, reserved_micros=5, runs=2)
    """
    spent = reserved = runs = 0
    for reservation in reservations:
        if reservation.day != day:
            continue
        runs += 1
        if reservation.settled_micros is None:
            reserved += reservation.reserved_micros
        else:
            spent += reservation.settled_micros
    return DayTotals(day=day, spent_micros=spent, reserved_micros=reserved, runs=runs)


def is_stale(reservation: Reservation, now: datetime, stale_after_s: int) -> bool:
    """True when a reservation is still open after `stale_after_s`: its run probably crashed.

    >>> from datetime import UTC, datetime
    >>> r = Reservation(reservation_id="a", run_id="r", day="2026-01-01", reserved_micros=5,
    ...                 reserved_at=datetime(2026, 1, 1, tzinfo=UTC))
    >>> is_stale(r, datetime(2026, 1, 1, 2, 0, 1, tzinfo=UTC), 7200)
    True
    """
    if reservation.settled:
        return False
    return now - reservation.reserved_at > timedelta(seconds=stale_after_s)


def stale_reservations(
    reservations: Iterable[Reservation], now: datetime, stale_after_s: int
) -> tuple[Reservation, ...]:
    """The open reservations older than `stale_after_s`, oldest first; they still count as spent.

    >>> from datetime import UTC
    >>> at = datetime(2026, 1, 1, tzinfo=UTC)
    >>> r = Reservation(reservation_id="a", run_id="r", day="2026-01-01", reserved_micros=5,
    ...                 reserved_at=at)
    >>> [s.reservation_id for s in stale_reservations([r], at + timedelta(hours=3), 7200)]
    ['a']
    """
    found = [r for r in reservations if is_stale(r, now, stale_after_s)]
    return tuple(sorted(found, key=lambda r: (r.reserved_at, r.reservation_id)))

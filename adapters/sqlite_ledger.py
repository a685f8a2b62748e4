"""`Ledger` on an embedded SQLite file: WAL mode, a versioned schema, append-only tables.

Many processes may share one file. Every write runs in `BEGIN IMMEDIATE`, which takes SQLite's
single write lock before the day's totals are read, so the check of the daily limits and the
insert of the reservation are one atomic step. A new file is built next to its final name and
linked into place, so a ledger path never names a half-initialised database, and any file at that
path that is not a complete ledger of a known schema is `ledger-unreadable`, never "zero spend".
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from domain.budget.inputs import format_instant
from domain.budget.ledger import Reservation
from domain.budget.money import format_usd
from domain.budget.plan import BudgetRefusal, DayTotals
from ports.ledger import (
    DEFAULT_LEDGER_WAIT_S,
    LedgerError,
    Planner,
    ReservationGrant,
    Settlement,
)

SCHEMA_VERSION = 1
# "ELed" in the SQLite header: tells our ledgers apart from any other SQLite file.
APPLICATION_ID = 0x454C6564

_SCHEMA = f"""
PRAGMA application_id = {APPLICATION_ID};
PRAGMA user_version = {SCHEMA_VERSION};
CREATE TABLE reservations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    reservation_id TEXT NOT NULL UNIQUE,
    run_id TEXT NOT NULL,
    day TEXT NOT NULL,
    reserved_micros INTEGER NOT NULL
        CHECK (typeof(reserved_micros) = 'integer' AND reserved_micros >= 0),
    reserved_at TEXT NOT NULL
);
CREATE INDEX reservations_by_day ON reservations (day);
CREATE TABLE settlements (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    reservation_id TEXT NOT NULL UNIQUE REFERENCES reservations (reservation_id),
    cost_micros INTEGER NOT NULL CHECK (typeof(cost_micros) = 'integer' AND cost_micros >= 0),
    settled_at TEXT NOT NULL
);
CREATE TRIGGER reservations_no_update BEFORE UPDATE ON reservations
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER reservations_no_delete BEFORE DELETE ON reservations
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER settlements_no_update BEFORE UPDATE ON settlements
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER settlements_no_delete BEFORE DELETE ON settlements
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
"""

_SELECT_RESERVATIONS = """
SELECT r.reservation_id, r.run_id, r.day, r.reserved_micros, r.reserved_at,
       s.cost_micros, s.settled_at
FROM reservations AS r LEFT JOIN settlements AS s ON s.reservation_id = r.reservation_id
"""

_DAY_TOTALS = """
SELECT COUNT(*),
       COALESCE(SUM(CASE WHEN s.reservation_id IS NULL THEN r.reserved_micros ELSE 0 END), 0),
       COALESCE(SUM(s.cost_micros), 0)
FROM reservations AS r LEFT JOIN settlements AS s ON s.reservation_id = r.reservation_id
WHERE r.day = ?
"""

_Row = tuple[str, str, str, int, str, int | None, str | None]


# SQLite's INTEGER holds 64-bit signed values: a larger amount raises OverflowError.
_MAX_MICROS = 2**63 - 1


class SqliteLedger:
    """The spend ledger in one SQLite file; one instance per process (connections do not fork)."""

    def __init__(self, path: str, *, busy_timeout_s: float = DEFAULT_LEDGER_WAIT_S) -> None:
        """Name the ledger file; nothing is opened until the first operation."""
        self._path = os.path.abspath(path)
        self._busy_timeout_s = busy_timeout_s
        self._connection: sqlite3.Connection | None = None

    @property
    def path(self) -> str:
        """The absolute path of the ledger file."""
        return self._path

    def close(self) -> None:
        """Close the connection (a later operation reopens and re-checks the file)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def reserve(
        self, *, run_id: str, day: str, at: datetime, plan: Planner
    ) -> Result[ReservationGrant, LedgerError | BudgetRefusal]:
        """Atomically read `day`'s totals, ask `plan`, and record a reservation of its cost cap."""
        opened = self._open(create=True)
        if not isinstance(opened, sqlite3.Connection):
            return Failure(opened)
        reservation_id = "rsv-" + secrets.token_hex(8)
        reserved_at = format_instant(at)
        try:
            with _immediate(opened):
                decision = plan(_totals(opened, day))
                if not is_successful(decision):
                    return Failure(decision.failure())
                budget = decision.unwrap()
                opened.execute(
                    "INSERT INTO reservations (reservation_id, run_id, day, reserved_micros,"
                    " reserved_at) VALUES (?, ?, ?, ?, ?)",
                    (reservation_id, run_id, day, budget.max_cost_micros, reserved_at),
                )
        except sqlite3.Error as exc:
            return Failure(self._failed(exc))
        reservation = Reservation(
            reservation_id=reservation_id,
            run_id=run_id,
            day=day,
            reserved_micros=budget.max_cost_micros,
            reserved_at=datetime.fromisoformat(reserved_at),
        )
        return Success(ReservationGrant(reservation=reservation, budget=budget))

    def settle(
        self, reservation_id: str, *, cost_micros: int, at: datetime
    ) -> Result[Settlement, LedgerError]:
        """Record a reservation's actual cost once; repeating that settlement changes nothing."""
        if not 0 <= cost_micros <= _MAX_MICROS:
            return Failure(
                LedgerError(
                    code="cost-invalid",
                    message=f"{reservation_id} cannot be settled at {cost_micros} micro-dollars: "
                    "a cost is between $0 and the largest amount the books hold "
                    f"({format_usd(_MAX_MICROS)}); nothing was recorded.",
                )
            )
        opened = self._open(create=False)
        if not isinstance(opened, sqlite3.Connection):
            return Failure(opened)
        try:
            with _immediate(opened):
                row = _select_one(opened, reservation_id)
                if row is None:
                    return Failure(
                        LedgerError(
                            code="reservation-unknown",
                            message=f"no reservation {reservation_id!r} in {self._path}; "
                            "`ledger show` lists them.",
                        )
                    )
                earlier_cost = row[5]
                replayed = earlier_cost is not None
                if earlier_cost is not None and earlier_cost != cost_micros:
                    return Failure(
                        LedgerError(
                            code="reservation-already-settled",
                            message=f"{reservation_id} was already settled at "
                            f"{format_usd(earlier_cost)} on {row[6]}; the books are append-only "
                            "and keep the first settlement.",
                        )
                    )
                if not replayed:
                    opened.execute(
                        "INSERT INTO settlements (reservation_id, cost_micros, settled_at)"
                        " VALUES (?, ?, ?)",
                        (reservation_id, cost_micros, format_instant(at)),
                    )
                    row = _select_one(opened, reservation_id)
        except sqlite3.Error as exc:
            return Failure(self._failed(exc))
        if row is None:  # the insert above just made it
            raise AssertionError(f"settled reservation {reservation_id} vanished")
        return Success(Settlement(reservation=_reservation(row), replayed=replayed))

    def day_summary(self, day: str) -> Result[DayTotals, LedgerError]:
        """Totals of one UTC day: settled spend, open reservations (counted in full) and runs."""
        opened = self._open(create=False)
        if not isinstance(opened, sqlite3.Connection):
            return Failure(opened)
        try:
            return Success(_totals(opened, day))
        except sqlite3.Error as exc:
            return Failure(self._failed(exc))

    def history(self, day: str | None = None) -> Result[tuple[Reservation, ...], LedgerError]:
        """Every reservation (of one day, or of all days), oldest first."""
        opened = self._open(create=False)
        if not isinstance(opened, sqlite3.Connection):
            return Failure(opened)
        try:
            if day is None:
                rows = opened.execute(_SELECT_RESERVATIONS + " ORDER BY r.seq").fetchall()
            else:
                rows = opened.execute(
                    _SELECT_RESERVATIONS + " WHERE r.day = ? ORDER BY r.seq", (day,)
                ).fetchall()
            return Success(tuple(_reservation(row) for row in rows))
        except sqlite3.Error as exc:
            return Failure(self._failed(exc))

    def _open(self, *, create: bool) -> sqlite3.Connection | LedgerError:
        if self._connection is not None:
            return self._connection
        directory = os.path.dirname(self._path)
        if not os.path.isdir(directory):
            return LedgerError(
                code="ledger-dir-missing",
                message=f"the directory {directory} for the ledger does not exist; create it "
                "(mkdir -p) or pass another --ledger path.",
            )
        if not os.path.exists(self._path):
            if not create:
                return LedgerError(
                    code="ledger-missing",
                    message=f"no ledger at {self._path}; the first `ledger reserve` creates it. "
                    "Check the --ledger path.",
                )
            created = self._create()
            if created is not None:
                return created
        try:
            connection = sqlite3.connect(
                Path(self._path).as_uri() + "?mode=rw",
                uri=True,
                timeout=self._busy_timeout_s,
                isolation_level=None,  # transactions are explicit: BEGIN IMMEDIATE ... COMMIT
            )
        except sqlite3.Error as exc:
            return self._failed(exc)
        problem = self._check(connection)
        if problem is not None:
            connection.close()
            return problem
        self._connection = connection
        return connection

    def _check(self, connection: sqlite3.Connection) -> LedgerError | None:
        try:
            application_id = connection.execute("PRAGMA application_id").fetchone()[0]
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if application_id != APPLICATION_ID:
                return self._unreadable("it is not an engineering-loop ledger")
            if version > SCHEMA_VERSION:
                return self._unreadable(
                    f"its schema version {version} is newer than this engineering-loop "
                    f"understands ({SCHEMA_VERSION}); upgrade engineering-loop"
                )
            if version != SCHEMA_VERSION:
                return self._unreadable(f"its schema version {version} is unknown")
            verdict = connection.execute("PRAGMA quick_check").fetchall()
            if verdict != [("ok",)]:
                return self._unreadable(f"SQLite's integrity check failed ({verdict[0][0]})")
            # Durability over speed: a settled cost must survive a power cut, not only a crash.
            connection.execute("PRAGMA synchronous = FULL")
            connection.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            return self._failed(exc)
        return None

    def _create(self) -> LedgerError | None:
        # Build the whole schema in a private file, then link it into place: the link either
        # makes a complete ledger appear at once or fails because another process won the race.
        building = f"{self._path}.{os.getpid()}.{secrets.token_hex(4)}.new"
        try:
            connection = sqlite3.connect(building, isolation_level=None)
            try:
                connection.execute("PRAGMA journal_mode = WAL")
                connection.executescript(_SCHEMA)
            finally:
                connection.close()
            with contextlib.suppress(FileExistsError):
                os.link(building, self._path)
        except (sqlite3.Error, OSError) as exc:
            return self._unreadable(f"it could not be created ({exc})")
        finally:
            for leftover in (building, building + "-wal", building + "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(leftover)
        return None

    def _failed(self, exc: sqlite3.Error) -> LedgerError:
        # Drop the connection: the next operation reopens and re-checks the file.
        self.close()
        name = getattr(exc, "sqlite_errorname", "")
        if name in {"SQLITE_BUSY", "SQLITE_LOCKED"}:
            return LedgerError(
                code="ledger-busy",
                message=f"the ledger {self._path} stayed locked by other processes for more "
                f"than {self._busy_timeout_s:g} s; try again.",
            )
        if name in {"SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_READONLY"}:
            return self._unopenable(exc)
        return self._unreadable(str(exc))

    def _unopenable(self, exc: sqlite3.Error) -> LedgerError:
        # A file that cannot be opened is no sign of damage: say why rather than "restore it".
        directory = os.path.dirname(self._path)
        if os.path.isdir(self._path):
            why = "it is a directory, not a ledger file"
            remedy = "pass the path of a ledger file (the first `ledger reserve` creates one)"
        elif not (
            os.access(self._path, os.R_OK | os.W_OK) and os.access(directory, os.W_OK | os.X_OK)
        ):
            why = f"this user may not read and write it ({exc})"
            remedy = (
                "give this user read and write permission on it, and write permission on its "
                "directory (SQLite keeps its -wal and -shm files there)"
            )
        else:
            return self._unreadable(str(exc))
        return LedgerError(
            code="ledger-unreadable",
            message=f"the ledger {self._path} cannot be opened: {why}. It is not treated as zero "
            f"spend; {remedy}.",
        )

    def _unreadable(self, why: str) -> LedgerError:
        return LedgerError(
            code="ledger-unreadable",
            message=f"the ledger {self._path} cannot be used: {why}. It is not treated as zero "
            "spend; restore it from a backup or move it aside to start new books.",
        )


@contextlib.contextmanager
def _immediate(connection: sqlite3.Connection) -> Iterator[None]:
    """One write transaction holding SQLite's write lock from its first read."""
    connection.execute("BEGIN IMMEDIATE")
    committed = False
    try:
        yield
        connection.execute("COMMIT")
        committed = True
    finally:
        if not committed and connection.in_transaction:
            connection.execute("ROLLBACK")


def _totals(connection: sqlite3.Connection, day: str) -> DayTotals:
    runs, reserved, spent = connection.execute(_DAY_TOTALS, (day,)).fetchone()
    return DayTotals(day=day, spent_micros=spent, reserved_micros=reserved, runs=runs)


def _select_one(connection: sqlite3.Connection, reservation_id: str) -> _Row | None:
    row: _Row | None = connection.execute(
        _SELECT_RESERVATIONS + " WHERE r.reservation_id = ?", (reservation_id,)
    ).fetchone()
    return row


def _reservation(row: _Row) -> Reservation:
    reservation_id, run_id, day, reserved, reserved_at, cost, settled_at = row
    return Reservation(
        reservation_id=reservation_id,
        run_id=run_id,
        day=day,
        reserved_micros=reserved,
        reserved_at=datetime.fromisoformat(reserved_at),
        settled_micros=cost,
        settled_at=None if settled_at is None else datetime.fromisoformat(settled_at),
    )

"""What only the SQLite ledger can get wrong: files, schema, locks, corruption, append-only."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

from adapters.sqlite_ledger import APPLICATION_ID, SCHEMA_VERSION, SqliteLedger
from domain.budget.config import BudgetConfig
from domain.budget.plan import DayTotals, plan_budget
from ports.ledger import LedgerError
from tests.integration.conftest import no_permissions

DAY = "2026-11-25"
AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
BASE = partial(plan_budget, (), BudgetConfig())


def new_ledger(tmp_path: Path) -> tuple[SqliteLedger, str]:
    path = str(tmp_path / "ledger.sqlite")
    ledger = SqliteLedger(path)
    ledger.reserve(run_id="run-1", day=DAY, at=AT, plan=BASE).unwrap()
    ledger.close()
    return ledger, path


def every_operation_fails(ledger: SqliteLedger) -> list[LedgerError]:
    errors = [
        ledger.day_summary(DAY).failure(),
        ledger.history().failure(),
        ledger.settle("rsv-x", cost_micros=1, at=AT).failure(),
    ]
    refused = ledger.reserve(run_id="r", day=DAY, at=AT, plan=BASE).failure()
    assert isinstance(refused, LedgerError)
    return [*errors, refused]


def test_a_new_ledger_is_a_wal_database_of_the_current_schema(tmp_path: Path) -> None:
    _, path = new_ledger(tmp_path)
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert sorted(p.name for p in tmp_path.iterdir() if ".new" in p.name) == []


def test_a_file_of_garbage_is_ledger_unreadable_and_never_zero_spend(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(b"these are not the books you are looking for\n" * 200)
    errors = every_operation_fails(SqliteLedger(str(path)))
    assert {e.code for e in errors} == {"ledger-unreadable"}
    assert "not treated as zero spend" in errors[0].message


def test_an_empty_file_is_ledger_unreadable(tmp_path: Path) -> None:
    # A ledger truncated to nothing must not look like a fresh day.
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(b"")
    assert {e.code for e in every_operation_fails(SqliteLedger(str(path)))} == {"ledger-unreadable"}
    assert path.stat().st_size == 0


def test_a_damaged_page_in_a_real_ledger_is_ledger_unreadable(tmp_path: Path) -> None:
    ledger, path = new_ledger(tmp_path)
    raw = bytearray(Path(path).read_bytes())
    page_size = int.from_bytes(raw[16:18], "big")
    assert len(raw) >= 3 * page_size
    raw[page_size + 8 : 2 * page_size - 8] = b"\xa5" * (page_size - 16)  # smash page 2
    Path(path).write_bytes(bytes(raw))
    assert ledger.day_summary(DAY).failure().code == "ledger-unreadable"


def test_another_programs_sqlite_file_is_ledger_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE notes (text TEXT)")
    error = SqliteLedger(str(path)).day_summary(DAY).failure()
    assert (error.code, "not an engineering-loop ledger" in error.message) == (
        "ledger-unreadable",
        True,
    )


def test_a_ledger_of_a_newer_schema_is_ledger_unreadable(tmp_path: Path) -> None:
    ledger, path = new_ledger(tmp_path)
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    error = ledger.day_summary(DAY).failure()
    assert error.code == "ledger-unreadable"
    assert "newer" in error.message


def test_a_directory_at_the_ledger_path_is_ledger_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    path.mkdir()
    errors = every_operation_fails(SqliteLedger(str(path)))
    assert {e.code for e in errors} == {"ledger-unreadable"}
    assert "it is a directory, not a ledger file" in errors[0].message
    assert "not treated as zero spend" in errors[0].message
    assert list(path.iterdir()) == []


def test_a_ledger_this_user_may_not_read_is_ledger_unreadable(tmp_path: Path) -> None:
    _, path = new_ledger(tmp_path)
    with no_permissions(Path(path)):
        errors = every_operation_fails(SqliteLedger(path))
    assert {e.code for e in errors} == {"ledger-unreadable"}
    assert "this user may not read and write it" in errors[0].message
    assert "permission" in errors[0].message
    # Nothing was lost: with its mode back, the books are as they were.
    assert SqliteLedger(path).day_summary(DAY).unwrap().reserved_micros == 5_000_000


def test_a_missing_directory_is_ledger_dir_missing(tmp_path: Path) -> None:
    ledger = SqliteLedger(str(tmp_path / "no" / "such" / "ledger.sqlite"))
    error = ledger.reserve(run_id="r", day=DAY, at=AT, plan=BASE).failure()
    assert isinstance(error, LedgerError)
    assert error.code == "ledger-dir-missing"
    assert "mkdir" in error.message
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE reservations SET reserved_micros = 0",
        "DELETE FROM reservations",
        "UPDATE settlements SET cost_micros = 0",
        "DELETE FROM settlements",
    ],
)
def test_the_books_are_append_only_even_through_raw_sql(tmp_path: Path, statement: str) -> None:
    ledger, path = new_ledger(tmp_path)
    settled = ledger.reserve(run_id="run-2", day=DAY, at=AT, plan=BASE).unwrap()
    ledger.settle(settled.reservation.reservation_id, cost_micros=1_250_000, at=AT).unwrap()
    ledger.close()
    with sqlite3.connect(path) as raw, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute(statement)
    # Both rows stand as written: the open reservation and the settled one with its cost.
    assert ledger.day_summary(DAY).unwrap() == DayTotals(
        day=DAY, spent_micros=1_250_000, reserved_micros=5_000_000, runs=2
    )


def test_a_new_process_sees_an_unsettled_reservation_as_still_reserved(tmp_path: Path) -> None:
    _, path = new_ledger(tmp_path)
    reopened = SqliteLedger(path)
    assert reopened.day_summary(DAY).unwrap() == DayTotals(
        day=DAY, reserved_micros=5_000_000, runs=1
    )


def test_a_ledger_held_locked_past_the_wait_is_ledger_busy(tmp_path: Path) -> None:
    _, path = new_ledger(tmp_path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        ledger = SqliteLedger(path, busy_timeout_s=0.05)
        refused = ledger.reserve(run_id="r", day=DAY, at=AT, plan=BASE).failure()
        assert isinstance(refused, LedgerError)
        assert refused.code == "ledger-busy"
        # Readers are not blocked by a writer in WAL mode.
        assert ledger.day_summary(DAY).unwrap().runs == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert ledger.reserve(run_id="r", day=DAY, at=AT, plan=BASE).unwrap().budget.day == DAY


def test_a_second_instance_shares_the_ledger_the_first_created(tmp_path: Path) -> None:
    path = str(tmp_path / "ledger.sqlite")
    first, second = SqliteLedger(path), SqliteLedger(path)
    first.reserve(run_id="a", day=DAY, at=AT, plan=BASE).unwrap()
    second.reserve(run_id="b", day=DAY, at=AT, plan=BASE).unwrap()
    assert first.day_summary(DAY).unwrap().runs == 2

"""Real processes sharing one ledger file: concurrent reservations, and processes killed mid-run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from adapters.sqlite_ledger import SqliteLedger

REPO = Path(__file__).resolve().parents[2]
NOW = "2026-11-25T12:00:00Z"
DAY = "2026-11-25"
WORKERS = 6


def write_config(tmp_path: Path, *, cap: float, runs: int) -> str:
    path = tmp_path / "engineering-loop.toml"
    path.write_text(f"[budget.daily]\nmax_cost_usd = {cap}\nmax_runs = {runs}\n")
    return str(path)


def start(mode: str, ledger: str, config: str, seed: int, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "tests.integration.ledger_worker"),
            *(mode, ledger, config, NOW, str(seed), str(count)),
        ],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def events_of(processes: list[subprocess.Popen[str]]) -> list[dict[str, Any]]:
    events = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        events += [json.loads(line) for line in out.splitlines()]
    return events


def cli(*argv: str) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli.main", *argv, "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, json.loads(done.stdout)


def test_concurrent_processes_never_overbook_and_the_books_match_what_they_were_told(
    tmp_path: Path,
) -> None:
    ledger_path = str(tmp_path / "ledger.sqlite")
    config = write_config(tmp_path, cap=40.0, runs=30)
    workers = [start("mixed", ledger_path, config, seed, 12) for seed in range(WORKERS)]
    events = events_of(workers)

    assert {e["code"] for e in events if e["event"] == "refused"} <= {
        "daily-cost-exhausted",
        "daily-runs-exhausted",
        "below-minimum-budget",
    }
    assert not [e for e in events if e["event"] == "settle-failed"]
    reserved = {e["id"]: e["micros"] for e in events if e["event"] == "reserved"}
    settled = {e["id"]: e["micros"] for e in events if e["event"] == "settled"}
    assert any(e["event"] == "refused" for e in events), "the limits were never reached"

    ledger = SqliteLedger(ledger_path)
    totals = ledger.day_summary(DAY).unwrap()
    history = ledger.history(DAY).unwrap()
    assert sorted(r.reservation_id for r in history) == sorted(reserved)
    assert totals.runs == len(reserved) <= 30
    assert totals.spent_micros == sum(settled.values())
    assert totals.reserved_micros == sum(m for i, m in reserved.items() if i not in settled)
    assert totals.spent_micros + totals.reserved_micros <= 40_000_000


def test_concurrent_reservations_fill_the_day_exactly_to_its_cap(tmp_path: Path) -> None:
    # Nothing is settled, so any race in the daily check would show as more than $55 reserved.
    ledger_path = str(tmp_path / "ledger.sqlite")
    config = write_config(tmp_path, cap=55.0, runs=100)
    workers = [start("reserve", ledger_path, config, seed, 4) for seed in range(WORKERS)]
    events = events_of(workers)
    grants = sorted(e["micros"] for e in events if e["event"] == "reserved")
    assert grants == [5_000_000] + [10_000_000] * 5
    totals = SqliteLedger(ledger_path).day_summary(DAY).unwrap()
    assert totals.reserved_micros == 55_000_000
    assert {e["code"] for e in events if e["event"] == "refused"} == {"daily-cost-exhausted"}


def test_a_process_killed_between_reserve_and_settle_leaves_its_money_counted(
    tmp_path: Path,
) -> None:
    ledger_path = str(tmp_path / "ledger.sqlite")
    config = write_config(tmp_path, cap=10.0, runs=2)
    with start("hold", ledger_path, config, seed=1, count=1) as holder:
        assert holder.stdout is not None
        line = json.loads(holder.stdout.readline())
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
    assert holder.returncode == -signal.SIGKILL

    code, shown = cli("ledger", "show", "--ledger", ledger_path, "--config", config, "--now", NOW)
    assert code == 0
    assert (shown["reserved_usd"], shown["spent_usd"], shown["runs"]) == (10.0, 0.0, 1)
    assert shown["reservations"][0]["state"] == "reserved"

    code, refused = cli(
        "ledger",
        "reserve",
        "--ledger",
        ledger_path,
        "--config",
        config,
        "--run-id",
        "next",
        "--now",
        NOW,
    )
    assert (code, refused["error"]["code"]) == (3, "daily-cost-exhausted")

    code, later = cli(
        "ledger",
        "show",
        "--ledger",
        ledger_path,
        "--config",
        config,
        "--now",
        "2026-11-25T14:00:01Z",
        "--day",
        DAY,
    )
    assert [r["reservation_id"] for r in later["stale"]] == [line["id"]]

    code, settled = cli("ledger", "settle", line["id"], "--cost", "2.5", "--ledger", ledger_path)
    assert (code, settled["settled_usd"], settled["released_usd"]) == (0, 2.5, 7.5)
    code, after = cli("ledger", "show", "--ledger", ledger_path, "--config", config, "--now", NOW)
    assert (after["reserved_usd"], after["spent_usd"], after["stale"]) == (0.0, 2.5, [])


@pytest.mark.parametrize("delay_s", [0.05, 0.2])
def test_a_process_killed_mid_write_leaves_a_readable_consistent_ledger(
    tmp_path: Path, delay_s: float
) -> None:
    ledger_path = str(tmp_path / "ledger.sqlite")
    config = write_config(tmp_path, cap=100_000.0, runs=100_000)
    with start("mixed", ledger_path, config, seed=7, count=100_000) as victim:
        assert victim.stdout is not None
        first = victim.stdout.readline()  # it has written at least once
        time.sleep(delay_s)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        # Not communicate(): with two pipes it reads the raw descriptors and would skip
        # whatever readline() above already pulled into this file object's buffer.
        rest = victim.stdout.read()
    lines = (first + rest).splitlines()
    # The kill may cut the last line short; a line is only what was said in full.
    told = [json.loads(line) for line in lines if line.endswith("}")]
    reserved = sum(1 for e in told if e["event"] == "reserved")
    settled = {e["id"]: e["micros"] for e in told if e["event"] == "settled"}

    ledger = SqliteLedger(ledger_path)  # opening runs SQLite's integrity check
    totals = ledger.day_summary(DAY).unwrap()
    # Its last write may have committed before it could say so, never more than that one.
    assert reserved <= totals.runs <= reserved + 1
    recorded = {r.reservation_id: r.settled_micros for r in ledger.history().unwrap() if r.settled}
    assert settled.items() <= recorded.items()
    assert len(recorded) <= len(settled) + 1

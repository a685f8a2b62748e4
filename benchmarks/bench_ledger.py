"""Reservations per second on one SQLite ledger file, with 1 and with 8 concurrent processes.

    uv run --no-sync python benchmarks/bench_ledger.py [--seconds S] [--rounds N] [--dir DIR]

Each process reserves through the library API (`reserve_run`: plan + `BEGIN IMMEDIATE` +
insert + fsync) as fast as it can for the same wall-clock window; the 8-process figure is the
total of all of them. Every write takes the one SQLite write lock, so 8 processes are not
expected to be 8 times faster: the ratio shows what contention costs (and that it does not
collapse). Nothing here asserts a time; the numbers depend on the disk under `--dir`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier

from domain.budget.config import BudgetConfig, DailyLimits
from entrypoints.api.budget import open_ledger, reserve_run

# Limits far above what a benchmark window can reach, so every reservation is granted.
POLICY = BudgetConfig(daily=DailyLimits(max_cost_usd=1_000_000.0, max_runs=1_000_000))
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _worker(path: str, seconds: float, barrier: Barrier, counts: list[int], index: int) -> None:
    ledger = open_ledger(path)
    reserve_run([], f"warm-{index}", config=POLICY, ledger=ledger, now=NOW).unwrap()
    barrier.wait()
    done = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        reserve_run([], f"p{index}-{done}", config=POLICY, ledger=ledger, now=NOW).unwrap()
        done += 1
    counts[index] = done


def reservations_per_second(processes: int, seconds: float, directory: str) -> float:
    """Total granted reservations per second of `processes` processes sharing one new ledger."""
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(dir=directory, prefix="bench-ledger-") as scratch:
        path = os.path.join(scratch, "ledger.sqlite")
        barrier = context.Barrier(processes)
        counts = context.Manager().list([0] * processes)
        workers = [
            context.Process(target=_worker, args=(path, seconds, barrier, counts, index))
            for index in range(processes)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        if any(worker.exitcode != 0 for worker in workers):
            raise SystemExit("a benchmark worker failed; see its traceback above")
        return sum(counts) / seconds


def main() -> None:
    """Measure 1 and 8 processes in the same run and print both and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=1.5, help="window per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per setting")
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where the ledger lives")
    args = parser.parse_args()
    # Every commit waits for fsync, whose latency on shared disks drifts within seconds:
    # alternate the two settings and compare medians so a slow stretch hits both.
    singles: list[float] = []
    eights: list[float] = []
    for _ in range(args.rounds):
        singles.append(reservations_per_second(1, args.seconds, args.dir))
        eights.append(reservations_per_second(8, args.seconds, args.dir))
    single, eight = statistics.median(singles), statistics.median(eights)
    print(
        f"ledger in {args.dir}, {args.rounds} rounds of {args.seconds:g} s, "
        f"{os.cpu_count()} CPUs, SQLite {sqlite3.sqlite_version}"
    )
    print(f"1 process:   {single:10.1f} reservations/s  (rounds: {_rounded(singles)})")
    print(f"8 processes: {eight:10.1f} reservations/s  (rounds: {_rounded(eights)}; total)")
    # A window too short for one reservation (a loaded machine, a tiny --seconds) has no ratio.
    ratio = f"{eight / single:10.2f}" if single else f"{'n/a':>10}"
    print(f"ratio 8/1:   {ratio}")


def _rounded(values: list[float]) -> str:
    return ", ".join(f"{value:.0f}" for value in values)


if __name__ == "__main__":
    main()

"""The ledger benchmark still runs: a smoke test with tiny settings, never asserting a speed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIGURE = r"[0-9]+(?:\.[0-9]+)?"


def test_bench_ledger_prints_one_and_eight_processes_and_their_ratio(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            *(sys.executable, str(REPO / "benchmarks" / "bench_ledger.py")),
            *("--seconds", "0.1", "--rounds", "1", "--dir", str(tmp_path)),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert re.fullmatch(r"ledger in .*, 1 rounds of 0\.1 s, .*", lines[0])
    assert re.fullmatch(rf"1 process: +{FIGURE} reservations/s  \(rounds: [0-9]+\)", lines[1])
    assert re.fullmatch(
        rf"8 processes: +{FIGURE} reservations/s  \(rounds: [0-9]+; total\)", lines[2]
    )
    assert re.fullmatch(rf"ratio 8/1: +(?:{FIGURE}|n/a)", lines[3])
    # Every worker's scratch ledger is cleaned up.
    assert list(tmp_path.iterdir()) == []

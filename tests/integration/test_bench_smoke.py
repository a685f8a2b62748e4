"""The gate, change and normalise benchmarks still run and print their figures (tiny sizes,
no timing; the ledger has its own smoke test)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*argv: str) -> str:
    done = subprocess.run(
        [sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_bench_prepare_prints_lines_per_second_and_both_start_up_ratios() -> None:
    out = _run("-m", "benchmarks.bench_prepare", "3000")
    assert re.search(r"prepared 3000 gate lines \(\d+ accepted\): [\d,]+ lines per CPU", out)
    for label in ("installed", "no-bytecode"):
        figures = r"[\d.]+ ms, python -c pass: [\d.]+ ms, ratio [\d.]+x"
        assert re.search(rf"CLI start-up \(gate prepare, {label}\): {figures}", out)


def test_bench_changes_prints_both_modes_against_git_and_the_scan_rate() -> None:
    out = _run(
        "-m",
        "benchmarks.bench_changes",
        "--files",
        "300",
        "--changed",
        "8",
        "--runs",
        "1",
        "--mb",
        "1",
    )
    assert "collection: 8 changes found in 300 files" in out
    for mode in ("default, no cache", "default, warm cache", "trust_index_stat"):
        for git in ("git status --porcelain", "git diff --name-status HEAD"):
            assert re.search(rf"{mode} / {re.escape(git)}: [\d.]+x \(target within 3x", out)
    assert re.search(r"candidate checkout: \d+ files of tree [0-9a-f]{12}", out)
    assert re.search(r"checkout / git checkout-index: [\d.]+x", out)
    assert re.search(r"checkout again / git checkout-index: [\d.]+x", out)
    assert re.search(r"secret scan: \d+ MB, \d+ added lines, \d+ findings .* MB/s", out)


def test_bench_normalise_prints_the_rate_against_its_ceiling_and_peak_memory() -> None:
    out = _run("-m", "benchmarks.bench_normalise", "--size-mb", "4")
    assert re.search(r"ceiling +\(msgspec\.json\.decode per line\): +[\d.]+ MiB/s", out)
    assert re.search(r"ratio normalise/ceiling: \d+% \(target >= 50%\)", out)
    assert re.search(r"peak memory of the normaliser process: [\d.]+ MiB", out)
    assert '"complete": true, "is_error": false' in out

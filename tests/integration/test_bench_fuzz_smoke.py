"""The longer fuzz run still runs and prints its table (a few inputs, two quick targets)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_fuzz_prints_inputs_and_crashes_per_target(tmp_path: Path) -> None:
    targets = ["--targets", "json-depth,gate-argv", "--keep", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.fuzz", "--inputs", "50", "--seed", "1", *targets],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for target in ("json-depth", "gate-argv"):
        assert re.search(rf"^{target} +[\d,]+ +[\d,]+ +[\d.]+ +0$", done.stdout, flags=re.M)
    assert list(tmp_path.iterdir()) == []  # nothing crashed, so nothing was kept

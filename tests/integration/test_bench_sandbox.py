"""The sandbox benchmark still runs and prints both medians and their ratio (no timing)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.sandbox import require_bwrap

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def test_bench_sandbox_prints_the_gate_ratio_and_the_bare_start_up() -> None:
    require_bwrap()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_sandbox", "--runs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"ratio sandboxed/unsandboxed: [\d.]+x \([+-]\d+ ms\)", done.stdout)
    assert re.search(
        r"/bin/true: [\d.]+ ms bare, [\d.]+ ms under bwrap, ratio [\d.]+x", done.stdout
    )

"""Benchmark: prepared gate lines per second, and CLI start-up time against `python3 -c pass`.

Run with `uv run --locked --no-sync python benchmarks/bench_prepare.py [LINES]`. Prints numbers
only; a wall-clock time is never asserted (it depends on the machine).
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from domain.gates import uv_options as table
from domain.gates.prepare import prepare_gate
from domain.gates.project import ProjectFacts

SEED = 20261125
FACTS = ProjectFacts(has_pyproject=True, has_lockfile=True, dev_group=True)
_VALUES = {
    "--group": ("dev", "lint"),
    "--only-group": ("lint",),
    "--no-group": ("docs",),
    "--extra": ("docs",),
    "--python": ("3.12",),
    "--with": ("pytest-xdist",),
    "--color": ("never",),
    "--package": ("api",),
}
_PAYLOADS = (
    ("pytest", "-q"),
    ("ruff", "check", "."),
    ("mypy", "src"),
    ("python", "-m", "pytest", "-x"),
    ("python3", "tools/check.py", "--locked"),
    ("make", "lint"),
)
_RUN_OPTIONS = sorted(
    name
    for name in table.TAKES_VALUE | table.FLAGS
    if name.startswith("--") and name not in table.PRINT_AND_EXIT
)


def _option(rng: random.Random) -> list[str]:
    name = rng.choice(_RUN_OPTIONS) if rng.random() < 0.3 else rng.choice(sorted(_VALUES))
    if name not in table.TAKES_VALUE:
        return [name]
    value = rng.choice(_VALUES.get(name, ("x",)))
    return [f"{name}={value}"] if rng.random() < 0.5 else [name, value]


def generate_lines(count: int, seed: int = SEED) -> list[list[str]]:
    """Gate lines like a repository declares them: bare gates and `uv run` lines with options."""
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        payload = list(rng.choice(_PAYLOADS))
        if rng.random() < 0.3:
            lines.append(payload)
            continue
        options = [token for _ in range(rng.randrange(4)) for token in _option(rng)]
        lines.append(["uv", "run", *options, *(["--"] if rng.random() < 0.2 else []), *payload])
    return lines


def prepared_per_second(lines: list[list[str]]) -> tuple[float, float, int]:
    """Prepare every line once: lines per CPU second, per wall second, and how many passed.

    CPU time is the one-core figure that holds on a busy machine; wall time is shown beside it.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    accepted = 0
    for argv in lines:
        if prepare_gate(argv, FACTS).value_or(None) is not None:
            accepted += 1
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return len(lines) / cpu, len(lines) / wall, accepted


def _median_seconds(argv: list[str], runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def startup_ratio(runs: int = 15) -> tuple[float, float, float]:
    """Median wall time of `gate prepare` via the console script over `python3 -c pass`."""
    script = Path(sys.executable).parent / "engineering-loop"
    with tempfile.TemporaryDirectory() as repo:
        cli = [str(script), "gate", "prepare", "--repo", repo, "--", "pytest"]
        baseline = _median_seconds([sys.executable, "-c", "pass"], runs)
        ours = _median_seconds(cli, runs)
    return ours / baseline, ours, baseline


def main() -> None:
    """Print the benchmark results."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    lines = generate_lines(count)
    prepared_per_second(lines[:2000])  # warm up caches and the specialising interpreter
    per_cpu, per_wall, accepted = prepared_per_second(lines)
    print(
        f"prepared {count} gate lines ({accepted} accepted): {per_cpu:,.0f} lines per CPU "
        f"second on one core ({per_wall:,.0f} per wall second)"
    )
    ratio, ours, baseline = startup_ratio()
    print(
        f"CLI start-up (gate prepare): {ours * 1000:.1f} ms, python3 -c pass: "
        f"{baseline * 1000:.1f} ms, ratio {ratio:.2f}x"
    )


if __name__ == "__main__":
    main()

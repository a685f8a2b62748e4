"""Benchmark: prepared gate lines per second, and CLI start-up time against `python -c pass`.

Run with `uv run --locked --no-sync python benchmarks/bench_prepare.py [LINES]`. Prints numbers
only; a wall-clock time is never asserted (it depends on the machine).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
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


def _child_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _interleaved_medians(
    commands: dict[str, tuple[list[str], dict[str, str]]], runs: int
) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds of each command, run in turns so load slows all alike.

    CPU time (the child's user + system time) is the figure that holds on a busy machine, where
    wall time also counts the time spent waiting for a core.
    """
    wall: dict[str, list[float]] = {label: [] for label in commands}
    cpu: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, (argv, env) in commands.items():
            started, cpu_before = time.perf_counter(), _child_cpu_seconds()
            subprocess.run(argv, check=True, capture_output=True, env=env)
            wall[label].append(time.perf_counter() - started)
            cpu[label].append(_child_cpu_seconds() - cpu_before)
    return {
        label: (statistics.median(wall[label]), statistics.median(cpu[label])) for label in commands
    }


_STDLIB_FILES = (
    "import runpy, sys, sysconfig\n"
    "sys.argv = sys.argv[1:]\n"
    "try:\n"
    "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
    "except SystemExit:\n"
    "    pass\n"
    "stdlib = sysconfig.get_paths()['stdlib']\n"
    "files = {getattr(m, '__file__', None) or '' for m in list(sys.modules.values())}\n"
    "sys.stderr.write('\\n'.join(f for f in sorted(files) if f.startswith(stdlib)))\n"
)


def _compile_stdlib_only(cli: list[str], env: dict[str, str]) -> None:
    """Write bytecode, into `env`'s PYTHONPYCACHEPREFIX, for just the stdlib modules `cli` uses.

    The interpreter ships its standard library compiled; only what the project installed is left
    without bytecode, as on a machine where `uv sync` compiled nothing.
    """
    done = subprocess.run(
        [sys.executable, "-c", _STDLIB_FILES, *cli], check=True, capture_output=True, env=env
    )
    files = [line for line in done.stderr.decode().splitlines() if line.endswith(".py")]
    compile_code = "import py_compile, sys\nfor f in sys.argv[1:]: py_compile.compile(f)"
    writing = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", compile_code, *files], check=True, env=writing)


def startup_figures(runs: int = 21) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of `gate prepare` via the console script, installed and bare.

    `installed`: as `uv sync` left it (dependencies compiled by uv, the project's own modules
    compiled by Python on the first run, which is not timed); `no-bytecode`: with
    PYTHONDONTWRITEBYTECODE=1 and no bytecode anywhere but the standard library (an empty
    PYTHONPYCACHEPREFIX); `python -c pass`: the interpreter alone, the baseline of both ratios.
    """
    script = Path(sys.executable).parent / "engineering-loop"
    installed = {k: v for k, v in os.environ.items() if k not in _BYTECODE_VARIABLES}
    with tempfile.TemporaryDirectory() as repo, tempfile.TemporaryDirectory() as prefix:
        cli = [str(script), "gate", "prepare", "--repo", repo, "--", "pytest"]
        bare = {**installed, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": prefix}
        _compile_stdlib_only(cli, bare)
        subprocess.run(cli, check=True, capture_output=True, env=installed)  # writes our pyc
        return _interleaved_medians(
            {
                "python -c pass": ([sys.executable, "-c", "pass"], installed),
                "installed": (cli, installed),
                "no-bytecode": (cli, bare),
            },
            runs,
        )


_BYTECODE_VARIABLES = ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")


def main() -> None:
    """Print the benchmark results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "lines", nargs="?", type=int, default=100_000, help="gate lines to prepare (100,000)"
    )
    count = parser.parse_args().lines
    lines = generate_lines(count)
    prepared_per_second(lines[:2000])  # warm up caches and the specialising interpreter
    per_cpu, per_wall, accepted = prepared_per_second(lines)
    print(
        f"prepared {count} gate lines ({accepted} accepted): {per_cpu:,.0f} lines per CPU "
        f"second on one core ({per_wall:,.0f} per wall second)"
    )
    figures = startup_figures()
    base_wall, base_cpu = figures["python -c pass"]
    for label in ("installed", "no-bytecode"):
        wall, cpu = figures[label]
        print(
            f"CLI start-up (gate prepare, {label}): {wall * 1000:.1f} ms, python -c pass: "
            f"{base_wall * 1000:.1f} ms, ratio {wall / base_wall:.2f}x; CPU {cpu * 1000:.1f} ms "
            f"against {base_cpu * 1000:.1f} ms, ratio {cpu / base_cpu:.2f}x"
        )


if __name__ == "__main__":
    main()

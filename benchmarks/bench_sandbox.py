"""The sandbox's start-up overhead on a gate run: the same gate sandboxed and unsandboxed.

    uv run --no-sync python -m benchmarks.bench_sandbox [--runs N] [--gate ARGV...]

Copies the bundled example project (examples/demo-project), syncs its gate environment once,
then runs one gate through `run_gate` (allowlisted environment, snapshots before and after) with
`[sandbox] kind = "none"` and with bubblewrap, alternating, and prints the medians and their
ratio; also bare `/bin/true` with and without bwrap, the floor of what confinement costs.
Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
from returns.result import Success

from domain.sandbox.config import SandboxSettings
from entrypoints.api.gates.run import run_gate
from entrypoints.api.sandbox import Sandbox, prepare_sandbox

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "demo-project"


def _sandbox(kind: str | None) -> Sandbox:
    settings = SandboxSettings(kind="none") if kind == "none" else SandboxSettings(kind="bwrap")
    chosen = anyio.run(prepare_sandbox, settings)
    if not isinstance(chosen, Success):
        raise SystemExit(chosen.failure().message)
    sandbox: Sandbox = chosen.unwrap()
    return sandbox


def _timed_gate(repo: str, argv: list[str], env: dict[str, str], sandbox: Sandbox) -> float:
    started = time.perf_counter()
    report = run_gate(repo, argv, parent_env=env, timeout_s=300, sandbox=sandbox).unwrap()
    elapsed = time.perf_counter() - started
    if not report.passed or report.sandboxed != sandbox.sandboxed:
        details = [g.stdout + g.stderr for g in report.gates]
        raise SystemExit(f"the gate did not pass ({report.verdict}): {details}")
    return elapsed


def _timed_true(prefix: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([*prefix, "/bin/true"], check=True, env={"PATH": "/usr/bin:/bin"})
    return time.perf_counter() - started


def main() -> None:
    """Measure both settings in the same run, alternating, and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="alternating runs per setting")
    parser.add_argument("--gate", nargs="+", default=["pytest", "-q"], help="the gate's argv")
    args = parser.parse_args()
    confined, open_ = _sandbox("bwrap"), _sandbox("none")
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as scratch:
        repo = os.path.join(scratch, "demo")
        shutil.copytree(EXAMPLE, repo)
        bin_dir = os.path.dirname(sys.executable)
        env = {
            **os.environ,
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "XDG_CACHE_HOME": os.path.join(scratch, "cache"),
            "UV_CACHE_DIR": subprocess.run(
                [sys.executable, "-m", "uv", "cache", "dir"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip(),
        }
        # The first run syncs the gate environment; it is not measured.
        _timed_gate(repo, args.gate, env, open_)
        plain: list[float] = []
        boxed: list[float] = []
        for _ in range(args.runs):
            plain.append(_timed_gate(repo, args.gate, env, open_))
            boxed.append(_timed_gate(repo, args.gate, env, confined))
    bwrap = shutil.which("bwrap") or "bwrap"
    prefix = [bwrap, "--unshare-all", "--die-with-parent", "--new-session"]
    prefix += ["--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin"]
    prefix += [
        "--symlink",
        "usr/lib",
        "/lib",
        "--symlink",
        "usr/lib64",
        "/lib64",
        "--proc",
        "/proc",
    ]
    prefix += ["--dev", "/dev", "--"]
    true_plain = statistics.median(_timed_true([]) for _ in range(args.runs * 4))
    true_boxed = statistics.median(_timed_true(prefix) for _ in range(args.runs * 4))
    gate_plain, gate_boxed = statistics.median(plain), statistics.median(boxed)
    gate = " ".join(args.gate)
    print(f"gate `{gate}` on the example project, median of {args.runs} alternating runs:")
    print(f"  unsandboxed: {gate_plain * 1000:.0f} ms")
    print(f"  sandboxed:   {gate_boxed * 1000:.0f} ms")
    print(
        f"  ratio sandboxed/unsandboxed: {gate_boxed / gate_plain:.2f}x "
        f"({(gate_boxed - gate_plain) * 1000:+.0f} ms)"
    )
    print(
        f"/bin/true: {true_plain * 1000:.1f} ms bare, {true_boxed * 1000:.1f} ms under bwrap, "
        f"ratio {true_boxed / true_plain:.1f}x"
    )


if __name__ == "__main__":
    main()

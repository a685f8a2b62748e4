"""The longer fuzz run: each target of the fuzz suite for minutes, counting inputs and crashes.

Run: `uv run --no-sync python -m benchmarks.fuzz --minutes 2 [--targets a,b] [--keep DIR]`
(or `--inputs 10000`: each target until it tried that many).
Prints, per target, the inputs tried, the rate and the crashes found (0 is the target). Each
crashing input (shrunk by hypothesis) is kept as `DIR/<target>/<digest>.msgpack` (default
`tests/fuzz/crashes`), which `tests/fuzz/test_fuzz.py` replays on every test run, so what a
long run finds becomes a regression test by committing the file. It never asserts a time.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import time
import traceback
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import InvalidArgument

from tests.fuzz.common import Target
from tests.fuzz.targets import all_targets, new_workspace

DEFAULT_KEEP = Path(__file__).resolve().parent.parent / "tests" / "fuzz" / "crashes"
# Inputs per hypothesis run: the clock is looked at between runs, so a run stays short.
_BATCH = 200


class Tally:
    """What one target's runs came to."""

    def __init__(self) -> None:
        self.inputs = 0
        self.crashes = 0
        self.kept: list[Path] = []
        self.first_error = ""


def fuzz_target(
    target: Target, seconds: float, keep: Path, rng: random.Random, inputs: int | None = None
) -> Tally:
    """Run `target` for about `seconds` (or until it tried `inputs`), in batches of fresh
    random inputs."""
    tally = Tally()
    deadline = time.monotonic() + seconds
    last: list[Any] = [None]

    def body(value: Any) -> None:
        tally.inputs += 1
        last[0] = value
        target.check(value)

    run = settings(
        max_examples=_BATCH,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )(given(target.strategy)(body))
    while tally.inputs < inputs if inputs is not None else time.monotonic() < deadline:
        try:
            seed(rng.getrandbits(64))(run)()
        except InvalidArgument:
            raise  # a mistake in this script or the target, not a finding
        except Exception as exc:
            # Hypothesis replays the shrunk failing input last: that is the one kept.
            tally.crashes += 1
            tally.first_error = (
                tally.first_error
                or "".join(traceback.format_exception_only(type(exc), exc)).strip()[:300]
            )
            kept = _keep(keep / target.name, last[0])
            if kept not in tally.kept:
                tally.kept.append(kept)
    return tally


def _keep(folder: Path, value: Any) -> Path:
    data = msgspec.msgpack.encode(value)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()[:16]}.msgpack"
    path.write_bytes(data)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="per target (default 1)")
    parser.add_argument("--targets", default="", help="comma-separated names (default: all)")
    parser.add_argument("--keep", type=Path, default=DEFAULT_KEEP, help="where crashes go")
    parser.add_argument("--seed", type=int, default=None, help="for a repeatable run")
    parser.add_argument(
        "--inputs", type=int, default=None, help="run each target until it tried this many"
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    workspace = new_workspace()
    try:
        targets = all_targets(workspace)
        wanted = {name for name in args.targets.split(",") if name}
        unknown = wanted - {target.name for target in targets}
        if unknown:
            raise SystemExit(f"unknown targets: {', '.join(sorted(unknown))}")
        header = f"{'target':<20} {'inputs':>9} {'per s':>8} {'minutes':>8} {'crashes':>8}"
        print(header, flush=True)
        total_inputs = total_crashes = 0
        for target in targets:
            if wanted and target.name not in wanted:
                continue
            started = time.monotonic()
            tally = fuzz_target(target, args.minutes * 60, args.keep, rng, args.inputs)
            took = max(time.monotonic() - started, 1e-9)
            print(
                f"{target.name:<20} {tally.inputs:>9,} {tally.inputs / took:>8,.0f} "
                f"{took / 60:>8.1f} {tally.crashes:>8}",
                flush=True,
            )
            for path in tally.kept:
                print(f"  kept {path}")
            if tally.first_error:
                print(f"  first: {tally.first_error}")
            total_inputs += tally.inputs
            total_crashes += tally.crashes
        print(f"{'all':<20} {total_inputs:>9,} {'':>8} {'':>8} {total_crashes:>8}")
    finally:
        shutil.rmtree(workspace.root, ignore_errors=True)


if __name__ == "__main__":
    main()

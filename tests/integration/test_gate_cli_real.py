"""The installed console script, as docs/gates.md runs it, on a copy of the bundled example."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import gate_parent_env

pytestmark = pytest.mark.integration


def test_console_script_runs_the_readme_gate_on_the_example(
    example_dir: Path, tmp_path: Path
) -> None:
    env = gate_parent_env()
    uv_cache = subprocess.run(
        [sys.executable, "-m", "uv", "cache", "dir"], capture_output=True, text=True, check=True
    ).stdout.strip()
    # A private cache home keeps the per-repository environment out of the real ~/.cache,
    # while uv's own package cache is reused so nothing is downloaded again.
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), UV_CACHE_DIR=uv_cache)
    script = os.path.join(os.path.dirname(sys.executable), "engineering-loop")
    done = subprocess.run(
        [script, "gate", "run", "--repo", str(example_dir), "--", "pytest", "-q"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    report = json.loads(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (report["verdict"], report["snapshot_mode"], report["side_effects"]) == (
        "passed",
        "all-files",
        [],
    )
    assert report["environment"].startswith(str(tmp_path / "cache" / "engineering-loop"))
    # The example's three tests, each a dot under its `-q` addopts plus the gate's own `-q`.
    assert report["gates"][0]["stdout"].split()[0] == "..."

"""The README's first command ends in `demo run`: that part, exactly as written there, run from the
repository root, prints what the README shows (the install parts before it are what the test
command itself does)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.doc_examples import output_matches, shell_blocks
from tests.support.pi_agent import require_pi
from tests.support.sandbox import require_bwrap

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def first_command() -> str:
    """The README's command 1: the first line of its first `sh` block that is not a comment."""
    block = re.search(r"^```sh\n(.*?)^```", README.read_text(), flags=re.S | re.M)
    assert block is not None
    return next(line for line in block.group(1).splitlines() if line and not line.startswith("#"))


def shown_output(command: str) -> str:
    """What the README's console example of `command` shows it printing."""
    for block in shell_blocks(README):
        for example in block.examples:
            if example.command == command and example.expected is not None:
                return example.expected
    raise AssertionError(f"README.md shows no output of `$ {command}`")


def test_the_first_command_installs_and_then_runs_demo_run() -> None:
    parts = first_command().split(" && ")
    assert parts[0] == "python3 -m pip install -q uv==0.13.9"
    assert "python3 -m uv sync --locked --quiet" in parts
    assert any(part.startswith("npm ci --prefix tools/pi ") for part in parts)
    assert parts[-1].endswith("engineering-loop demo run")


def test_the_first_commands_demo_run_prints_what_the_readme_shows(tmp_path: Path) -> None:
    require_pi()
    require_bwrap()
    demo_run = first_command().split(" && ")[-1]
    home_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    env = {
        **os.environ,
        # The demo's folder and the gate environments under this test's folder. The gates'
        # packages come offline from the uv cache the test command filled (the README's own run
        # goes online).
        "TMPDIR": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR") or str(home_cache / "uv"),
        "UV_OFFLINE": "1",
    }
    done = subprocess.run(
        ["bash", "-c", demo_run],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    context = f"$ {demo_run}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert done.returncode == 0, context
    assert output_matches(shown_output("engineering-loop demo run"), done.stdout), context
    (made,) = [p for p in tmp_path.iterdir() if p.name.startswith("engineering-loop-demo-")]
    assert f"folder: {made}\n" in done.stdout

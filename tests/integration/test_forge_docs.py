"""docs/forge.md stays true: its shell example runs, its TOML is a valid configuration."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from domain.config import parse_config

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "forge.md").read_text()


def test_the_shell_example_runs_and_lists_no_pull_request(tmp_path: Path) -> None:
    block = re.search(r"^```sh\n(.*?)^```", DOC, flags=re.S | re.M)
    assert block is not None
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "TMPDIR": str(tmp_path),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(
        ["bash", "-c", block.group(1)],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("[]")
    assert '"labels":["loop:approved"]' in done.stdout


def test_the_toml_example_is_a_valid_configuration() -> None:
    block = re.search(r"^```toml\n(.*?)^```", DOC, flags=re.S | re.M)
    assert block is not None
    config = parse_config(block.group(1)).unwrap()
    assert config.forge is not None
    assert config.forge.kind == "github"

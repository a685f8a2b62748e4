"""The installed `engineering-loop` console script runs `gate prepare` as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent


def test_console_script_prepares_a_gate(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "d"\nversion = "0"\n')
    (tmp_path / "uv.lock").write_text("version = 1\n")
    done = subprocess.run(
        [str(BIN / "engineering-loop"), "gate", "prepare", "--repo", str(tmp_path), "--", "mypy"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["executed"] == ["uv", "run", "--locked", "mypy"]
    assert done.stderr == ""


def test_gate_prepare_imports_neither_httpx_nor_dulwich(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from entrypoints.cli.main import main\n"
        f"code = main(['gate', 'prepare', '--repo', {str(tmp_path)!r}, '--', 'pytest'])\n"
        "heavy = sorted(m for m in ('httpx', 'dulwich') if m in sys.modules)\n"
        "print('HEAVY', heavy, code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.stdout.splitlines()[-1] == "HEAVY [] 0", done.stderr

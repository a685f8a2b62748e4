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


@pytest.mark.parametrize(
    "command",
    [
        ["gate", "prepare", "--repo", "{repo}", "--", "pytest"],
        ["gate", "select", "--repo", "{repo}", "a.py"],
        ["gate", "check-files", "{repo}/a.py"],
        ["budget", "plan", "--labels", "x"],
        ["harness", "normalise", "--harness", "pi", "{repo}/t.jsonl"],
    ],
    ids=lambda command: " ".join(command[:2]),
)
def test_commands_that_need_neither_import_httpx_or_dulwich(
    tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "t.jsonl").write_text('{"type": "agent_end", "messages": []}\n')
    argv = [part.replace("{repo}", str(tmp_path)) for part in command]
    script = (
        "import sys\n"
        "from entrypoints.cli.main import main\n"
        f"code = main({argv!r})\n"
        "heavy = sorted(m for m in ('httpx', 'dulwich') if m in sys.modules)\n"
        "print('HEAVY', heavy, code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.stdout.splitlines()[-1] == "HEAVY [] 0", done.stderr

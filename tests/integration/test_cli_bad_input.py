"""Bad input to any command is a clear error value with a stable code, never a traceback."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MISSING = "/nonexistent-engineering-loop"
KEBAB = re.compile(r"[a-z]+(?:-[a-z0-9]+)*\Z")

# (argv, the stable error code): every one must exit 2 with that code and no traceback.
CASES = [
    (["gate", "prepare", "--repo", MISSING, "--", "pytest"], "project-unreadable"),
    (["gate", "prepare", "--repo", ".", "--batch", MISSING], "batch-unreadable"),
    (["gate", "select", "--repo", MISSING, "a.py"], "repo-not-found"),
    (["gate", "run", "--repo", MISSING, "--", "pytest"], "repo-not-found"),
    (["gate", "run", "--repo", ".", "--timeout", "-1", "--", "pytest"], "usage-error"),
    (["check", "--repo", MISSING, "--config", f"{MISSING}.toml"], "config-missing"),
    (["policy", "check", "--repo", MISSING], "config-missing"),
    (["harness", "normalise", "--harness", "pi", MISSING], "input-missing"),
    (["harness", "normalise", "--harness", "nope"], "usage-error"),
    (["harness", "run", "--harness", "pi", "--repo", MISSING, "--prompt-file", MISSING], None),
    (["budget", "plan", "--labels", "a", "--ledger", f"{MISSING}/x.db"], "ledger-dir-missing"),
    (["budget", "plan", "--labels", "a", "--now", "garbage"], "now-invalid"),
    (["ledger", "settle", "X", "--cost", "abc", "--ledger", f"{MISSING}.db"], "cost-invalid"),
    (["ledger", "show", "--ledger", MISSING, "--day", "2026-13-45"], "day-invalid"),
    (["demo", "check", "--variant", "nope"], "usage-error"),
    (["forge", "local", "issue", "show", "no-slash", "1", "--dir", MISSING], "forge-invalid-input"),
    (["forge", "local", "issue", "show", "a/b", "one", "--dir", MISSING], "usage-error"),
    (["forge", "local", "user", "set", "a/b", "u", "own", "--dir", MISSING], "forge-invalid-input"),
    (["no-such-command"], "usage-error"),
]


def _console_script() -> str:
    found = shutil.which("engineering-loop", path=str(Path(sys.executable).parent))
    assert found is not None, "the console script is installed with the project"
    return found


@pytest.mark.parametrize(
    ("argv", "code"), CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else str(v)
)
def test_bad_input_is_an_error_value_not_a_traceback(
    argv: list[str], code: str | None, tmp_path: Path
) -> None:
    result = subprocess.run(
        [_console_script(), *argv],
        cwd=tmp_path,  # no engineering-loop.toml here
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr
    assert result.returncode == 2
    error = json.loads(result.stdout.splitlines()[-1])["error"]
    assert KEBAB.match(error["code"])
    assert error["message"]
    if code is not None:
        assert error["code"] == code

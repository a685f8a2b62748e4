"""docs/service.md stays true: its shell example prints what the page shows, its Python runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "service.md").read_text()


def _block(language: str) -> str:
    found = re.search(rf"^```{language}\n(.*?)^```", DOC, flags=re.S | re.M)
    assert found is not None
    return found.group(1)


def test_the_shell_example_prints_what_the_page_shows(tmp_path: Path) -> None:
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "TMPDIR": str(tmp_path),
    }
    done = subprocess.run(
        ["bash", "-c", _block("sh")],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    shown = _block("text").splitlines()
    printed = done.stdout.splitlines()
    assert printed[:4] == shown[:4]
    refusal = json.loads(printed[4])
    assert refusal["error"]["code"] == json.loads(shown[4])["error"]["code"]
    assert refusal["error"]["message"].endswith(shown[4].split("...", 1)[1].split('"}')[0])
    assert printed[5:] == shown[5:] == ["exit 3"]


def test_the_python_example_prints_its_comment() -> None:
    code = _block("python")
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == code.rsplit("# ", 1)[1].strip()

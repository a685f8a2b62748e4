"""Gates never run bytecode an agent planted in the worktree's (usually ignored) __pycache__."""

from __future__ import annotations

import os
import py_compile
import subprocess
import sys
from pathlib import Path

import pytest

from domain.gates.env import gate_environment

pytestmark = pytest.mark.integration


def _plant(repo: Path) -> None:
    """`pkg/__init__.py` says X = 1; a .pyc whose header matches it says X = 2."""
    source = repo / "pkg" / "__init__.py"
    source.parent.mkdir(parents=True)
    source.write_text("X = 2\n")
    stamp = os.stat(source).st_mtime_ns
    py_compile.compile(str(source), doraise=True)  # pkg/__pycache__/__init__.cpython-3XX.pyc
    source.write_text("X = 1\n")  # same size
    os.utime(source, ns=(stamp, stamp))  # same mtime: the planted .pyc looks up to date


def _x_seen(repo: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import pkg; print(pkg.X)"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def test_a_planted_pyc_runs_without_the_prefix_and_not_in_a_gate_environment(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    _plant(repo)
    parent = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path / "home")}
    # Without our environment Python trusts the planted bytecode: the hazard is real.
    assert _x_seen(repo, {**parent, "PYTHONDONTWRITEBYTECODE": "1"}) == "2"
    env = gate_environment(parent, str(repo)).unwrap()
    assert _x_seen(repo, env) == "1"
    assert not Path(env["PYTHONPYCACHEPREFIX"]).exists()  # nothing written there either

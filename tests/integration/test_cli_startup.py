"""The CLI builds its whole command tree without importing the heavy adapters' libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("httpx", "dulwich")


def test_building_the_command_tree_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from entrypoints.cli.main import build_parser\n"
        "build_parser()\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_help_exits_zero_and_lists_the_exit_codes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli.main", "--help"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "Exit codes" in result.stdout


def test_version_prints_the_installed_distributions_version_and_exits_zero() -> None:
    from importlib import metadata

    result = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli.main", "--version"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"engineering-loop {metadata.version('engineering-loop')}\n"


def test_help_lists_the_version_option() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli.main", "--help"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "--version" in result.stdout

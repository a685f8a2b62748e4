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


def _help_of(modules: tuple[str, ...], command: str) -> str:
    import contextlib
    import io

    import pytest

    from entrypoints.cli.main import build_parser

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        build_parser(modules).parse_args([command, "--help"])
    return out.getvalue()


def test_each_command_built_from_its_own_modules_has_the_whole_trees_help() -> None:
    from entrypoints.cli.main import _COMMAND_MODULES, _FEATURE_MODULES

    for command, modules in _COMMAND_MODULES.items():
        assert set(modules) <= set(_FEATURE_MODULES), command
        assert _help_of(modules, command) == _help_of(_FEATURE_MODULES, command), command


def test_gate_prepare_imports_no_other_capability() -> None:
    code = (
        "import sys\n"
        "from entrypoints.cli.main import main\n"
        "main(['gate', 'prepare', '--repo', '.', '--', 'pytest'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('entrypoints', 'domain'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = result.stdout.splitlines()[-1]
    for other in ("harness", "policy", "changes", "check", "entrypoints.cli.budget", "config"):
        assert other not in loaded, loaded


def test_the_library_api_loads_each_name_from_the_module_its_type_imports_name() -> None:
    import ast
    import importlib
    from pathlib import Path

    from entrypoints import api

    source = Path(api.__file__).read_text()
    typed = {
        alias.asname or alias.name: node.module
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("entrypoints.api.")
        for alias in node.names
    }
    assert typed == api._EXPORTS
    for name, module in api._EXPORTS.items():
        assert getattr(api, name) is getattr(importlib.import_module(module), name), name


def test_the_readme_commands_install_dependencies_with_bytecode() -> None:
    # `uv sync` and `uv run` compile because [tool.uv] says so, under both README commands.
    # msgspec.yaml is never imported here (it needs PyYAML), so no run of Python wrote its pyc.
    from pathlib import Path

    import msgspec

    package = Path(msgspec.__file__).parent
    compiled = package / "__pycache__" / f"yaml.{sys.implementation.cache_tag}.pyc"
    assert compiled.is_file()

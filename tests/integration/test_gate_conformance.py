"""Real-world conformance: gates prepared for projects shaped like real ones, run with real uv.

Each project in `tests/data/projects/` keeps its tools where real projects do (a test/lint/typing
split without dev, include-group, `default-groups = "all"`, Flask's layout, extras only, the
legacy `dev-dependencies`, a dev group without pytest). Its lock pins the same pytest, ruff and
mypy as the bundled example, so the uv cache the dev environment fills serves them offline.
For each: the selected pytest, ruff and mypy gates start their tool through the group or extra
that provides it (exit 0 when clean, non-zero on a planted failure), and `uv run
--show-settings` on the prepared argv shows that group or extra selected.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from domain.gates.declared import DeclaredGate
from domain.gates.project import ProjectFiles, derive_facts
from domain.gates.run import GateRunReport
from domain.gates.select import GatePlan
from entrypoints.api.gates.prepare import prepare_gate_in
from entrypoints.api.gates.run import run_gates, select_for_paths
from tests.integration.conftest import gate_parent_env
from tests.integration.uv_project import uv_binary

pytestmark = pytest.mark.integration

PROJECTS = Path(__file__).resolve().parents[1] / "data" / "projects"

# shape -> the flag each tool's gate must carry: (kind, name) for pytest, ruff, mypy.
EXPECTED: dict[str, dict[str, tuple[str, str]]] = {
    "split": {"pytest": ("group", "test"), "ruff": ("group", "lint"), "mypy": ("group", "typing")},
    "joined": {"pytest": ("group", "ci"), "ruff": ("group", "ci"), "mypy": ("group", "ci")},
    "default-all": {
        "pytest": ("group", "test"),
        "ruff": ("group", "lint"),
        "mypy": ("group", "typing"),
    },
    "flask": {"pytest": ("group", "tests"), "ruff": ("group", "dev"), "mypy": ("group", "typing")},
    "extras": {"pytest": ("extra", "test"), "ruff": ("extra", "lint"), "mypy": ("extra", "typing")},
    "legacy": {"pytest": ("group", "dev"), "ruff": ("group", "dev"), "mypy": ("group", "dev")},
    "dev-without-pytest": {
        "pytest": ("group", "test"),
        "ruff": ("group", "dev"),
        "mypy": ("group", "dev"),
    },
}
SHAPES = sorted(EXPECTED)

CLEAN_SOURCE = 'def greet(name: str) -> str:\n    return f"hello {name}"\n'
CLEAN_TEST = (
    "from pkg import greet\n\n\ndef test_greet() -> None:\n    assert greet('a') == 'hello a'\n"
)
# One plant per tool: an unused import (ruff), a type error (mypy), a failing test (pytest).
BROKEN_SOURCE = 'import os\n\n\ndef greet(name: str) -> int:\n    return f"hello {name}"\n'
BROKEN_TEST = (
    "from pkg import greet\n\n\ndef test_greet() -> None:\n    assert greet('a') == 'bye'\n"
)
CHANGED = ["pkg/__init__.py", "tests/test_pkg.py"]


def _project(tmp_path: Path, shape: str, *, broken: bool) -> Path:
    root = tmp_path / shape
    shutil.copytree(PROJECTS / shape, root)
    (root / "pkg").mkdir()
    (root / "tests").mkdir()
    (root / "pkg" / "__init__.py").write_text(BROKEN_SOURCE if broken else CLEAN_SOURCE)
    (root / "tests" / "test_pkg.py").write_text(BROKEN_TEST if broken else CLEAN_TEST)
    return root


def _offline_env() -> dict[str, str]:
    return {**gate_parent_env(), "UV_OFFLINE": "1", "UV_PYTHON_DOWNLOADS": "never"}


def _run(root: Path, plan: GatePlan, env_dir: Path) -> GateRunReport:
    return run_gates(
        str(root), plan, parent_env=_offline_env(), env_dir=str(env_dir), timeout_s=300
    ).unwrap()


def _flag(kind: str, name: str) -> tuple[str, str]:
    return ("--group", name) if kind == "group" else ("--extra", name)


def _chosen_by_uv(root: Path, executed: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The groups and extras real uv parsed from the prepared line (`--show-settings`)."""
    assert executed[:2] == ("uv", "run")
    shown = subprocess.run(
        [uv_binary(), "run", "--show-settings", *executed[2:]],
        cwd=root,
        env=_offline_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    flat = re.sub(r"\s+", "", shown)
    groups = re.search(r"DependencyGroupsHistory\{dev_mode:[^,]*,group:\[(.*?)\],only_group", flat)
    extras = re.search(r"ExtrasSpecificationHistory\{extra:\[(.*?)\],only_extra", flat)
    assert groups is not None, shown[-2000:]
    assert extras is not None, shown[-2000:]
    return (
        re.findall(r'GroupName\("([^"]+)"', groups.group(1)),
        re.findall(r'ExtraName\("([^"]+)"', extras.group(1)),
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_each_tool_runs_through_the_group_that_provides_it(shape: str, tmp_path: Path) -> None:
    root = _project(tmp_path, shape, broken=False)
    plan = select_for_paths(str(root), CHANGED).unwrap()
    assert [g.name for g in plan.gates] == ["check-files", "pytest", "ruff", "mypy"]
    assert plan.unverified == ()
    report = _run(root, plan, tmp_path / "env")
    outputs = [g.stdout + g.stderr for g in report.gates]
    assert [(g.name, g.status) for g in report.gates] == [
        ("check-files", "passed"),
        ("pytest", "passed"),
        ("ruff", "passed"),
        ("mypy", "passed"),
    ], outputs
    assert (report.verdict, report.side_effects) == ("passed", ())
    for gate in report.gates[1:]:
        kind, name = EXPECTED[shape][gate.name]
        executed = gate.executed
        assert executed[:3] == ("uv", "run", "--locked")
        assert executed[3:5] == _flag(kind, name), executed
        groups, extras = _chosen_by_uv(root, executed)
        assert (groups, extras) == (([name], []) if kind == "group" else ([], [name]))


@pytest.mark.parametrize("shape", SHAPES)
def test_a_planted_failure_fails_each_tool(shape: str, tmp_path: Path) -> None:
    root = _project(tmp_path, shape, broken=True)
    plan = select_for_paths(str(root), CHANGED).unwrap()
    report = _run(root, plan, tmp_path / "env")
    by_name = {g.name: g for g in report.gates}
    for tool, evidence in (
        ("pytest", "assert 'hello a' == 'bye'"),
        ("ruff", "F401"),
        ("mypy", "Incompatible return value type"),
    ):
        gate = by_name[tool]
        # The tool itself ran and failed: not "No module named ..." from a missing group.
        assert gate.status == "failed", gate.stdout + gate.stderr
        assert gate.exit_code not in (0, None)
        assert evidence in gate.stdout + gate.stderr, gate.stdout + gate.stderr
        assert "No module named" not in gate.stdout + gate.stderr
    assert (report.verdict, report.side_effects) == ("failed", ())


def test_an_explicit_flag_keeps_a_default_group_when_defaults_are_switched_off(
    tmp_path: Path,
) -> None:
    # `test` is a default group ("all"): the prepared gate names it anyway, so it still runs
    # when UV_NO_DEFAULT_GROUPS drops every default group; the bare line does not.
    root = _project(tmp_path, "default-all", broken=False)
    plan = select_for_paths(str(root), CHANGED).unwrap()
    report = _run(root, plan, tmp_path / "env")
    pytest_gate = next(g for g in report.gates if g.name == "pytest")
    assert pytest_gate.executed[3:5] == ("--group", "test")
    detail = prepare_gate_in(str(root), ["pytest"]).unwrap().rewrites[-1].detail
    assert "test is a default group, named explicitly" in detail
    base = {
        **_offline_env(),
        "UV_NO_DEFAULT_GROUPS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTEST_ADDOPTS": "-p no:cacheprovider",
    }
    base.pop("VIRTUAL_ENV", None)

    def run(argv: tuple[str, ...], env_name: str) -> subprocess.CompletedProcess[str]:
        # A fresh environment per line: uv run never removes what an earlier sync installed.
        env = {**base, "UV_PROJECT_ENVIRONMENT": str(tmp_path / env_name)}
        return subprocess.run(
            [uv_binary(), *argv[1:]],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    explicit = run(pytest_gate.executed, "env-explicit")
    assert explicit.returncode == 0, explicit.stdout + explicit.stderr
    without_flag = run(pytest_gate.executed[:3] + pytest_gate.executed[5:], "env-implicit")
    assert without_flag.returncode != 0
    assert "No module named pytest" in without_flag.stderr


@pytest.mark.parametrize("shape", ["split", "flask"])
def test_declared_gates_run_through_the_providing_group_and_leave_no_trace(
    shape: str, tmp_path: Path
) -> None:
    # Plain declared commands, as an operator writes them: no --no-cache, no cache flags. The
    # gate environment keeps ruff's, mypy's and pytest's caches out of the checkout.
    root = _project(tmp_path, shape, broken=False)
    (root / "conftest.py").write_text("")  # puts the root on sys.path for a bare `pytest`
    declared = (
        DeclaredGate(argv=("pytest", "-q"), timeout_s=300),
        DeclaredGate(argv=("ruff", "check", "."), timeout_s=300),
        DeclaredGate(argv=("mypy", "pkg"), timeout_s=300),
    )
    plan = select_for_paths(str(root), CHANGED, declared=declared).unwrap()
    assert [(g.name, g.origin) for g in plan.gates] == [
        ("check-files", "selected"),
        ("pytest", "declared"),
        ("ruff", "declared"),
        ("mypy", "declared"),
    ]
    report = _run(root, plan, tmp_path / "env")
    outputs = [g.stdout + g.stderr for g in report.gates]
    assert [g.status for g in report.gates] == ["passed"] * 4, outputs
    assert (report.verdict, report.side_effects) == ("passed", ())
    assert not {".ruff_cache", ".mypy_cache", ".pytest_cache"} & {p.name for p in root.iterdir()}
    executed = {g.name: g.executed[3:5] for g in report.gates[1:]}
    flags = {tool: _flag(*EXPECTED[shape][tool]) for tool in ("pytest", "ruff", "mypy")}
    assert executed == flags


@pytest.mark.parametrize(
    "groups",
    [
        'a = [{include-group = "b"}]\nb = [{include-group = "a"}]\n',
        'a = [{include-group = "missing"}]\n',
    ],
)
def test_uv_rejects_the_groups_the_facts_reject(groups: str, tmp_path: Path) -> None:
    text = f'[project]\nname = "x"\nversion = "0"\n[dependency-groups]\n{groups}'
    (tmp_path / "pyproject.toml").write_text(text)
    locked = subprocess.run(
        [uv_binary(), "lock", "--offline"],
        cwd=tmp_path,
        env=_offline_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert locked.returncode != 0
    assert "has malformed dependency groups" in locked.stderr, locked.stderr
    facts = derive_facts(ProjectFiles(pyproject_text=text, lockfile_present=True))
    assert facts.failure().code == "dependency-groups-invalid"

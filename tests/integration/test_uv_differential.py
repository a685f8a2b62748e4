"""Differential test: the pinned real uv agrees with our parser and with what prepare_gate promises.

For generated lines we accept, `uv --show-settings <executed...>` (uv parses the whole line and
prints its resolved settings without running anything) exits 0, reports locked, frozen or
no-sync as we say, and includes the dev group or extra when we select it. Lines our parser calls
uv-invalid are refused by real uv (exit 2). Everything runs offline in a throwaway project.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from returns.pipeline import is_successful

from domain.gates.prepare import gate_project_dir, is_python_gate, prepare_gate
from domain.gates.project import ProjectFacts
from domain.gates.uv_grammar import UV_INVALID_CODES, UvRun, parse_uv_run
from tests.integration.uv_project import Project
from tests.uv_lines import VALUE_SAMPLES, uv_lines

pytestmark = pytest.mark.integration

_NAME = re.compile(r'(?:GroupName|ExtraName)\(\s*"([^"]+)"')


def _section(text: str, start: str, end: str) -> str:
    head = text.index(start)
    return text[head : text.index(end, head)]


class Settings:
    """The parts of `uv --show-settings` output (Rust Debug format) the gate rules care about."""

    def __init__(self, stdout: str) -> None:
        run = stdout[stdout.index("RunSettings {") :]
        lock = _section(run, "lock_check:", "frozen:")
        self.locked = "Locked" in lock
        self.frozen = (
            _section(run, "frozen:", "extras:").split(":", 1)[1].strip().startswith("Some")
        )
        self.no_sync = re.search(r"\bno_sync: true", run) is not None
        groups = _section(run, "groups: DependencyGroups", "history:")
        extras = _section(run, "extras: ExtrasSpecification", "history:")
        self.groups = self._included(groups, "only_groups:")
        self.extras = self._included(extras, "only_extras:")

    @staticmethod
    def _included(block: str, only: str) -> tuple[bool, set[str], set[str]]:
        """(all included?, names included, names excluded) of one selection block."""
        include = _section(block, "include:", "exclude:")
        exclude = set(_NAME.findall(_section(block, "exclude:", only)))
        every = include.split(":", 1)[1].strip().startswith("All")
        return every, set(_NAME.findall(include)), exclude


def _dev_in(selection: tuple[bool, set[str], set[str]]) -> bool:
    every, included, excluded = selection
    return (every or "dev" in included) and "dev" not in excluded


def _quiet(run: UvRun) -> bool:
    # -q makes uv print no settings at all; such lines are checked for their exit code only.
    return any(o.name == "--quiet" for o in (*run.top, *run.options))


def _check_line(project: Project, argv: list[str]) -> None:
    parsed = parse_uv_run(argv)
    if not is_successful(parsed) and parsed.failure().code in UV_INVALID_CODES:
        refused = project.uv("--show-settings", *argv[1:])
        assert refused.returncode == 2, (argv, parsed.failure(), refused.stdout[-300:])
        # uv's silent mode (-qq) prints no error message, only the exit code.
        assert "error" in refused.stderr or not refused.stderr
        return
    prepared = prepare_gate(argv, project.facts(".") or ProjectFacts(), facts_for=project.facts)
    if not is_successful(prepared):
        return
    executed = list(prepared.unwrap().executed)
    shown = project.uv("--show-settings", *executed[1:])
    assert shown.returncode == 0, (executed, shown.stderr[-500:])
    run = parse_uv_run(executed).unwrap()
    if _quiet(run):
        return
    found = Settings(shown.stdout)
    names = {o.name for o in run.options}
    assert found.locked == ("--locked" in names), executed
    assert found.frozen == ("--frozen" in names), executed
    assert found.locked or found.frozen or found.no_sync, executed
    target = project.facts(gate_project_dir(executed) or ".")
    assert target is not None
    if is_python_gate(executed) and target.dev_group:
        assert _dev_in(found.groups), (executed, found.groups)
    elif is_python_gate(executed) and target.dev_extra:
        assert _dev_in(found.extras), (executed, found.extras)


@settings(
    max_examples=160,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=uv_lines())
@example(argv=["uv", "run", "--only-group", "lint", "pytest"])
@example(argv=["uv", "run", "--all-groups", "--no-group", "lint", "pytest"])
@example(argv=["uv", "--directory", "sub", "run", "--no-dev", "pytest"])
@example(argv=["uv", "run", "--project", "sub", "--all-extras", "ruff", "check"])
@example(argv=["uv", "run", "--no-sync", "--frozen", "mypy", "."])
@example(argv=["uv", "run", "-mpytest", "pytest"])
@example(argv=["uv", "run", "--no-locked", "--locked", "--locked", "x"])
@example(argv=["uv", "run", "-qv", "pytest"])
@example(argv=["uv", "run", "--no-group", "dev  lint", "pytest"])
@example(argv=["uv", "run", "--module", "-"])
@example(argv=["uv", "--allow-python-downloads", "--no-python-downloads", "run", "-qq", "x"])
def test_real_uv_agrees_with_generated_lines(project: Project, argv: list[str]) -> None:
    _check_line(project, argv)


@pytest.mark.parametrize(
    ("name", "value"), sorted((n, v) for n, vs in VALUE_SAMPLES.items() for v in vs)
)
def test_real_uv_accepts_every_sample_value(project: Project, name: str, value: str) -> None:
    shown = project.uv("--show-settings", "run", f"{name}={value}", "true")
    assert shown.returncode == 0, shown.stderr[-400:]

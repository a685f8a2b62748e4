"""Gate preparation: every case issue 2 section 3 names, one behaviour per test."""

from __future__ import annotations

import shlex

import pytest
from returns.pipeline import is_successful

from domain.gates.prepare import PreparedGate, gate_project_dir, is_python_gate, prepare_gate
from domain.gates.project import ProjectFacts

DEV_GROUP = ProjectFacts(has_pyproject=True, has_lockfile=True, dev_group=True)
DEV_EXTRA = ProjectFacts(has_pyproject=True, has_lockfile=True, dev_extra=True)
NO_DEV = ProjectFacts(has_pyproject=True, has_lockfile=True)
NO_LOCK = ProjectFacts(has_pyproject=True, dev_group=True)
NOT_A_PROJECT = ProjectFacts()


def _prepared(line: str, facts: ProjectFacts) -> PreparedGate:
    result = prepare_gate(shlex.split(line), facts)
    assert is_successful(result), result
    return result.unwrap()


def _executed(line: str, facts: ProjectFacts) -> str:
    return shlex.join(_prepared(line, facts).executed)


def _refusal(line: str, facts: ProjectFacts) -> str:
    result = prepare_gate(shlex.split(line), facts)
    assert not is_successful(result), result
    return result.failure().code


@pytest.mark.parametrize(
    "line",
    [
        "pytest -q",
        "py.test",
        "ruff check .",
        "mypy src",
        "python -m pytest",
        "python3 -m ruff check",
        "python3.12 -m mypy .",
        "python -I -m pytest",
        "python -Impytest",
        "uv run pytest",
        "uv run -m pytest",
        "uv run python -m mypy",
    ],
)
def test_python_gates_are_recognised(line: str) -> None:
    assert is_python_gate(shlex.split(line))


@pytest.mark.parametrize(
    "line",
    [
        "make lint",
        "python tools/check.py",
        "python -c 'import pytest'",
        "python -m pip list",
        "uv run -m pip list",
        "uv run --bogus pytest",
        "pytest-watch",
        "",
    ],
)
def test_other_commands_are_not_python_gates(line: str) -> None:
    assert not is_python_gate(shlex.split(line))


def test_bare_python_gate_in_a_dev_group_project_runs_locked_with_the_dev_group() -> None:
    prepared = _prepared("ruff check .", DEV_GROUP)
    assert shlex.join(prepared.executed) == "uv run --locked --group dev ruff check ."
    assert [r.rule for r in prepared.rewrites] == ["uv-run-wrap", "lock-guard", "dev-group"]


def test_bare_python_gate_in_a_dev_extra_project_runs_locked_with_the_dev_extra() -> None:
    assert _executed("pytest -q", DEV_EXTRA) == "uv run --locked --extra dev pytest -q"


def test_bare_python_gate_without_a_dev_set_runs_locked_without_a_selector() -> None:
    assert _executed("python -m pytest", NO_DEV) == "uv run --locked python -m pytest"


def test_dev_group_wins_over_dev_extra_as_the_selector() -> None:
    both = ProjectFacts(has_pyproject=True, has_lockfile=True, dev_group=True, dev_extra=True)
    assert _executed("mypy .", both) == "uv run --locked --group dev mypy ."


@pytest.mark.parametrize("facts", [NO_LOCK, NOT_A_PROJECT], ids=["no-lockfile", "no-pyproject"])
def test_bare_gate_outside_a_uv_project_stays_as_it_is(facts: ProjectFacts) -> None:
    prepared = _prepared("pytest -q", facts)
    assert prepared.executed == prepared.declared
    assert prepared.rewrites == ()


def test_bare_non_python_gate_stays_as_it_is() -> None:
    assert _executed("make lint", DEV_GROUP) == "make lint"


@pytest.mark.parametrize("facts", [DEV_GROUP, NO_DEV, NOT_A_PROJECT], ids=["dev", "no-dev", "none"])
def test_explicit_uv_run_gets_locked_right_after_run(facts: ProjectFacts) -> None:
    assert _executed("uv -q run ./check.sh", facts) == "uv -q run --locked ./check.sh"


@pytest.mark.parametrize("guard", ["--locked", "--frozen", "--no-sync"])
def test_an_existing_guard_in_the_option_segment_is_kept(guard: str) -> None:
    prepared = _prepared(f"uv run {guard} ./check.sh", DEV_GROUP)
    assert prepared.executed == prepared.declared


def test_locked_after_the_command_belongs_to_the_command() -> None:
    executed = _executed("uv run python tools/check.py --locked", NO_DEV)
    assert executed == "uv run --locked python tools/check.py --locked"


def test_frozen_after_the_double_dash_belongs_to_the_command() -> None:
    executed = _executed("uv run -- python tools/check.py --frozen", NO_DEV)
    assert executed == "uv run --locked -- python tools/check.py --frozen"


@pytest.mark.parametrize(
    "selector",
    ["--group dev", "--dev", "--all-groups", "--only-group dev", "--only-dev", "--group DEV"],
)
def test_dev_group_is_already_selected(selector: str) -> None:
    line = f"uv run --locked {selector} pytest"
    assert _executed(line, DEV_GROUP) == line


@pytest.mark.parametrize("other", ["--group lint", "--extra docs", "--extra dev"])
def test_other_groups_and_extras_do_not_satisfy_the_dev_group(other: str) -> None:
    executed = _executed(f"uv run --locked {other} pytest", DEV_GROUP)
    assert executed == f"uv run --group dev --locked {other} pytest"


def test_only_group_gets_only_group_dev_because_uv_rejects_group_with_it() -> None:
    prepared = _prepared("uv run --only-group lint ruff check", DEV_GROUP)
    assert shlex.join(prepared.executed) == (
        "uv run --locked --only-group dev --only-group lint ruff check"
    )
    assert [r.rule for r in prepared.rewrites] == ["lock-guard", "dev-only-group"]


@pytest.mark.parametrize("selector", ["--extra dev", "--all-extras", "--extra docs,dev"])
def test_dev_extra_is_already_selected(selector: str) -> None:
    line = f"uv run --frozen {selector} pytest"
    assert _executed(line, DEV_EXTRA) == line


def test_dev_extra_is_added_when_missing() -> None:
    assert _executed("uv run --extra docs pytest", DEV_EXTRA) == (
        "uv run --locked --extra dev --extra docs pytest"
    )


def test_non_python_payload_gets_no_dev_selector() -> None:
    assert _executed("uv run --no-dev ./lint.sh", DEV_GROUP) == "uv run --locked --no-dev ./lint.sh"


@pytest.mark.parametrize(
    ("line", "payload"),
    [
        ("uv run --package api pytest -q", "pytest -q"),
        ("uv run --with=pytest-xdist -p 3.12 pytest", "pytest"),
        ("uv run --managed-python pytest -q", "pytest -q"),
        ("uv run --isolated pytest", "pytest"),
    ],
)
def test_options_neither_hide_nor_eat_the_payload(line: str, payload: str) -> None:
    prepared = _prepared(line, DEV_GROUP)
    assert prepared.executed[-len(payload.split()) :] == tuple(payload.split())
    assert prepared.executed[2:5] == ("--locked", "--group", "dev")


def test_empty_argv_is_refused() -> None:
    assert _refusal("", DEV_GROUP) == "empty-command"


@pytest.mark.parametrize("line", ["uv run", "uv run --locked", "uv run --locked --"])
def test_uv_run_without_a_command_is_refused(line: str) -> None:
    assert _refusal(line, DEV_GROUP) == "uv-missing-command"


def test_unknown_uv_option_is_refused() -> None:
    assert _refusal("uv run --lock pytest", DEV_GROUP) == "uv-unknown-option"


def test_value_option_without_a_value_is_refused() -> None:
    assert _refusal("uv run --with", DEV_GROUP) == "uv-missing-value"


def test_flag_with_a_value_is_refused() -> None:
    assert _refusal("uv run --locked=true pytest", DEV_GROUP) == "uv-unexpected-value"


@pytest.mark.parametrize(
    "flags", ["--locked --frozen", "--frozen --locked", "--locked --locked", "--frozen --frozen"]
)
def test_conflicting_or_repeated_lock_flags_are_refused(flags: str) -> None:
    assert _refusal(f"uv run {flags} pytest", DEV_GROUP) == "lock-flags-conflict"


@pytest.mark.parametrize(
    "options",
    [
        "--upgrade",
        "-U",
        "-qU",
        "--locked -U",
        "--upgrade-package ruff",
        "-P ruff",
        "--upgrade-group dev",
        "--no-locked",
        "--locked --no-locked",
        "--no-frozen",
        "-U --no-upgrade",
    ],
)
def test_options_that_defeat_the_lock_guard_are_refused(options: str) -> None:
    assert _refusal(f"uv run {options} pytest", DEV_GROUP) == "lock-guard-defeated"


def test_explicit_uv_gate_without_a_lockfile_is_refused() -> None:
    assert _refusal("uv run pytest", NO_LOCK) == "lockfile-missing"
    assert _refusal("uv run --frozen ./check.sh", NO_LOCK) == "lockfile-missing"


@pytest.mark.parametrize(
    "options",
    [
        "--no-dev",
        "--no-group dev",
        "--no-group 'lint dev'",
        "--all-groups --no-group dev",
        "--group dev --no-dev",
        "--no-project",
    ],
)
def test_python_gate_that_excludes_the_dev_group_is_refused(options: str) -> None:
    assert _refusal(f"uv run {options} pytest", DEV_GROUP) == "dev-dependencies-excluded"


@pytest.mark.parametrize("options", ["--no-extra dev", "--only-group lint", "--only-dev"])
def test_python_gate_that_excludes_the_dev_extra_is_refused(options: str) -> None:
    assert _refusal(f"uv run {options} pytest", DEV_EXTRA) == "dev-dependencies-excluded"


def test_no_dev_does_not_exclude_a_dev_extra() -> None:
    assert _executed("uv run --no-dev pytest", DEV_EXTRA) == (
        "uv run --locked --extra dev --no-dev pytest"
    )


def test_a_later_dev_overrides_no_dev() -> None:
    assert _executed("uv run --no-dev --dev pytest", DEV_GROUP) == (
        "uv run --locked --no-dev --dev pytest"
    )


def test_directory_makes_that_projects_facts_count() -> None:
    seen: list[str] = []

    def facts_for(directory: str) -> ProjectFacts | None:
        seen.append(directory)
        return DEV_EXTRA

    result = prepare_gate(
        ["uv", "--directory", "svc/./api/", "run", "pytest"], NOT_A_PROJECT, facts_for=facts_for
    )
    assert result.unwrap().executed == (
        "uv",
        "--directory",
        "svc/./api/",
        "run",
        "--locked",
        "--extra",
        "dev",
        "pytest",
    )
    assert seen == ["svc/api"]


def test_project_relative_to_directory_names_the_project() -> None:
    argv = ["uv", "--directory", "a", "run", "--project", "../b", "pytest"]
    assert gate_project_dir(argv) == "b"
    result = prepare_gate(argv, DEV_GROUP, facts_for={"b": NO_LOCK}.get)
    assert result.failure().code == "lockfile-missing"


def test_directory_without_supplied_facts_is_refused() -> None:
    assert _refusal("uv run --project sub pytest", DEV_GROUP) == "project-facts-unavailable"


@pytest.mark.parametrize("path", ["/etc", "..", "a/../../b"])
def test_directory_outside_the_gate_cwd_is_refused(path: str) -> None:
    assert _refusal(f"uv run --directory {path} pytest", DEV_GROUP) == "project-outside-repo"


def test_directory_that_is_the_cwd_uses_the_given_facts() -> None:
    assert _executed("uv run --project ./ pytest", DEV_GROUP) == (
        "uv run --locked --group dev --project ./ pytest"
    )


@pytest.mark.parametrize("line", ["uv sync", "uv run --help pytest", "uv --show-settings run x"])
def test_lines_that_do_not_run_the_command_are_refused(line: str) -> None:
    assert _refusal(line, DEV_GROUP) == "uv-not-run"


def test_python_m_uv_is_prepared_like_uv() -> None:
    assert _executed("python3 -m uv run pytest", NO_DEV) == "python3 -m uv run --locked pytest"

"""Invariants of gate selection over generated changes and project facts."""

from __future__ import annotations

from random import Random

from hypothesis import example, given
from hypothesis import strategies as st

from domain.gates.project import DependencySet, ProjectFacts
from domain.gates.select import (
    ChangedFile,
    GatePlan,
    is_python_path,
    is_safe_relative_path,
    select_gates,
    verifies,
)

_segment = st.sampled_from(["pkg", "src", "tests", "-x", "..", ".", ".git", "docs", "a b", "é"])
_name = st.sampled_from(["a.py", "b.pyi", "c.toml", "d.json", "e.md", "f.png", "-g.py", "h"])
_path = st.one_of(
    st.builds(lambda dirs, name: "/".join([*dirs, name]), st.lists(_segment, max_size=3), _name),
    st.text(max_size=12),
)
_change = st.builds(ChangedFile, path=_path, deleted=st.booleans(), binary=st.booleans())
_facts = st.builds(
    ProjectFacts,
    has_pyproject=st.booleans(),
    has_lockfile=st.booleans(),
    dev_group=st.booleans(),
    dev_extra=st.booleans(),
    dev_packages=st.lists(st.sampled_from(["pytest", "ruff", "mypy"]), unique=True).map(tuple),
    has_tests=st.booleans(),
    ruff_configured=st.booleans(),
    mypy_configured=st.booleans(),
    root_entries=st.lists(st.sampled_from(["pkg/", "src/", "tests/"]), unique=True).map(tuple),
    groups=st.lists(
        st.builds(
            DependencySet,
            name=st.sampled_from(["test", "lint", "typing"]),
            packages=st.lists(st.sampled_from(["pytest", "ruff", "mypy"]), unique=True).map(tuple),
        ),
        max_size=2,
    ).map(tuple),
)


def _covered(plan: GatePlan) -> set[str]:
    return {path for gate in plan.gates for path in gate.covers}


def _verified(plan: GatePlan) -> set[str]:
    return {path for gate in plan.gates for path in gate.covers if verifies(gate, path)}


@given(st.lists(_change, max_size=8), _facts)
@example([ChangedFile(path="../x.py")], ProjectFacts(has_pyproject=True, has_lockfile=True))
def test_every_changed_path_is_covered_or_unverified_never_both(
    changes: list[ChangedFile], facts: ProjectFacts
) -> None:
    plan = select_gates(changes, facts)
    verified = _verified(plan)
    assert verified | set(plan.unverified) == {c.path for c in changes}
    assert not verified & set(plan.unverified)
    assert _covered(plan) >= verified


@given(st.lists(_change, max_size=8), _facts)
@example([ChangedFile(path="a.py")], ProjectFacts(has_pyproject=True, has_lockfile=True))
def test_a_python_path_is_never_verified_by_check_files_alone(
    changes: list[ChangedFile], facts: ProjectFacts
) -> None:
    plan = select_gates(changes, facts)
    for path in {c.path for c in changes if is_python_path(c.path)} - set(plan.unverified):
        checkers = [g.name for g in plan.gates if path in g.covers and g.name != "check-files"]
        assert checkers, path


@given(st.lists(_change, max_size=8), _facts)
def test_no_unsafe_path_ever_reaches_a_gate_argv(
    changes: list[ChangedFile], facts: ProjectFacts
) -> None:
    plan = select_gates(changes, facts)
    unsafe = {c.path for c in changes if not is_safe_relative_path(c.path)}
    for gate in plan.gates:
        assert not unsafe & set(gate.covers)
        assert not unsafe & set(gate.argv)


@given(st.lists(_change, max_size=8, unique_by=lambda c: c.path), _facts, st.randoms())
def test_selection_does_not_depend_on_the_order_of_changes(
    changes: list[ChangedFile], facts: ProjectFacts, random: Random
) -> None:
    shuffled = list(changes)
    random.shuffle(shuffled)
    assert select_gates(shuffled, facts) == select_gates(changes, facts)


@given(st.lists(_change, max_size=8), _facts)
def test_python_gates_are_planned_only_in_a_uv_project_with_a_dev_environment(
    changes: list[ChangedFile], facts: ProjectFacts
) -> None:
    names = {gate.name for gate in select_gates(changes, facts).gates}
    provided = any(facts.provides(tool) for tool in ("pytest", "ruff", "mypy"))
    if not (facts.is_uv_project and (facts.has_dev_environment or provided)):
        assert names <= {"check-files"}
    if not facts.has_tests:
        assert "pytest" not in names


@given(st.lists(_change, max_size=8), _facts)
def test_a_python_gate_is_planned_only_where_its_tool_is_provided_or_configured(
    changes: list[ChangedFile], facts: ProjectFacts
) -> None:
    names = {gate.name for gate in select_gates(changes, facts).gates}
    if "ruff" in names:
        assert facts.provides("ruff") or facts.ruff_configured
    if "mypy" in names:
        assert facts.provides("mypy") or facts.mypy_configured
    if "pytest" in names:
        assert facts.has_tests
        assert facts.provides("pytest") or facts.has_dev_environment


@given(st.lists(_change, max_size=8), _facts)
def test_every_planned_argv_is_cache_neutral(
    changes: list[ChangedFile], facts: ProjectFacts
) -> None:
    for gate in select_gates(changes, facts).gates:
        if gate.name == "pytest":
            assert gate.argv[4:6] == ("-p", "no:cacheprovider")
        if gate.name == "ruff":
            assert "--no-cache" in gate.argv
        if gate.name == "mypy":
            assert "--cache-dir=/dev/null" in gate.argv

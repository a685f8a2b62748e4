"""Every rule of gate selection (issue 2, section 4), one behaviour per test."""

from __future__ import annotations

import msgspec

from domain.gates.project import ProjectFacts, ProjectFiles, derive_facts
from domain.gates.select import (
    CHECK_FILES_GATE,
    MYPY_GATE,
    PYTEST_GATE,
    RUFF_GATE,
    ChangedFile,
    GatePlan,
    PlannedGate,
    mypy_target,
    select_gates,
)

FULL = ProjectFacts(
    has_pyproject=True,
    has_lockfile=True,
    dev_group=True,
    dev_packages=("pytest", "ruff", "mypy"),
    has_tests=True,
    root_entries=("pkg/", "tests/", "pyproject.toml", "uv.lock"),
)


def plan_for(*paths: str, facts: ProjectFacts = FULL, deleted: tuple[str, ...] = ()) -> GatePlan:
    changes = [ChangedFile(path=p) for p in paths] + [
        ChangedFile(path=p, deleted=True) for p in deleted
    ]
    return select_gates(changes, facts)


def gate(plan: GatePlan, name: str) -> PlannedGate:
    found = [g for g in plan.gates if g.name == name]
    assert len(found) == 1, f"expected one {name} gate in {names(plan)}"
    return found[0]


def names(plan: GatePlan) -> list[str]:
    return [g.name for g in plan.gates]


def test_no_changes_select_no_gates() -> None:
    assert plan_for() == GatePlan()


def test_python_change_in_a_full_dev_project_selects_all_four_gates() -> None:
    assert names(plan_for("pkg/a.py")) == ["check-files", "pytest", "ruff", "mypy"]


def test_pytest_is_cache_neutral_and_whole_suite() -> None:
    found = gate(plan_for("pkg/a.py"), "pytest")
    assert found.argv == PYTEST_GATE == ("python", "-m", "pytest", "-q", "-p", "no:cacheprovider")


def test_ruff_checks_exactly_the_changed_python_files_without_cache() -> None:
    found = gate(plan_for("pkg/b.py", "pkg/a.pyi", "README.md"), "ruff")
    assert found.argv == (*RUFF_GATE, "pkg/a.pyi", "pkg/b.py")
    assert RUFF_GATE == ("ruff", "check", "--no-cache")


def test_mypy_checks_top_level_packages_with_a_null_cache() -> None:
    found = gate(plan_for("pkg/sub/a.py", "pkg/b.py", "tests/test_a.py", "setup.py"), "mypy")
    assert found.argv == (*MYPY_GATE, "pkg", "setup.py", "tests")
    assert MYPY_GATE == ("mypy", "--cache-dir=/dev/null")


def test_mypy_target_of_a_src_layout_is_the_package_below_src() -> None:
    assert mypy_target("src/pkg/deep/mod.py") == "src/pkg"
    assert mypy_target("src/mod.py") == "src/mod.py"


def with_(**changes: object) -> ProjectFacts:
    return msgspec.structs.replace(FULL, **changes)


def test_testless_project_gets_no_pytest() -> None:
    assert "pytest" not in names(plan_for("pkg/a.py", facts=with_(has_tests=False)))


def test_ruff_needs_declaring_or_configuring() -> None:
    assert "ruff" not in names(plan_for("a.py", facts=with_(dev_packages=("pytest",))))
    assert "ruff" in names(plan_for("a.py", facts=with_(dev_packages=(), ruff_configured=True)))


def test_mypy_needs_declaring_or_configuring() -> None:
    assert "mypy" not in names(plan_for("a.py", facts=with_(dev_packages=("pytest",))))
    assert "mypy" in names(plan_for("a.py", facts=with_(dev_packages=(), mypy_configured=True)))


def test_python_gates_need_a_uv_project() -> None:
    assert names(plan_for("a.py", facts=with_(has_lockfile=False))) == ["check-files"]


def test_python_gates_need_a_dev_environment() -> None:
    assert names(plan_for("a.py", facts=with_(dev_group=False))) == ["check-files"]


def test_a_dev_extra_is_a_dev_environment() -> None:
    assert "pytest" in names(plan_for("a.py", facts=with_(dev_group=False, dev_extra=True)))


def test_non_python_changes_select_only_check_files() -> None:
    plan = plan_for("README.md", "pyproject.toml", "data.json")
    assert plan.gates == (
        PlannedGate(
            name="check-files",
            argv=(*CHECK_FILES_GATE, "README.md", "data.json", "pyproject.toml"),
            covers=("README.md", "data.json", "pyproject.toml"),
        ),
    )
    assert plan.unverified == ()


def test_deleted_files_are_not_given_to_check_files_or_ruff() -> None:
    plan = plan_for("pkg/a.py", deleted=("pkg/old.py", "notes.txt"))
    check, ruff = gate(plan, "check-files"), gate(plan, "ruff")
    assert check.argv == (*CHECK_FILES_GATE, "pkg/a.py")
    assert ruff.argv == (*RUFF_GATE, "pkg/a.py")


def test_a_deleted_python_file_still_runs_pytest_and_mypy_on_its_package() -> None:
    plan = plan_for(deleted=("pkg/old.py",))
    mypy = gate(plan, "mypy")
    assert names(plan) == ["pytest", "mypy"]
    assert mypy.argv == (*MYPY_GATE, "pkg")
    assert plan.unverified == ()


def test_a_deleted_package_is_not_a_mypy_target() -> None:
    plan = plan_for(deleted=("gone/mod.py",))
    assert "mypy" not in names(plan)


def test_a_deleted_non_python_file_is_unverified() -> None:
    assert plan_for(deleted=("docs/old.md",)).unverified == ("docs/old.md",)


def test_binary_files_are_unverified_by_suffix_or_flag() -> None:
    changes = [ChangedFile(path="logo.png"), ChangedFile(path="blob.dat", binary=True)]
    plan = select_gates(changes, FULL)
    assert plan.gates == ()
    assert plan.unverified == ("blob.dat", "logo.png")


def test_unsafe_paths_reach_no_gate_and_are_unverified() -> None:
    plan = plan_for("../escape.py", "/etc/passwd", ".git/config", "ok.md")
    assert plan.unverified == ("../escape.py", ".git/config", "/etc/passwd")
    assert all("../escape.py" not in g.argv and "/etc/passwd" not in g.argv for g in plan.gates)


def test_paths_that_look_like_options_are_passed_after_double_dash() -> None:
    plan = plan_for("-rf.py")
    check, ruff = gate(plan, "check-files"), gate(plan, "ruff")
    assert check.argv == (*CHECK_FILES_GATE, "--", "-rf.py")
    assert ruff.argv == (*RUFF_GATE, "--", "-rf.py")


def test_stub_only_changes_run_pytest_too_as_the_issue_asks() -> None:
    pytest_gate = gate(plan_for("pkg/a.pyi"), "pytest")
    assert pytest_gate.covers == ("pkg/a.pyi",)


def test_duplicate_changes_are_planned_once_in_sorted_order() -> None:
    ruff = gate(plan_for("b.py", "a.py", "b.py"), "ruff")
    assert ruff.argv == (*RUFF_GATE, "a.py", "b.py")


def test_every_changed_path_is_covered_or_unverified() -> None:
    paths = ("pkg/a.py", "README.md", "logo.png", "../x")
    plan = plan_for(*paths, deleted=("docs/gone.md",))
    covered = {p for g in plan.gates for p in g.covers}
    assert covered | set(plan.unverified) == {*paths, "docs/gone.md"}
    assert not covered & set(plan.unverified)


def test_each_repository_is_planned_from_its_own_facts() -> None:
    library = derive_facts(
        ProjectFiles(
            pyproject_text='[dependency-groups]\ndev = ["pytest"]\n',
            lockfile_present=True,
            root_entries=("tests/",),
        )
    ).unwrap()
    service = derive_facts(ProjectFiles(pyproject_text="[project]\nname='s'\n")).unwrap()
    assert names(select_gates([ChangedFile(path="a.py")], library)) == ["check-files", "pytest"]
    assert names(select_gates([ChangedFile(path="a.py")], service)) == ["check-files"]

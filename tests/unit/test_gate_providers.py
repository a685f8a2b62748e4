"""The group or extra that provides each gate's tool: facts from pyproject, then preparation."""

from __future__ import annotations

import shlex

from returns.pipeline import is_successful

from domain.gates.prepare import prepare_gate
from domain.gates.project import ProjectFacts, ProjectFiles, derive_facts
from domain.gates.select import ChangedFile, select_gates

SPLIT = """\
[dependency-groups]
test = ["pytest>=8; python_version >= '3.11'"]
lint = ["Ruff"]
typing = ["mypy", {include-group = "test"}]
"""
FLASK = """\
[dependency-groups]
dev = ["ruff", "tox"]
tests = ["pytest", "python-dotenv"]
typing = ["mypy", "pytest"]
[tool.uv]
default-groups = ["dev", "tests", "typing"]
"""
DEV_WITHOUT_PYTEST = '[dependency-groups]\ndev = ["ruff"]\ntest = ["pytest"]\n'
EXTRAS = (
    '[project]\nname = "x"\n[project.optional-dependencies]\nTest = ["pytest"]\nlint = ["ruff"]\n'
)


def facts(text: str, *, tests: bool = True) -> ProjectFacts:
    files = ProjectFiles(pyproject_text=text, lockfile_present=True, test_files_present=tests)
    return derive_facts(files).unwrap()


def executed(line: str, text: str) -> str:
    result = prepare_gate(shlex.split(line), facts(text))
    assert is_successful(result), result
    return shlex.join(result.unwrap().executed)


def refusal(line: str, text: str) -> tuple[str, str]:
    result = prepare_gate(shlex.split(line), facts(text))
    assert not is_successful(result), result
    return result.failure().code, result.failure().message


# Facts


def test_include_group_is_resolved_in_the_including_group() -> None:
    groups = {g.name: g.packages for g in facts(SPLIT).groups}
    assert groups == {"test": ("pytest",), "lint": ("ruff",), "typing": ("mypy", "pytest")}


def test_include_group_cycles_are_refused_as_uv_refuses_them() -> None:
    text = '[dependency-groups]\na = [{include-group = "b"}]\nb = [{include-group = "A"}]\n'
    result = derive_facts(ProjectFiles(pyproject_text=text, lockfile_present=True))
    assert result.failure().code == "dependency-groups-invalid"
    assert "a -> b -> a" in result.failure().message


def test_including_an_undefined_group_is_refused() -> None:
    text = '[dependency-groups]\na = [{include-group = "missing"}]\n'
    result = derive_facts(ProjectFiles(pyproject_text=text))
    assert result.failure().code == "dependency-groups-invalid"


def test_default_groups_list_all_or_dev() -> None:
    assert facts(FLASK).default_groups == ("dev", "tests", "typing")
    assert facts(SPLIT + '[tool.uv]\ndefault-groups = "all"\n').default_groups == (
        "test",
        "lint",
        "typing",
    )
    assert facts(DEV_WITHOUT_PYTEST).default_groups == ("dev",)
    assert facts(SPLIT).default_groups == ()


def test_legacy_dev_dependencies_join_the_dev_group() -> None:
    text = '[dependency-groups]\ndev = ["ruff"]\n[tool.uv]\ndev-dependencies = ["pytest"]\n'
    found = facts(text)
    assert [(g.name, g.packages) for g in found.groups] == [("dev", ("ruff", "pytest"))]
    assert found.dev_packages == ("ruff", "pytest")


def test_extras_are_read_with_normalised_names() -> None:
    assert [(e.name, e.packages) for e in facts(EXTRAS).extras] == [
        ("test", ("pytest",)),
        ("lint", ("ruff",)),
    ]


# Preparation


def test_the_dev_group_is_kept_when_it_provides_the_tool() -> None:
    assert executed("ruff check .", FLASK) == "uv run --locked --group dev ruff check ."


def test_the_first_group_providing_the_tool_is_chosen_without_dev() -> None:
    assert executed("pytest -q", SPLIT) == "uv run --locked --group test pytest -q"
    assert (
        executed("python -m mypy pkg", SPLIT) == "uv run --locked --group typing python -m mypy pkg"
    )


def test_a_dev_group_without_pytest_gives_way_to_the_group_with_it() -> None:
    assert executed("python -m pytest", DEV_WITHOUT_PYTEST) == (
        "uv run --locked --group test python -m pytest"
    )


def test_flask_layout_picks_tests_for_pytest_and_typing_for_mypy() -> None:
    assert executed("py.test", FLASK) == "uv run --locked --group tests py.test"
    assert executed("uv run -m mypy src", FLASK) == "uv run --locked --group typing -m mypy src"


def test_an_extra_provides_the_tool_when_no_group_does() -> None:
    assert executed("pytest", EXTRAS) == "uv run --locked --extra test pytest"


def test_the_rewrite_says_which_group_and_why() -> None:
    result = prepare_gate(["pytest"], facts(FLASK)).unwrap()
    rewrite = result.rewrites[-1]
    assert rewrite.rule == "tool-group"
    assert "--group tests" in rewrite.detail
    assert "first dependency group that provides pytest (the dev group does not)" in rewrite.detail
    assert "tests is a default group, named explicitly" in rewrite.detail


def test_a_line_already_selecting_a_providing_group_gets_no_second_flag() -> None:
    assert executed("uv run --group typing pytest", SPLIT) == (
        "uv run --locked --group typing pytest"
    )
    assert executed("uv run --all-groups ruff check", SPLIT) == (
        "uv run --locked --all-groups ruff check"
    )


def test_only_group_lines_get_only_group_for_the_provider() -> None:
    assert executed("uv run --only-group lint pytest", SPLIT) == (
        "uv run --locked --only-group test --only-group lint pytest"
    )


def test_excluding_the_group_the_gate_needs_is_refused_naming_it() -> None:
    code, message = refusal("uv run --no-group test pytest", DEV_WITHOUT_PYTEST)
    assert code == "dev-dependencies-excluded"
    assert "group 'test'" in message


def test_only_dev_cannot_serve_a_gate_whose_tool_is_elsewhere() -> None:
    code, message = refusal("uv run --only-dev pytest", DEV_WITHOUT_PYTEST)
    assert (code, "--only-dev" in message) == ("dev-dependencies-excluded", True)


def test_only_group_ignores_the_extra_the_gate_needs() -> None:
    code, _message = refusal("uv run --only-group lint pytest", EXTRAS)
    assert code == "dev-dependencies-excluded"


def test_excluding_the_dev_group_keeps_todays_message() -> None:
    code, message = refusal("uv run --no-dev ruff check", FLASK)
    assert code == "dev-dependencies-excluded"
    assert message.startswith("--no-dev keeps the project's dev group out of this Python gate")


def test_without_any_group_or_extra_nothing_is_added() -> None:
    assert executed("pytest", '[project]\nname = "x"\n') == "uv run --locked pytest"


# Selection


def test_a_test_group_without_dev_gets_the_python_gates() -> None:
    plan = select_gates([ChangedFile(path="pkg/a.py")], facts(SPLIT))
    assert [g.name for g in plan.gates] == ["check-files", "pytest", "ruff", "mypy"]
    assert plan.unverified == ()


def test_without_dev_pytest_needs_a_provider() -> None:
    plan = select_gates(
        [ChangedFile(path="pkg/a.py")], facts('[dependency-groups]\nl = ["ruff"]\n')
    )
    assert [g.name for g in plan.gates] == ["check-files", "ruff"]


def test_a_python_file_with_only_check_files_is_unverified() -> None:
    plan = select_gates([ChangedFile(path="a.py"), ChangedFile(path="b.md")], facts(""))
    assert [g.name for g in plan.gates] == ["check-files"]
    assert plan.unverified == ("a.py",)

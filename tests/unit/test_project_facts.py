import msgspec
import pytest
from returns.pipeline import is_successful

from domain.gates.project import ProjectFiles, derive_facts


def facts(text: str | None, *, lock: bool = True, entries: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    return derive_facts(
        ProjectFiles(pyproject_text=text, lockfile_present=lock, root_entries=entries)
    ).unwrap()


def test_dependency_group_dev_is_the_dev_group() -> None:
    assert facts('[dependency-groups]\ndev = ["pytest"]\n').dev_group


def test_legacy_tool_uv_dev_dependencies_is_the_dev_group() -> None:
    result = facts('[tool.uv]\ndev-dependencies = ["pytest"]\n')
    assert result.dev_group
    assert result.dev_packages == ("pytest",)


def test_dev_extra_is_not_a_dev_group() -> None:
    result = facts('[project]\nname = "x"\n[project.optional-dependencies]\ndev = ["ruff"]\n')
    assert (result.dev_group, result.dev_extra) == (False, True)


def test_group_names_are_normalised() -> None:
    assert facts('[dependency-groups]\nDEV = ["pytest"]\n').dev_group


def test_uv_project_needs_pyproject_and_lockfile() -> None:
    assert not facts("", lock=False).is_uv_project
    assert facts("", lock=True).is_uv_project
    assert not facts(None, lock=True).is_uv_project


def test_tool_sections_and_files_mark_tools_configured() -> None:
    assert facts("[tool.ruff]\n").ruff_configured
    assert facts("", entries=("mypy.ini",)).mypy_configured
    assert facts("[tool.pytest.ini_options]\n").has_tests
    assert facts("", entries=("tests/",)).has_tests
    assert not facts("").has_tests


def test_invalid_toml_is_an_error_value() -> None:
    result = derive_facts(ProjectFiles(pyproject_text="[project\n"))
    assert not is_successful(result)
    assert result.failure().code == "pyproject-unreadable"


def _files(**fields: object) -> ProjectFiles:
    return msgspec.convert(fields, ProjectFiles)


@pytest.mark.parametrize(
    "files",
    [
        _files(root_entries=("tests/",)),
        _files(root_entries=("pytest.ini",)),
        _files(root_entries=(".pytest.ini",)),
        _files(root_entries=("pytest.toml",)),
        _files(root_entries=("conftest.py",)),
        _files(test_files_present=True),
        _files(setup_cfg_text="[metadata]\nname = x\n\n[tool:pytest]\naddopts = -q\n"),
        _files(tox_ini_text="[tox]\nenvlist = py311\n[pytest]\ntestpaths = checks\n"),
        _files(pyproject_text="[tool.pytest.ini_options]\n"),
        _files(pyproject_text="[tool.pytest]\n"),
    ],
    ids=lambda f: repr(f)[:60],
)
def test_tests_are_found_by_files_and_every_pytest_configuration(files: ProjectFiles) -> None:
    assert derive_facts(files).unwrap().has_tests


@pytest.mark.parametrize(
    "files",
    [
        _files(),
        _files(root_entries=("src/", "README.md")),
        _files(setup_cfg_text="[metadata]\nname = x\n# [tool:pytest] in a comment\n"),
        _files(tox_ini_text="[tox]\n[testenv]\ncommands = pytest\n"),
        _files(pyproject_text='[project]\nname = "x"\n'),
    ],
)
def test_a_project_without_tests_or_pytest_configuration_has_none(files: ProjectFiles) -> None:
    assert not derive_facts(files).unwrap().has_tests


def test_every_tool_configuration_file_is_recognised() -> None:
    assert derive_facts(_files(root_entries=("ruff.toml",))).unwrap().ruff_configured
    assert derive_facts(_files(root_entries=(".ruff.toml",))).unwrap().ruff_configured
    assert derive_facts(_files(root_entries=(".mypy.ini",))).unwrap().mypy_configured
    assert (
        derive_facts(_files(pyproject_text="[tool.mypy]\nstrict = true\n")).unwrap().mypy_configured
    )
    assert derive_facts(_files(setup_cfg_text="[mypy]\nstrict = True\n")).unwrap().mypy_configured
    assert not derive_facts(_files(setup_cfg_text="[flake8]\n")).unwrap().mypy_configured

from returns.pipeline import is_successful

from domain.project import ProjectFiles, derive_facts


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

"""The library API: read a repository's facts through the reader port, then prepare gates."""

from __future__ import annotations

from pathlib import Path

import pytest
from returns.pipeline import is_successful

from domain.gates.project import ProjectFiles
from entrypoints.api import open_repo, prepare_gate_in
from tests.fake_project_files import FakeProjectFilesReader

DEV_GROUP = ProjectFiles(
    pyproject_text='[dependency-groups]\ndev = ["pytest"]\n', lockfile_present=True
)
DEV_EXTRA = ProjectFiles(
    pyproject_text='[project]\nname = "x"\n[project.optional-dependencies]\ndev = ["ruff"]\n',
    lockfile_present=True,
)


def test_bare_gate_is_prepared_with_the_repositorys_facts() -> None:
    reader = FakeProjectFilesReader({"/repo": DEV_GROUP})
    result = prepare_gate_in("/repo", ["pytest", "-q"], reader=reader)
    assert result.unwrap().executed == ("uv", "run", "--locked", "--group", "dev", "pytest", "-q")


def test_unreadable_repository_is_an_error_value() -> None:
    result = prepare_gate_in("/missing", ["pytest"], reader=FakeProjectFilesReader({}))
    assert result.failure().code == "project-unreadable"


def test_invalid_pyproject_is_an_error_value() -> None:
    reader = FakeProjectFilesReader({"/repo": ProjectFiles(pyproject_text="[broken")})
    assert prepare_gate_in("/repo", ["pytest"], reader=reader).failure().code == (
        "pyproject-unreadable"
    )


def test_refused_gate_is_a_gate_rejected_value() -> None:
    reader = FakeProjectFilesReader({"/repo": DEV_GROUP})
    result = prepare_gate_in("/repo", ["uv", "run", "-U", "pytest"], reader=reader)
    assert result.failure().code == "lock-guard-defeated"


def test_directory_option_reads_that_projects_facts_once() -> None:
    reader = FakeProjectFilesReader({"/repo": DEV_GROUP, "/repo/sub": DEV_EXTRA})
    preparer = open_repo("/repo", reader=reader).unwrap()
    for _ in range(2):
        prepared = preparer.prepare(["uv", "run", "--project", "sub", "pytest"]).unwrap()
        assert prepared.executed[2:5] == ("--locked", "--extra", "dev")
    assert reader.reads == ["/repo", "/repo/sub"]


def test_unreadable_directory_named_by_the_gate_is_refused() -> None:
    reader = FakeProjectFilesReader({"/repo": DEV_GROUP})
    result = prepare_gate_in("/repo", ["uv", "--directory", "gone", "run", "pytest"], reader=reader)
    assert not is_successful(result)
    assert result.failure().code == "project-facts-unavailable"
    assert "no project at /repo/gone" in result.failure().message


def test_directory_without_a_pyproject_uses_the_nearest_project_above_it() -> None:
    reader = FakeProjectFilesReader(
        {"/repo": DEV_GROUP, "/repo/pkg": DEV_EXTRA, "/repo/pkg/src": ProjectFiles()}
    )
    result = prepare_gate_in(
        "/repo", ["uv", "--directory", "pkg/src", "run", "pytest"], reader=reader
    )
    assert result.unwrap().executed[4:7] == ("--locked", "--extra", "dev")
    plain = prepare_gate_in(
        "/repo", ["uv", "--directory", "pkg/src/..", "run", "pytest"], reader=reader
    )
    assert plain.unwrap().executed[4:7] == ("--locked", "--extra", "dev")


def test_directory_without_any_project_above_it_uses_the_repository() -> None:
    reader = FakeProjectFilesReader({"/repo": DEV_GROUP, "/repo/docs": ProjectFiles()})
    result = prepare_gate_in("/repo", ["uv", "run", "--directory", "docs", "pytest"], reader=reader)
    assert result.unwrap().executed[2:5] == ("--locked", "--group", "dev")


def _uv_project(root: Path, pyproject: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(pyproject)
    (root / "uv.lock").write_text("version = 1\n")
    return root


@pytest.mark.parametrize("option", ["--directory", "--project"])
def test_a_project_folder_that_is_a_symlink_out_of_the_repo_is_refused(
    tmp_path: Path, option: str
) -> None:
    repo = _uv_project(tmp_path / "repo", '[dependency-groups]\ndev = ["pytest"]\n')
    elsewhere = _uv_project(tmp_path / "elsewhere", DEV_EXTRA.pyproject_text or "")
    (repo / "outside").symlink_to(elsewhere)
    result = prepare_gate_in(str(repo), ["uv", "run", option, "outside", "pytest"])
    assert result.failure().code == "project-outside-repo"
    assert str(elsewhere) in result.failure().message
    # Below the link it is the same: uv would change into the other project.
    nested = prepare_gate_in(str(repo), ["uv", "run", option, "outside/sub", "pytest"])
    assert nested.failure().code in ("project-outside-repo", "project-facts-unavailable")


def test_a_symlink_that_stays_inside_the_repo_is_followed(tmp_path: Path) -> None:
    repo = _uv_project(tmp_path / "repo", '[dependency-groups]\ndev = ["pytest"]\n')
    _uv_project(repo / "services" / "api", DEV_EXTRA.pyproject_text or "")
    (repo / "api").symlink_to(repo / "services" / "api")
    result = prepare_gate_in(str(repo), ["uv", "run", "--directory", "api", "pytest"])
    assert "--extra" in result.unwrap().executed  # the linked project's dev extra


def test_a_repository_reached_through_a_symlink_is_still_inside_itself(tmp_path: Path) -> None:
    repo = _uv_project(tmp_path / "repo", '[dependency-groups]\ndev = ["pytest"]\n')
    _uv_project(repo / "api", DEV_EXTRA.pyproject_text or "")
    (tmp_path / "link").symlink_to(repo)
    result = prepare_gate_in(str(tmp_path / "link"), ["uv", "run", "--project", "api", "pytest"])
    assert "--extra" in result.unwrap().executed

"""The same contract for the in-memory fake and the file-system `ProjectFilesReader`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from returns.pipeline import is_successful

from adapters.project_files import FsProjectFilesReader
from domain.project import ProjectFiles
from ports.project import ProjectFilesReader
from tests.fake_project_files import FakeProjectFilesReader

PYPROJECT = '[project]\nname = "demo"\n'

# Builds a reader holding one project (pyproject + uv.lock) and returns it with that root.
ReaderFactory = Callable[[Path], tuple[ProjectFilesReader, str]]


def _real(tmp_path: Path) -> tuple[ProjectFilesReader, str]:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "uv.lock").write_text("version = 1\n")
    return FsProjectFilesReader(), str(tmp_path)


def _fake(tmp_path: Path) -> tuple[ProjectFilesReader, str]:
    files = ProjectFiles(
        pyproject_text=PYPROJECT,
        lockfile_present=True,
        root_entries=("pyproject.toml", "uv.lock"),
    )
    return FakeProjectFilesReader({str(tmp_path): files}), str(tmp_path)


@pytest.fixture(params=[_real, _fake], ids=["fs", "fake"])
def reader_factory(request: pytest.FixtureRequest) -> ReaderFactory:
    factory: ReaderFactory = request.param
    return factory


def test_reads_pyproject_text_and_lockfile_presence(
    reader_factory: ReaderFactory, tmp_path: Path
) -> None:
    reader, root = reader_factory(tmp_path)
    files = reader.read(root).unwrap()
    assert files.pyproject_text == PYPROJECT
    assert files.lockfile_present
    assert {"pyproject.toml", "uv.lock"} <= set(files.root_entries)


def test_a_missing_directory_is_project_unreadable(
    reader_factory: ReaderFactory, tmp_path: Path
) -> None:
    reader, root = reader_factory(tmp_path)
    result = reader.read(f"{root}/missing")
    assert not is_successful(result)
    assert result.failure().code == "project-unreadable"

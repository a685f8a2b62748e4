"""The same contract for the in-memory fake and the file-system `ProjectFilesReader`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from returns.pipeline import is_successful

from adapters.project_files import FsProjectFilesReader
from domain.gates.project import ProjectFiles
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


@pytest.mark.parametrize(
    ("where", "found"),
    [
        ("test_api.py", True),
        ("src/pkg/api_test.py", True),
        ("deep/er/still/test_x.py", True),
        ("src/pkg/testing.py", False),
        ("src/pkg/test_data.txt", False),
        (".venv/lib/site-packages/pkg/test_x.py", False),
        ("venv/lib/test_x.py", False),
        ("node_modules/pkg/test_x.py", False),
        (".hidden/test_x.py", False),
        ("build/lib/test_x.py", False),
        ("__pycache__/test_x.py", False),
    ],
)
def test_the_file_system_reader_finds_test_files_outside_environments(
    tmp_path: Path, where: str, found: bool
) -> None:
    target = tmp_path / where
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("def test_x() -> None: ...\n")
    assert FsProjectFilesReader().read(str(tmp_path)).unwrap().test_files_present is found


def test_the_file_system_reader_reads_setup_cfg_and_tox_ini(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[tool:pytest]\n")
    (tmp_path / "tox.ini").write_text("[pytest]\n")
    files = FsProjectFilesReader().read(str(tmp_path)).unwrap()
    assert (files.setup_cfg_text, files.tox_ini_text) == ("[tool:pytest]\n", "[pytest]\n")
    assert files.pyproject_text is None


def test_the_file_system_reader_resolves_symlinks_of_the_root(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    files = FsProjectFilesReader().read(str(tmp_path / "link")).unwrap()
    assert files.resolved_root == str((tmp_path / "real").resolve())

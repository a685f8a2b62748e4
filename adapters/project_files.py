"""Reads the files `domain.project.derive_facts` needs from a project directory."""

from __future__ import annotations

import os

from returns.result import Failure, Result, Success

from domain.project import ProjectFiles
from ports.project import ProjectReadError

# Folders never searched for test files: environments, caches and VCS data.
_SKIP_DIRS = frozenset(
    {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox", "build", "dist"}
)
_MAX_PYPROJECT_BYTES = 4 * 1024 * 1024


def _test_files_present(root: str) -> bool:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")]
        for name in filenames:
            if name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")):
                return True
        del dirpath
    return False


class FsProjectFilesReader:
    """Reads `pyproject.toml`, `uv.lock` presence and the root listing from the file system."""

    def read(self, root: str) -> Result[ProjectFiles, ProjectReadError]:
        """Read what the facts need; an unreadable directory or file is a `project-unreadable`."""
        root = os.path.abspath(root)
        try:
            entries = tuple(
                sorted(e.name + "/" if e.is_dir() else e.name for e in os.scandir(root))
            )
            pyproject_path = os.path.join(root, "pyproject.toml")
            text: str | None = None
            if os.path.isfile(pyproject_path):
                with open(pyproject_path, "rb") as handle:
                    text = handle.read(_MAX_PYPROJECT_BYTES).decode("utf-8", errors="replace")
        except OSError as exc:
            return Failure(
                ProjectReadError(
                    code="project-unreadable",
                    message=f"cannot read project at {root}: {exc.strerror or exc}; "
                    "check the --repo path and its permissions.",
                )
            )
        return Success(
            ProjectFiles(
                pyproject_text=text,
                lockfile_present=os.path.isfile(os.path.join(root, "uv.lock")),
                root_entries=entries,
                test_files_present=_test_files_present(root),
            )
        )

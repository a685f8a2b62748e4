"""Reads the files `domain.gates.project.derive_facts` needs from a project directory."""

from __future__ import annotations

import os

from returns.result import Failure, Result, Success

from domain.gates.project import ProjectFiles
from ports.project import ProjectReadError

# Folders never searched for test files: environments, caches and VCS data.
_SKIP_DIRS = frozenset(
    {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox", "build", "dist"}
)
_MAX_CONFIG_BYTES = 4 * 1024 * 1024


def _test_files_present(root: str) -> bool:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")]
        for name in filenames:
            if name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")):
                return True
        del dirpath
    return False


def _read_text(path: str) -> str | None:
    """A configuration file's text (at most 4 MiB), None when there is no such file."""
    if not os.path.isfile(path):
        return None
    with open(path, "rb") as handle:
        return handle.read(_MAX_CONFIG_BYTES).decode("utf-8", errors="replace")


class FsProjectFilesReader:
    """Reads `pyproject.toml`, `setup.cfg`, `tox.ini`, `uv.lock` presence and the root listing."""

    def read(self, root: str) -> Result[ProjectFiles, ProjectReadError]:
        """Read what the facts need; an unreadable directory or file is a `project-unreadable`."""
        root = os.path.abspath(root)
        try:
            entries = tuple(
                sorted(e.name + "/" if e.is_dir() else e.name for e in os.scandir(root))
            )
            text = _read_text(os.path.join(root, "pyproject.toml"))
            setup_cfg = _read_text(os.path.join(root, "setup.cfg"))
            tox_ini = _read_text(os.path.join(root, "tox.ini"))
            resolved = os.path.realpath(root)
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
                setup_cfg_text=setup_cfg,
                tox_ini_text=tox_ini,
                resolved_root=resolved,
            )
        )

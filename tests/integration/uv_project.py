"""A throwaway offline uv project (plus a nested one in `sub/`) for tests that drive real uv."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from returns.pipeline import is_successful

from adapters.project_files import FsProjectFilesReader
from domain.gates.project import ProjectFacts, derive_facts

ROOT_PYPROJECT = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[project.optional-dependencies]
docs = []

[dependency-groups]
dev = []
lint = []
docs = []
"""
# A nested project with a dev extra and no dev group, reached with --directory/--project sub.
SUB_PYPROJECT = """\
[project]
name = "sub"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[project.optional-dependencies]
dev = []
docs = []

[dependency-groups]
lint = []
"""


def uv_binary() -> str:
    found = shutil.which("uv", path=os.path.dirname(sys.executable))
    assert found is not None, "the dev environment pins uv; run `uv sync --locked`"
    return found


class Project:
    """A throwaway uv project (and a nested one in `sub/`) with an environment for offline uv."""

    def __init__(self, root: Path) -> None:
        self.root = root
        home = root.parent / "home"
        home.mkdir(exist_ok=True)
        # Only what uv needs: no certificate bundles (loading them costs ~250 ms a call), no
        # user configuration, no network, no Python downloads, no UV_* switches of the caller.
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "UV_CACHE_DIR": str(root.parent / "uv-cache"),
            "UV_OFFLINE": "1",
            "UV_PYTHON_DOWNLOADS": "never",
        }

    def uv(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [uv_binary(), *argv],
            check=False,
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def facts(self, directory: str) -> ProjectFacts | None:
        files = FsProjectFilesReader().read(str(self.root / directory))
        if not is_successful(files):
            return None
        facts = derive_facts(files.unwrap())
        return facts.unwrap() if is_successful(facts) else None


def make_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("uv-diff") / "demo"
    (root / "sub").mkdir(parents=True)
    (root / "pyproject.toml").write_text(ROOT_PYPROJECT)
    (root / "sub" / "pyproject.toml").write_text(SUB_PYPROJECT)
    # --config-file is read relative to --directory, so both projects have one.
    (root / "empty-uv.toml").write_text("")
    (root / "sub" / "empty-uv.toml").write_text("")
    made = Project(root)
    for directory in (root, root / "sub"):
        locked = made.uv(
            "lock", "--offline", "--python", sys.executable, "--directory", str(directory)
        )
        assert locked.returncode == 0, locked.stderr
        assert (directory / "uv.lock").is_file()
    return made

"""Fixtures for the tests that drive real binaries (uv, git, the console script)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.uv_project import Project, make_project

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "demo-project"


def git(root: Path, *args: str) -> str:
    """Run the real git CLI in `root` and return its stdout."""
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


@contextlib.contextmanager
def no_permissions(path: Path) -> Iterator[None]:
    """Take every permission off `path` for the block, or skip when the user can open it anyway.

    Root (or any process with CAP_DAC_OVERRIDE) reads and writes files whatever their mode.
    """
    path.chmod(0)
    try:
        try:
            path.open("rb").close()
        except PermissionError:
            pass
        else:
            pytest.skip("file modes do not stop this user (running as root, or CAP_DAC_OVERRIDE)")
        yield
    finally:
        path.chmod(0o600)


def gate_parent_env() -> dict[str, str]:
    """The caller's environment with the dev environment's bin (pinned uv) first on PATH."""
    bin_dir = os.path.dirname(sys.executable)
    return {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}


@pytest.fixture(scope="session")
def uv_env_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One uv project environment for every example copy, synced once (outside every copy)."""
    env_dir = str(tmp_path_factory.mktemp("uv-project-env") / "env")
    subprocess.run(
        [sys.executable, "-m", "uv", "sync", "--locked", "--quiet"],
        cwd=EXAMPLE,
        env={**gate_parent_env(), "UV_PROJECT_ENVIRONMENT": env_dir, "VIRTUAL_ENV": ""},
        check=True,
    )
    return env_dir


@pytest.fixture(scope="session")
def example_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example committed into a fresh git repository (copied per test)."""
    root = tmp_path_factory.mktemp("example-template") / "demo"
    shutil.copytree(EXAMPLE, root)
    git(root, "init", "-q", ".")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "example")
    return root


@pytest.fixture
def example_repo(example_template: Path, tmp_path: Path) -> Path:
    """A private copy of the example repository for one test to change."""
    root = tmp_path / "demo"
    shutil.copytree(example_template, root, symlinks=True)
    return root


@pytest.fixture
def example_dir(tmp_path: Path) -> Path:
    """A private copy of the example that is no git repository (as docs/gates.md runs it)."""
    root = tmp_path / "demo-plain"
    shutil.copytree(EXAMPLE, root)
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A throwaway uv project with a committed uv.lock, locked offline."""
    return make_project(tmp_path_factory)

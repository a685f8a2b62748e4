"""`check` judges and verifies the candidate tree (issue 11): the folders tools leave are notices,
not changes, and gates run on a clean checkout of the tree that would be published."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_check_cli import codes, config, gates, run_cli, uv_project
from tests.integration.uv_project import uv_binary
from tests.support.gitrepo import git, write

pytestmark = pytest.mark.integration

DOCS_POLICY = '[policy]\nallowed_paths = ["docs/"]\n'


def _tool(repo: Path, *argv: str) -> None:
    """Run a developer tool in the worktree as an agent would (bytecode aside: the harness
    environment sends it to its own folder, `PYTHONPYCACHEPREFIX`)."""
    env = {
        **os.environ,
        "UV_OFFLINE": "1",
        "UV_PYTHON_DOWNLOADS": "never",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in ("UV_PROJECT_ENVIRONMENT", "VIRTUAL_ENV", "MYPY_CACHE_DIR", "RUFF_CACHE_DIR"):
        env.pop(name, None)
    done = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, check=False)
    assert done.returncode in (0, 1), done.stderr  # a lint finding is fine; a crash is not


def test_a_docs_change_after_real_tools_ran_in_the_worktree_is_publishable_with_notices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = uv_project(tmp_path / "app")
    _tool(repo, uv_binary(), "sync", "--python", sys.executable)
    _tool(repo, uv_binary(), "run", "--no-sync", "pytest", "-q")
    _tool(repo, sys.executable, "-m", "mypy", "src")
    _tool(repo, sys.executable, "-m", "ruff", "check", ".")
    left = {".venv", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
    assert left <= set(os.listdir(repo))
    write(repo, {"docs/usage.md": "# Usage\n\nAdd numbers.\n"})
    code, report = run_cli(
        capsys, "check", "--repo", str(repo), "--config", config(tmp_path, DOCS_POLICY), "--json"
    )
    assert (code, report["verdict"]) == (0, "publishable")
    (repo_report,) = report["repos"]
    assert [c["path"] for c in repo_report["changes"]] == ["docs/usage.md"]
    notices = [n for n in repo_report["notices"] if n.startswith("excluded: ")]
    assert notices == [f"excluded: {name}/ (self-ignoring folder)" for name in sorted(left)]
    tree = repo_report["tree"]
    assert git(repo, "ls-tree", "-r", "--name-only", tree).split() == [
        "README.md",
        "docs/usage.md",
        "pyproject.toml",
        "src/demo_calc/__init__.py",
        "tests/test_calc.py",
        "uv.lock",
    ]


SKIP_EVERYTHING = """\
import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.skip(reason="hidden"))
"""
BROKEN = '"""A tiny calculator."""\n\n\ndef add(a: float, b: float) -> float:\n    return a - b\n'


def test_a_self_ignoring_conftest_cannot_hide_a_broken_test_from_the_gates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = uv_project(tmp_path / "app")
    write(
        repo,
        {
            "tests/hidden/.gitignore": "*\n",
            "tests/hidden/conftest.py": SKIP_EVERYTHING,
            "src/demo_calc/__init__.py": BROKEN,
        },
    )
    # In the agent's worktree the hidden conftest does skip the broken test.
    env = {**os.environ, "UV_OFFLINE": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("UV_PROJECT_ENVIRONMENT", None)
    env["UV_PROJECT_ENVIRONMENT"] = str(tmp_path / "agent-venv")
    direct = subprocess.run(
        [uv_binary(), "run", "--python", sys.executable, "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (direct.returncode, "1 skipped" in direct.stdout) == (0, True), direct.stdout
    policy = '[policy]\nallowed_paths = ["src/", "tests/"]\n'
    code, report = run_cli(
        capsys, "check", "--repo", str(repo), "--config", config(tmp_path, policy), "--json"
    )
    assert (code, codes(report)) == (1, ["gate-failed"])
    assert gates(report)["pytest"] == "failed"
    assert "excluded: tests/hidden/ (self-ignoring folder)" in report["repos"][0]["notices"]


def test_a_gate_writing_into_its_checkout_is_a_side_effect_and_the_worktree_is_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = uv_project(tmp_path / "app")
    writer = (
        "from pathlib import Path\n\n\ndef test_writes() -> None:\n"
        "    Path(__file__).parent.joinpath('.hidden').mkdir()\n"
        "    Path(__file__).parent.joinpath('.hidden', '.gitignore').write_text('*')\n"
        "    Path(__file__).parent.joinpath('.hidden', 'left.txt').write_text('x')\n"
    )
    write(repo, {"tests/test_writer.py": writer})
    before = sorted(
        p.relative_to(repo).as_posix() for p in repo.rglob("*") if ".git" not in p.parts
    )
    code, report = run_cli(
        capsys, "check", "--repo", str(repo), "--config", config(tmp_path), "--json"
    )
    assert code == 1
    found = {(v["code"], v["path"]) for v in report["repos"][0]["violations"]}
    # Even a self-ignoring folder is a trace in the checkout: nothing may be written there.
    assert {
        ("gate-side-effect", "tests/.hidden/.gitignore"),
        ("gate-side-effect", "tests/.hidden/left.txt"),
    } <= found
    after = sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if ".git" not in p.parts)
    assert after == before


def test_policy_check_reports_the_candidate_tree_and_runs_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = uv_project(tmp_path / "app")
    write(repo, {"docs/a.md": "a\n", ".pytest_cache/.gitignore": "*\n"})
    code, report = run_cli(
        capsys,
        "policy",
        "check",
        "--repo",
        str(repo),
        "--config",
        config(tmp_path, DOCS_POLICY),
        "--json",
    )
    assert code == 0
    (repo_report,) = report["repos"]
    assert git(repo, "show", f"{repo_report['tree']}:docs/a.md") == "a\n"
    assert "excluded: .pytest_cache/ (self-ignoring folder)" in repo_report["notices"]

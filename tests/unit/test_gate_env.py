"""The gate environment: allowlist, no bytecode, a uv environment outside the worktree."""

from __future__ import annotations

from domain.gates.env import gate_environment, project_environment_dir, tool_cache_environment

PARENT = {
    "PATH": "/usr/bin",
    "HOME": "/home/dev",
    "LANG": "C.UTF-8",
    "GITHUB_TOKEN": "ghp_secret",
    "GH_TOKEN": "secret",
    "ANTHROPIC_API_KEY": "k",
    "AWS_SECRET_ACCESS_KEY": "s",
    "VIRTUAL_ENV": "/work/repo/.venv",
    "UV_PROJECT_ENVIRONMENT": "/work/repo/.venv",
    "UV_CACHE_DIR": "/var/cache/uv",
    "PYTHONPATH": "/evil",
}


def test_gate_environment_keeps_only_the_allowlist_and_adds_its_own_settings() -> None:
    env = gate_environment(PARENT, "/work/repo").unwrap()
    assert env == {
        "PATH": "/usr/bin",
        "HOME": "/home/dev",
        "LANG": "C.UTF-8",
        "UV_CACHE_DIR": "/var/cache/uv",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPYCACHEPREFIX": project_environment_dir("/work/repo", "/home/dev/.cache")
        + ".no-pycache",
        "UV_PROJECT_ENVIRONMENT": project_environment_dir("/work/repo", "/home/dev/.cache"),
        **tool_cache_environment(project_environment_dir("/work/repo", "/home/dev/.cache")),
    }


def test_tool_caches_stay_outside_the_worktree_and_pytest_keeps_none() -> None:
    env = gate_environment({**PARENT, "PYTEST_ADDOPTS": "--cache-clear"}, "/work/repo").unwrap()
    outside = project_environment_dir("/work/repo", "/home/dev/.cache")
    assert env["RUFF_CACHE_DIR"] == outside + ".ruff-cache"
    assert env["MYPY_CACHE_DIR"] == outside + ".mypy-cache"
    assert not env["RUFF_CACHE_DIR"].startswith("/work/repo/")
    # The caller's own PYTEST_ADDOPTS never reaches a gate.
    assert env["PYTEST_ADDOPTS"] == "-p no:cacheprovider"


def test_project_environment_is_per_repository_and_stable() -> None:
    first = project_environment_dir("/work/a/repo", "/c")
    assert first == project_environment_dir("/work/a/repo/", "/c")
    assert first != project_environment_dir("/work/b/repo", "/c")
    assert first.startswith("/c/engineering-loop/envs/repo-")


def test_xdg_cache_home_wins_over_home_and_is_passed_on_for_uvs_cache() -> None:
    env = gate_environment({**PARENT, "XDG_CACHE_HOME": "/xdg"}, "/work/repo").unwrap()
    assert env["UV_PROJECT_ENVIRONMENT"].startswith("/xdg/engineering-loop/envs/")
    assert env["XDG_CACHE_HOME"] == "/xdg"


def test_a_relative_xdg_cache_home_is_ignored() -> None:
    env = gate_environment({**PARENT, "XDG_CACHE_HOME": "cache"}, "/work/repo").unwrap()
    assert env["UV_PROJECT_ENVIRONMENT"].startswith("/home/dev/.cache/")
    assert "XDG_CACHE_HOME" not in env


def test_no_cache_home_is_an_error_value() -> None:
    error = gate_environment({"PATH": "/bin"}, "/work/repo").failure()
    assert error.code == "gate-env-no-cache-dir"


def test_an_environment_inside_the_worktree_is_refused() -> None:
    error = gate_environment(PARENT, "/home/dev", env_dir="/home/dev/.venv").failure()
    assert error.code == "gate-env-inside-worktree"
    error = gate_environment({**PARENT, "HOME": "/work/repo"}, "/work/repo").failure()
    assert error.code == "gate-env-inside-worktree"


def test_a_relative_or_inner_uv_cache_is_dropped() -> None:
    assert "UV_CACHE_DIR" not in gate_environment({**PARENT, "UV_CACHE_DIR": "c"}, "/r").unwrap()
    inner = {**PARENT, "UV_CACHE_DIR": "/r/.uv"}
    assert "UV_CACHE_DIR" not in gate_environment(inner, "/r").unwrap()

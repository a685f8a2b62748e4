"""The environment a gate runs in, and where its uv project environment lives (pure).

Gates see an allowlist (never the caller's tokens), never write or read bytecode in the
worktree, and sync their uv
environment into a per-repository directory outside the worktree, reused between runs.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Mapping

import msgspec
from returns.result import Failure, Result, Success

from domain.kernel.environment import scrub_environment
from domain.kernel.locations import cache_home, is_within

# uv settings a gate may inherit: where uv keeps its cache and Pythons, and whether it may
# download (XDG_CACHE_HOME too: without it uv would look for its cache somewhere else). Index
# URLs are left out on purpose: they can carry credentials in the URL.
GATE_ALLOW: tuple[str, ...] = (
    "UV_CACHE_DIR",
    "XDG_CACHE_HOME",
    "UV_PYTHON_DOWNLOADS",
    "UV_PYTHON_INSTALL_DIR",
    "UV_OFFLINE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)


class GateEnvError(msgspec.Struct, frozen=True, kw_only=True, tag="gate-env-error"):
    """No safe place for the gate environment could be chosen."""

    code: str
    message: str


def project_environment_dir(repo: str, cache_dir: str) -> str:
    """The uv project environment for the repository at absolute `repo`: one per repository path.

    >>> project_environment_dir("/w/repo", "/home/a/.cache")[:42]
    '/home/a/.cache/engineering-loop/envs/repo-'
    """
    digest = hashlib.sha256(posixpath.normpath(repo).encode("utf-8", "surrogateescape"))
    name = posixpath.basename(posixpath.normpath(repo)) or "root"
    return posixpath.join(
        cache_dir, "engineering-loop", "envs", f"{name}-{digest.hexdigest()[:16]}"
    )


def tool_cache_environment(env_dir: str) -> dict[str, str]:
    """Where ruff and mypy keep their caches (beside `env_dir`), and pytest keeps none.

    >>> tool_cache_environment("/c/envs/repo-1")["RUFF_CACHE_DIR"]
    '/c/envs/repo-1.ruff-cache'
    """
    base = env_dir.rstrip("/")
    return {
        "RUFF_CACHE_DIR": base + ".ruff-cache",
        "MYPY_CACHE_DIR": base + ".mypy-cache",
        "PYTEST_ADDOPTS": "-p no:cacheprovider",
    }


def gate_environment(
    parent: Mapping[str, str], repo: str, env_dir: str | None = None
) -> Result[dict[str, str], GateEnvError]:
    """The complete environment for gates of the repository at absolute `repo`.

    `env_dir` overrides the per-repository default below the cache home; it must lie outside
    the worktree, or uv would sync `.venv`-like files into the tree the gates must not touch.

    >>> env = gate_environment({"HOME": "/h", "GITHUB_TOKEN": "t"}, "/w/r").unwrap()
    >>> sorted(env)[:4], env["UV_PROJECT_ENVIRONMENT"].startswith("/h/.cache/engineering-loop/")
    (['HOME', 'MYPY_CACHE_DIR', 'PYTEST_ADDOPTS', 'PYTHONDONTWRITEBYTECODE'], True)
    """
    if env_dir is None:
        base = cache_home(parent)
        if base is None:
            return Failure(
                GateEnvError(
                    code="gate-env-no-cache-dir",
                    message="neither XDG_CACHE_HOME nor HOME is an absolute path; set one so "
                    "gates can keep their uv environment outside the worktree.",
                )
            )
        env_dir = project_environment_dir(repo, base)
    if not env_dir.startswith("/") or is_within(env_dir, repo):
        return Failure(
            GateEnvError(
                code="gate-env-inside-worktree",
                message=f"the gate environment {env_dir} is not an absolute path outside {repo}; "
                "point XDG_CACHE_HOME (or the env_dir argument) somewhere else.",
            )
        )
    env = scrub_environment(
        parent,
        GATE_ALLOW,
        extra={
            "PYTHONDONTWRITEBYTECODE": "1",
            # Bytecode is looked up below this (empty) prefix only, never in the worktree's
            # `__pycache__` folders: those are usually ignored, so an agent could plant a .pyc
            # there that no path rule or secret scan ever sees, and the gate would run it.
            "PYTHONPYCACHEPREFIX": env_dir.rstrip("/") + ".no-pycache",
            "UV_PROJECT_ENVIRONMENT": env_dir,
            # The tools' caches live beside the environment, never in the checkout, so a
            # declared `ruff check .`, `mypy src` or `pytest` passes the side-effect proof.
            **tool_cache_environment(env_dir),
        },
    )
    # A relative cache would be resolved against the gate's cwd, i.e. inside the worktree.
    for name in ("UV_CACHE_DIR", "XDG_CACHE_HOME"):
        cache = env.get(name)
        if cache is not None and (not cache.startswith("/") or is_within(cache, repo)):
            del env[name]
    return Success(env)

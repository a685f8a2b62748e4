"""Where a confined run's own files live, and the binds and variables that point there (pure).

Each confined process gets a run folder of its own on the host (removed after it): `home/` is
its fresh, empty HOME, `tmp/` its TMPDIR, `uv-cache/` the writable root of its uv cache.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping

import msgspec

from domain.sandbox.plan import Bind

# uv cache buckets a run may not share: uv rewrites interpreter facts and project builds (which
# run the project's own build backend) on every run, so each run writes its own.
_PER_RUN_BUCKET = re.compile(r"^(interpreter|builds)-v[0-9]+$")
# uv's versioned buckets (`wheels-v5`, `archive-v0`); its lock and marker files stay per run.
_BUCKET = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*-v[0-9]+$")

# A harness's own settings folder: the variable naming it, its default below HOME, and what
# is never copied (other runs' sessions and histories).
_SETTINGS: dict[str, tuple[str, str, frozenset[str]]] = {
    "pi": ("PI_CODING_AGENT_DIR", ".pi/agent", frozenset({"sessions"})),
    "claude": ("CLAUDE_CONFIG_DIR", ".claude", frozenset({"projects", "todos", "shell-snapshots"})),
    "codex": ("CODEX_HOME", ".codex", frozenset({"sessions", "log", "history.jsonl"})),
}


class RunFolder(msgspec.Struct, frozen=True, kw_only=True):
    """The host folder of one confined run and the places inside it."""

    root: str

    @property
    def home(self) -> str:
        """The fresh HOME."""
        return posixpath.join(self.root, "home")

    @property
    def tmp(self) -> str:
        """The fresh TMPDIR."""
        return posixpath.join(self.root, "tmp")

    @property
    def uv_cache(self) -> str:
        """The writable root of the run's uv cache (shared buckets are bound into it)."""
        return posixpath.join(self.root, "uv-cache")


class SettingsCopy(msgspec.Struct, frozen=True, kw_only=True):
    """A harness settings folder copied into the fresh HOME, and the variable that names it."""

    variable: str
    source: str
    dest: str
    skip: frozenset[str] = frozenset()


def confined_environment(
    env: Mapping[str, str], folder: RunFolder, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """`env` with HOME and TMPDIR moved to the run folder, plus `extra` tool-state variables.

    >>> confined_environment({"HOME": "/root", "PATH": "/bin"}, RunFolder(root="/r"))
    {'HOME': '/r/home', 'PATH': '/bin', 'TMPDIR': '/r/tmp'}
    """
    confined = dict(env)
    confined["HOME"] = folder.home
    confined["TMPDIR"] = folder.tmp
    if extra:
        confined.update(extra)
    return confined


def uv_cache_dir(env: Mapping[str, str]) -> str | None:
    """The uv cache `env` points uv at: UV_CACHE_DIR, else the XDG cache home's `uv`.

    >>> uv_cache_dir({"HOME": "/h"}), uv_cache_dir({"UV_CACHE_DIR": "/c", "HOME": "/h"})
    ('/h/.cache/uv', '/c')
    """
    explicit = env.get("UV_CACHE_DIR", "")
    if explicit.startswith("/"):
        return explicit
    xdg = env.get("XDG_CACHE_HOME", "")
    if xdg.startswith("/"):
        return posixpath.join(xdg, "uv")
    home = env.get("HOME", "")
    return posixpath.join(home, ".cache", "uv") if home.startswith("/") else None


def uv_cache_binds(shared: str, buckets: Iterable[str], folder: RunFolder) -> tuple[Bind, ...]:
    """The uv cache at `shared` as a run sees it: a writable root of its own (uv's lock and
    temporary files) with the shared `buckets` bound read-only into it.

    >>> buckets = ["wheels-v5", "builds-v0", ".lock", "CACHEDIR.TAG"]
    >>> [(b.target, b.writable) for b in uv_cache_binds("/c", buckets, RunFolder(root="/r"))]
    [('/c', True), ('/c/wheels-v5', False)]
    """
    binds = [Bind(source=folder.uv_cache, dest=shared, writable=True)]
    for bucket in sorted(buckets):
        if _PER_RUN_BUCKET.match(bucket) or not _BUCKET.match(bucket):
            continue
        path = posixpath.join(shared, bucket)
        binds.append(Bind(source=path))
    return tuple(binds)


def installation_root(executable: str) -> str:
    """The folder that holds a program's installation: its `node_modules`, else the program.

    >>> installation_root("/w/tools/pi/node_modules/.bin/pi")
    '/w/tools/pi/node_modules'
    >>> installation_root("/opt/bin/claude")
    '/opt/bin/claude'
    """
    parts = posixpath.normpath(executable).split("/")
    if "node_modules" in parts:
        last = len(parts) - 1 - parts[::-1].index("node_modules")
        return "/".join(parts[: last + 1]) or "/"
    return posixpath.normpath(executable)


def settings_copy(harness: str, env: Mapping[str, str], folder: RunFolder) -> SettingsCopy | None:
    """Where the harness's settings folder is and where its per-run copy goes (None: unknown).

    >>> settings_copy("pi", {"PI_CODING_AGENT_DIR": "/t/agent"}, RunFolder(root="/r")).dest
    '/r/home/.pi/agent'
    >>> settings_copy("pi", {"HOME": "/root"}, RunFolder(root="/r")).source
    '/root/.pi/agent'
    """
    known = _SETTINGS.get(harness)
    if known is None:
        return None
    variable, below_home, skip = known
    source = env.get(variable, "")
    if not source.startswith("/"):
        home = env.get("HOME", "")
        if not home.startswith("/"):
            return None
        source = posixpath.join(home, below_home)
    return SettingsCopy(
        variable=variable,
        source=posixpath.normpath(source),
        dest=posixpath.join(folder.home, below_home),
        skip=skip,
    )


def program_search_path(path: str | None, interpreter_bins: Iterable[str]) -> str:
    """Where a gate's program is looked up on the host: PATH without version-manager shims,
    then the loop's own interpreter folders.

    A shim (pyenv's, asdf's, mise's: a folder named `shims`) is a script that runs the real
    program from the manager's state below the home, which the sandbox does not bind.

    >>> program_search_path("/h/.pyenv/shims:/usr/bin", ["/h/.pyenv/versions/3.11/bin"])
    '/usr/bin:/h/.pyenv/versions/3.11/bin'
    """
    entries = [e for e in (path or "").split(":") if e and posixpath.basename(e) != "shims"]
    return ":".join(dict.fromkeys([*entries, *interpreter_bins]))

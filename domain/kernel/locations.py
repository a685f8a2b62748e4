"""Where engineering-loop keeps its own files (pure): per-user XDG homes, never a worktree.

Gate environments live under the cache home, harness transcripts under the state home; both
must stay outside the worktree an agent changes, or they would join the change set.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping


def _xdg_home(parent: Mapping[str, str], variable: str, fallback: str) -> str | None:
    value = parent.get(variable, "")
    if value.startswith("/"):
        return value
    home = parent.get("HOME", "")
    if home.startswith("/"):
        return posixpath.join(home, fallback)
    return None


def cache_home(parent: Mapping[str, str]) -> str | None:
    """The XDG cache directory: `$XDG_CACHE_HOME` if absolute, else `$HOME/.cache`, else None.

    >>> cache_home({"HOME": "/home/a"}), cache_home({"XDG_CACHE_HOME": "/c", "HOME": "/h"})
    ('/home/a/.cache', '/c')
    """
    return _xdg_home(parent, "XDG_CACHE_HOME", ".cache")


def state_home(parent: Mapping[str, str]) -> str | None:
    """The XDG state directory: `$XDG_STATE_HOME` if absolute, else `$HOME/.local/state`.

    >>> state_home({"HOME": "/home/a"}), state_home({"XDG_STATE_HOME": "/s", "HOME": "/h"})
    ('/home/a/.local/state', '/s')
    """
    return _xdg_home(parent, "XDG_STATE_HOME", posixpath.join(".local", "state"))


def data_home(parent: Mapping[str, str]) -> str | None:
    """The XDG data directory: `$XDG_DATA_HOME` if absolute, else `$HOME/.local/share`.

    >>> data_home({"HOME": "/home/a"}), data_home({"XDG_DATA_HOME": "/d", "HOME": "/h"})
    ('/home/a/.local/share', '/d')
    """
    return _xdg_home(parent, "XDG_DATA_HOME", posixpath.join(".local", "share"))


def default_transcript_dir(parent: Mapping[str, str]) -> str | None:
    """Where harness transcripts go by default: per user, whatever the working directory.

    Transcripts are evidence kept after the run (state, not a cache that may be wiped).

    >>> default_transcript_dir({"HOME": "/home/a"})
    '/home/a/.local/state/engineering-loop/transcripts'
    """
    base = state_home(parent)
    return None if base is None else posixpath.join(base, "engineering-loop", "transcripts")


def is_within(path: str, root: str) -> bool:
    """True when absolute `path` is `root` or lies below it (lexically, after normalising).

    >>> is_within("/w/repo/.venv", "/w/repo"), is_within("/w/repo2", "/w/repo")
    (True, False)
    """
    path, root = posixpath.normpath(path), posixpath.normpath(root)
    return path == root or path.startswith(root.rstrip("/") + "/")

"""Opening the repository of a worktree folder so that nothing in `.git` can move the worktree."""

from __future__ import annotations

import os
import zlib

from dulwich.errors import ChecksumMismatch, FileFormatException, WrongObjectException
from dulwich.repo import (
    InvalidWorktreeConfiguration,
    Repo,
    UnsupportedExtension,
    UnsupportedVersion,
)

# What dulwich raises for a `.git/config` it will not open (the agent can write any of these);
# callers report the repository unreadable instead of crashing.
CONFIG_REFUSED = (InvalidWorktreeConfiguration, UnsupportedExtension, UnsupportedVersion)

# What dulwich raises when an object it was asked for cannot be read: missing (KeyError: a
# partial clone, a deleted file), damaged (content that does not hash to its id, an empty or
# undecodable file, a broken zlib stream) or not the kind its referrer says it is. The objects
# are the agent's to write: callers report the repository unreadable instead of crashing.
OBJECTS_UNREADABLE = (
    KeyError,
    ChecksumMismatch,
    FileFormatException,
    WrongObjectException,
    zlib.error,
)


def open_worktree(root: str) -> Repo:
    """The repository at folder `root`, whose worktree is `root` itself.

    dulwich follows `core.worktree` from `.git/config`, which the agent writes: one
    `git config core.worktree /tmp/clean-copy` would have us read a clean copy. An explicit
    worktree takes precedence over it. Raises `NotGitRepository` where there is none.
    """
    dot_git = os.path.join(root, ".git")
    if not (os.path.isfile(dot_git) or os.path.isdir(os.path.join(dot_git, "objects"))):
        # No worktree's repository here: dulwich says what there is (bare, or nothing).
        return Repo(root)
    return Repo(root, worktree=root)


class SpecialFileError(OSError):
    """A file the collector must read is a FIFO, socket or device (a tracked path, or
    `.git/index`): reading it could block forever or never end, so the worktree cannot be
    described. The message says which file and what to do."""

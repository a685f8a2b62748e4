"""Opening the repository of a worktree folder so that nothing in `.git` can move the worktree."""

from __future__ import annotations

import os
import stat
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


class SpecialFileError(OSError):
    """A file the collector must read is a FIFO, socket or device (a tracked path, or a file in
    the git data): reading it could block forever or never end, so the worktree cannot be
    described. The message says which file and what to do."""


# Alternates may name further object folders, which may name more: followed this deep.
MAX_ALTERNATES_DEPTH = 5


def open_worktree(root: str) -> Repo:
    """The repository at folder `root`, whose worktree is `root` itself.

    dulwich follows `core.worktree` from `.git/config`, which the agent writes: one
    `git config core.worktree /tmp/clean-copy` would have us read a clean copy. An explicit
    worktree takes precedence over it. Raises `NotGitRepository` where there is none, and
    `SpecialFileError` where the git data hold a FIFO, socket or device (`refuse_special_files`).
    """
    dot_git = os.path.join(root, ".git")
    refuse_special_files(dot_git)
    if not (os.path.isfile(dot_git) or os.path.isdir(os.path.join(dot_git, "objects"))):
        # No worktree's repository here: dulwich says what there is (bare, or nothing).
        return Repo(root)
    return Repo(root, worktree=root)


def refuse_special_files(dot_git: str) -> None:
    """Raise `SpecialFileError` if a worktree's `.git`, its git directory, the common
    directory of a linked worktree or an alternate object folder holds a FIFO or a device
    (symlinks followed). The agent writes all of these, and opening a FIFO for reading
    blocks until someone writes to it (a device may never end): checked before dulwich opens
    any of them."""
    try:
        st = os.stat(dot_git)
    except (FileNotFoundError, NotADirectoryError):
        return  # no repository here: dulwich says so
    if stat.S_ISDIR(st.st_mode):
        control: str | None = dot_git
    elif stat.S_ISREG(st.st_mode):
        control = _pointed_to(dot_git, b"gitdir:")
    elif _blocks(st.st_mode):
        raise _special(dot_git)
    else:
        return  # a socket: dulwich cannot open it and says so
    if control is None:
        return  # not a "gitdir: ..." file: dulwich refuses it
    folders = [control]
    common = os.path.join(control, "commondir")
    shared = _pointed_to(common) if os.path.isfile(common) else None
    if shared is not None:
        folders.append(shared)
    found = next(filter(None, map(_special_below, folders)), None)
    if found is None:
        found = _special_in_alternates([os.path.join(folder, "objects") for folder in folders])
    if found is not None:
        raise _special(found)


def _special(path: str) -> SpecialFileError:
    return SpecialFileError(
        f"{path} is a FIFO or device file in the repository's git data; reading it could "
        "block forever: remove it"
    )


def _blocks(mode: int) -> bool:
    """A FIFO or a device: opening or reading it may never return. (A socket cannot be opened
    at all, so it fails at once; git's fsmonitor daemon keeps one in `.git`.)"""
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode)


def _pointed_to(path: str, label: bytes = b"") -> str | None:
    """The folder a `gitdir: ...` (or `commondir`) file names, relative to the file's folder;
    None if the file does not start with `label`."""
    with open(path, "rb") as handle:
        text = handle.read(65536).strip()
    if not text.startswith(label):
        return None
    target = os.fsdecode(text[len(label) :].strip())
    return os.path.normpath(os.path.join(os.path.dirname(path), target))


def _special_below(folder: str) -> str | None:
    """The first FIFO or device in `folder` or below (symlinked folders included)."""
    seen: set[tuple[int, int]] = set()
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            st = os.stat(current)
            entries = os.scandir(current)
        except (FileNotFoundError, NotADirectoryError):
            continue
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        with entries:
            for entry in entries:
                if entry.is_dir():  # follows a symlink: its folder is read too
                    pending.append(entry.path)
                elif not entry.is_file():
                    try:
                        mode = os.stat(entry.path).st_mode
                    except FileNotFoundError:
                        continue  # a dangling symlink: reading it fails, it cannot block
                    if _blocks(mode):
                        return entry.path
    return None


def _special_in_alternates(objects: list[str]) -> str | None:
    """`_special_below` over the object folders `objects/info/alternates` names, in turn."""
    seen = set(objects)
    level = objects
    for _ in range(MAX_ALTERNATES_DEPTH):
        named = []
        for folder in level:
            listing = os.path.join(folder, "info", "alternates")
            if not os.path.isfile(listing):
                continue
            with open(listing, "rb") as handle:
                lines = handle.read(1 << 20).splitlines()
            for line in lines:
                if line.strip() and not line.startswith(b"#"):
                    path = os.path.normpath(os.path.join(folder, os.fsdecode(line.strip())))
                    if path not in seen:
                        seen.add(path)
                        named.append(path)
        for folder in named:
            found = _special_below(folder)
            if found is not None:
                return found
        level = named
    return None

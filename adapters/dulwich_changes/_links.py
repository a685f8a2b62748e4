"""Following a symlink through the worktree as it is, one step at a time, never past its root.

Like `realpath`, but it stops (and says so) as soon as a step leaves the worktree, instead of
following links out into the machine: `..` above the root or an absolute target on the way.
Only facts are reported (`LinkResolution`); `domain.path_rules` decides what escapes.
"""

from __future__ import annotations

import os
import stat

from domain.changes import LinkResolution, LinkState

# The kernel gives up (ELOOP) after following this many symlinks in one lookup.
MAX_LINKS = 40
_OUTSIDE = ".."


def _shown(parts: list[bytes]) -> str:
    # Undecodable bytes become \\xNN escapes, as every path we report does.
    return b"/".join(parts).decode("utf-8", "backslashreplace") or "."


def resolve_link(root: bytes, path: bytes) -> LinkResolution:
    """Where the symlink at repo-relative `path` leads, every symlink on the way followed."""
    done: list[bytes] = []  # steps taken from the root, none of them a symlink
    pending = path.split(b"/")[::-1]
    state: LinkState = "resolved"
    followed = 0
    directory = True  # whether the last step taken is a directory one can go on from
    while pending:
        part = pending.pop()
        if part in (b"", b"."):
            continue
        if not directory and state == "resolved":
            state = "dangling"  # a step below a file: the kernel says ENOTDIR
        if part == b"..":
            if not done:
                return LinkResolution(path=_OUTSIDE, state=state)
            done.pop()
            directory = True
            continue
        done.append(part)
        if state != "resolved":
            continue  # past a missing step the rest is only text
        full = root + b"/" + b"/".join(done)
        try:
            st = os.lstat(full)
        except (FileNotFoundError, NotADirectoryError):
            state = "dangling"
            continue
        if not stat.S_ISLNK(st.st_mode):
            directory = stat.S_ISDIR(st.st_mode)
            continue
        followed += 1
        if followed > MAX_LINKS:
            return LinkResolution(path=_shown(done), state="loop")
        target = os.readlink(full)
        done.pop()
        if target.startswith(b"/"):
            return LinkResolution(path=_OUTSIDE, state=state)
        pending.extend(target.split(b"/")[::-1])
    return LinkResolution(path=_shown(done), state=state)

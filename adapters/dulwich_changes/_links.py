"""Following a symlink through the worktree as it is, one step at a time, never past its root.

Like `realpath`, but it stops (and says so) as soon as a step leaves the worktree, instead of
following links out into the machine: `..` above the root or an absolute target on the way.
Only facts are reported (`LinkResolution`); `domain.path_rules` decides what escapes.
"""

from __future__ import annotations

import os
import stat

from adapters.dulwich_changes._worktree import _Entry, _Snapshot
from domain.changes import MODE_SYMLINK, LinkResolution, LinkState, RelinkedSymlink

# The kernel gives up (ELOOP) after following this many symlinks in one lookup.
MAX_LINKS = 40
_OUTSIDE = ".."


def _shown(parts: list[bytes]) -> str:
    # Undecodable bytes become \\xNN escapes, as every path we report does.
    return b"/".join(parts).decode("utf-8", "backslashreplace") or "."


def resolve_link(root: bytes, path: bytes, steps: set[bytes] | None = None) -> LinkResolution:
    """Where the symlink at repo-relative `path` leads, every symlink on the way followed;
    `steps` collects every path the way stepped on (links, folders, missing paths)."""
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
        here = b"/".join(done)
        if steps is not None:
            steps.add(here)
        if state != "resolved":
            continue  # past a missing step the rest is only text
        full = root + b"/" + here
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


def relinked_symlinks(
    snapshot: _Snapshot, changed: dict[bytes, tuple[_Entry | None, _Entry | None]]
) -> list[RelinkedSymlink]:
    """The unchanged symlinks of the new tree whose way steps on a changed path.

    Only a changed symlink (new, retargeted, or replaced) can re-route another link's way, so
    nothing is followed when none changed: `src/a/x -> ../..` replacing the folder `src/a/x`
    sends the unchanged `src/a/l -> x/../..` out of the worktree.
    """
    if not any(
        entry is not None and entry[0] == MODE_SYMLINK
        for pair in changed.values()
        for entry in pair
    ):
        return []
    candidates = {path for path, entry in snapshot.index.items() if entry[0] == MODE_SYMLINK}
    candidates |= {
        path for path in snapshot.untracked if snapshot.entries.get(path, (0,))[0] == MODE_SYMLINK
    }
    found: list[RelinkedSymlink] = []
    for path in sorted(candidates - changed.keys()):
        full = snapshot.root + b"/" + path
        try:
            target = os.readlink(full)
        except OSError:
            continue  # no symlink on disk: then it is a changed path, reported as such
        steps: set[bytes] = set()
        link = resolve_link(snapshot.root, path, steps)
        through = sorted(steps.intersection(changed) - {path})
        if through:
            found.append(
                RelinkedSymlink(
                    path=_shown([path]),
                    target=_shown([target]),
                    link=link,
                    through=_shown([through[0]]),
                )
            )
    return found

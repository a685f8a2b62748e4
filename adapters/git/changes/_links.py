"""Following a symlink through the worktree as it is, one step at a time, never past its root.

Like `realpath`, but it stops (and says so) as soon as a step leaves the worktree, instead of
following links out into the machine: `..` above the root or an absolute target on the way.
Only facts are reported (`LinkResolution`); `domain.policy.paths` decides what escapes.
"""

from __future__ import annotations

import os
import stat

from adapters.git.changes._worktree import _Entry, _Snapshot
from domain.changes.change_set import MODE_SYMLINK, LinkResolution, LinkState, RelinkedSymlink

# The kernel gives up (ELOOP) after following this many symlinks in one lookup.
MAX_LINKS = 40
_OUTSIDE = ".."


def _shown(parts: list[bytes]) -> str:
    # Undecodable bytes become \\xNN escapes, as every path we report does.
    return b"/".join(parts).decode("utf-8", "backslashreplace") or "."


def resolve_link(root: bytes, path: bytes, steps: set[bytes] | None = None) -> LinkResolution:
    """Where the symlink at repo-relative `path` leads, every symlink on the way followed;
    `steps` collects every path the way stepped on (links, folders, missing paths).

    A missing step (or a file with steps below it) is taken as a folder that may be created
    later: the steps below it are text, and once `..` leads back out of it, the steps after
    that are followed on disk again (`LinkResolution.state` says which of these happened).
    """
    done: list[bytes] = []  # steps taken from the root, none of them a symlink
    pending = path.split(b"/")[::-1]
    state: LinkState = "resolved"
    followed = 0
    # `done[absent:]` are not folders on disk (missing, or a file and what lies below it).
    absent: int | None = None
    while pending:
        part = pending.pop()
        if part in (b"", b"."):
            continue
        if absent is not None:
            # A step below a missing path or a file (ENOENT, ENOTDIR for the kernel); `..`
            # back out of it only leads anywhere once that path is created as a folder.
            state = _worse(state, "unsettled" if part == b".." else "dangling")
        if part == b"..":
            if not done:
                return LinkResolution(path=_OUTSIDE, state=state)
            done.pop()
            if absent is not None and len(done) <= absent:
                absent = None  # back among folders on disk: follow them again
            continue
        done.append(part)
        here = b"/".join(done)
        if steps is not None:
            steps.add(here)
        if absent is not None:
            continue  # below a missing path or a file: nothing there on disk
        full = root + b"/" + here
        try:
            st = os.lstat(full)
        except (FileNotFoundError, NotADirectoryError):
            state = _worse(state, "dangling")
            absent = len(done) - 1
            continue
        if not stat.S_ISLNK(st.st_mode):
            if not stat.S_ISDIR(st.st_mode):
                absent = len(done) - 1  # a file: fine to end at, no folder to go on from
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


_SEVERITY: dict[LinkState, int] = {"resolved": 0, "dangling": 1, "unsettled": 2, "loop": 3}


def _worse(state: LinkState, other: LinkState) -> LinkState:
    return other if _SEVERITY[other] > _SEVERITY[state] else state


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

"""Snapshots of a worktree's status and the side effects between two of them (pure).

A snapshot lists every path that differs from a clean checkout and is not ignored (tracked and
modified, staged, deleted, or untracked), each with a digest of its content; in a directory that
is not a git repository it lists every file. Comparing the snapshot before a gate with the one
after it names every path the gate created, changed or deleted.
"""

from __future__ import annotations

from typing import Literal

import msgspec

SnapshotMode = Literal["git-status", "all-files"]

# The digest of a tracked path that is missing from the worktree.
DELETED = "deleted"


class SnapshotEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One path (repo-relative, POSIX) and a digest of what is there now."""

    path: str
    digest: str


class WorktreeSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """The status of a worktree at one moment, entries sorted by path."""

    mode: SnapshotMode
    entries: tuple[SnapshotEntry, ...] = ()
    # Where HEAD points and its commit: a gate that commits its own by-product leaves a clean
    # status behind, but not the same HEAD.
    head: str = ""


def snapshot_of(mode: SnapshotMode, digests: dict[str, str], head: str = "") -> WorktreeSnapshot:
    """Build a snapshot from a path-to-digest mapping, in a canonical (sorted) order.

    >>> snapshot_of("all-files", {"b": "2", "a": "1"}).entries[0].path
    'a'
    """
    entries = tuple(SnapshotEntry(path=p, digest=d) for p, d in sorted(digests.items()))
    return WorktreeSnapshot(mode=mode, entries=entries, head=head)


def side_effects(before: WorktreeSnapshot, after: WorktreeSnapshot) -> tuple[str, ...]:
    """The paths that appeared, disappeared or changed content between two snapshots, sorted.

    A path that leaves the status (a modified file restored to its committed content) is a
    change as well: the gate touched it. A gate that turned the directory into a repository (or
    broke one) changed `.git`; one that committed or switched branches changed `.git/HEAD`.

    >>> before = snapshot_of("git-status", {"a": "1", "c": "4"})
    >>> side_effects(before, snapshot_of("git-status", {"a": "2", "b": "3", "c": "4"}))
    ('a', 'b')
    """
    old = {entry.path: entry.digest for entry in before.entries}
    new = {entry.path: entry.digest for entry in after.entries}
    changed = {path for path in old.keys() | new.keys() if old.get(path) != new.get(path)}
    if before.mode != after.mode:
        changed.add(".git")
    elif before.head != after.head:
        changed.add(".git/HEAD")
    return tuple(sorted(changed))

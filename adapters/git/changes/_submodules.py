"""The state of each submodule of a worktree: its HEAD commit only when its folder matches it.

git records a submodule as one commit id, but pytest and every gate read the files in its
folder. An agent that writes `vendor/conftest.py`, edits a vendored file, or deletes
`vendor/.git` and fills the folder changes what runs without changing any commit. So a
submodule's worktree is read the way the parent's is (every file hashed or taken from our own
stat cache, untracked files that its HEAD's committed `.gitignore` files do not ignore) and
compared with its HEAD commit:

- it matches: the state is that commit (a different commit than the base's is a change);
- it differs: the state is an id of no commit, a digest of what differs (so a gate that writes
  into an already differing submodule still changes it);
- it cannot be read (no or a broken `.git`, missing objects, nested too deep): ZERO_SHA, no
  commit at all. An empty folder is a submodule that was never checked out: as git says, that
  is no change.
"""

from __future__ import annotations

import hashlib
import os

from dulwich.errors import ChecksumMismatch, NotGitRepository, ObjectFormatException
from dulwich.objects import ZERO_SHA, Commit, ObjectID
from dulwich.repo import Repo

from adapters.git.changes._compare import _base_files, _compared
from adapters.git.changes._repo import CONFIG_REFUSED, open_worktree
from adapters.git.changes._stat_cache import StatCache
from adapters.git.changes._worktree import _Entry, _Snapshot
from domain.changes.change_set import MODE_GITLINK

# Submodules inside submodules are read this deep; deeper ones count as differing.
MAX_DEPTH = 8
# Everything that says "this submodule's repository cannot show its worktree matches a commit".
_UNREADABLE = (
    OSError,
    KeyError,
    ValueError,
    NotGitRepository,
    ObjectFormatException,
    ChecksumMismatch,
    *CONFIG_REFUSED,
)


def read_worktree(
    repo: Repo,
    ignore_tree: ObjectID | None,
    *,
    trust_stat: bool,
    cache: StatCache | None = None,
    depth: int = 0,
    self_ignoring: bool = False,
) -> _Snapshot:
    """`_Snapshot` of `repo`'s worktree with the state of every submodule settled
    (`self_ignoring`: untracked self-ignoring folders excluded, in submodules too)."""
    snapshot = _Snapshot(
        repo, ignore_tree, trust_stat=trust_stat, cache=cache, self_ignoring=self_ignoring
    )
    for path, recorded in snapshot.submodules.items():
        snapshot.entries[path] = (MODE_GITLINK, _state(snapshot, path, recorded, depth))
    return snapshot


def _state(snapshot: _Snapshot, path: bytes, recorded: ObjectID | None, depth: int) -> ObjectID:
    folder = snapshot.root + b"/" + path
    if not os.path.lexists(folder + b"/.git"):
        if recorded is not None and not os.listdir(folder):
            return recorded  # never checked out (git leaves the folder empty): no change
        return ZERO_SHA  # files that no repository describes
    if depth >= MAX_DEPTH:
        return ZERO_SHA
    try:
        with open_worktree(os.fsdecode(folder)) as sub:
            head = sub.head()
            commit = sub[head]
            if not isinstance(commit, Commit):
                return ZERO_SHA
            cache = snapshot.cache
            child = cache.for_submodule(os.path.realpath(folder)) if cache else None
            inner = read_worktree(
                sub,
                commit.tree,
                trust_stat=snapshot.trust_stat,
                cache=child,
                depth=depth + 1,
                self_ignoring=snapshot.self_ignoring,
            )
            files, pruned = _base_files(sub, commit.tree, inner, child)
            differing = _compared(files, pruned, inner)
    except _UNREADABLE:
        return ZERO_SHA
    return head if not differing else _differing_id(head, differing)


def _differing_id(
    head: ObjectID, differing: list[tuple[bytes, _Entry | None, _Entry | None]]
) -> ObjectID:
    """An id for a worktree that matches no commit: a digest of its HEAD and what differs."""
    digest = hashlib.sha1(b"engineering-loop differing submodule\0" + head, usedforsecurity=False)
    for path, _, new in differing:
        state = b"-" if new is None else b"%o %s" % (new[0], new[1])
        digest.update(b"\0" + path + b"\0" + state)
    return ObjectID(digest.hexdigest().encode("ascii"))

"""Which paths differ between the base tree and the working tree snapshot."""

from __future__ import annotations

from dulwich.objects import ObjectID, Tree
from dulwich.repo import Repo

from adapters.dulwich_changes._worktree import _Entry, _Snapshot
from domain.changes import (
    MODE_TREE,
)


def _base_entries(
    repo: Repo, tree_id: ObjectID, same_as_index: dict[bytes, ObjectID]
) -> tuple[dict[bytes, _Entry], set[bytes]]:
    """The base tree's files, except below directories whose tree the index's cache tree shows
    unchanged: those are returned as a set, and their files equal the index entries."""
    files: dict[bytes, _Entry] = {}
    pruned: set[bytes] = set()
    pending = [(b"", tree_id)]
    while pending:
        prefix, tree = pending.pop()
        if same_as_index.get(prefix) == tree:
            pruned.add(prefix)
            continue
        obj = repo.object_store[tree]
        if not isinstance(obj, Tree):
            raise OSError(f"object {tree!r} is not a tree")
        for name, mode, sha in obj.iteritems():
            path = prefix + b"/" + name if prefix else name
            if mode == MODE_TREE:
                pending.append((path, sha))
            else:
                files[path] = (mode, sha)
    return files, pruned


def _compared(
    files: dict[bytes, _Entry], pruned: set[bytes], snapshot: _Snapshot
) -> list[tuple[bytes, _Entry | None, _Entry | None]]:
    """(path, base entry, current entry) for every path whose two entries differ."""
    covered: dict[bytes, bool] = {}

    def is_covered(directory: bytes) -> bool:
        known = covered.get(directory)
        if known is None:
            known = directory in pruned or (
                directory != b"" and is_covered(directory.rpartition(b"/")[0])
            )
            covered[directory] = known
        return known

    now = snapshot.entries
    index = snapshot.index
    # A clean index path below a covered directory equals the base: only the rest can differ.
    candidates = set(files) | snapshot.dirty | snapshot.untracked
    candidates.update(path for path in index if not is_covered(path.rpartition(b"/")[0]))
    differing = []
    for path in candidates:
        if is_covered(path.rpartition(b"/")[0]):
            entry = index.get(path)
            old = None if entry is None else (entry[0], entry[1])
        else:
            old = files.get(path)
        new = now.get(path)
        if old != new:
            differing.append((path, old, new))
    return sorted(differing)

"""Which paths differ between the base tree and the working tree snapshot."""

from __future__ import annotations

from dulwich.objects import ObjectID, Tree
from dulwich.repo import Repo

from adapters.git.changes._stat_cache import StatCache
from adapters.git.changes._worktree import _Entry, _Snapshot
from domain.changes.change_set import (
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


def _base_files(
    repo: Repo, tree: ObjectID, snapshot: _Snapshot, cache: StatCache | None
) -> tuple[dict[bytes, _Entry], set[bytes]]:
    """`_base_entries`, or the base tree's files as a stat cache recorded them for that id."""
    if cache is None:
        return _base_entries(repo, tree, snapshot.cache_tree)
    known = cache.base_files(tree)
    if known is not None:
        return known, set()
    files, pruned = _base_entries(repo, tree, {})
    cache.put_base_files(tree, files)
    return files, pruned


def _compared(
    files: dict[bytes, _Entry], pruned: set[bytes], snapshot: _Snapshot
) -> list[tuple[bytes, _Entry | None, _Entry | None]]:
    """(path, base entry, current entry) for every path whose two entries differ."""
    if not pruned and snapshot.read_all:
        # Every path's state is in `entries` (nothing was taken from the index): the paths
        # that differ are those of the two mappings' item sets that differ, found in C.
        entries = snapshot.entries
        paths = {path for path, _ in files.items() ^ entries.items()}
        return sorted((path, files.get(path), entries.get(path)) for path in paths)
    covered: dict[bytes, bool] = {}

    def is_covered(directory: bytes) -> bool:
        known = covered.get(directory)
        if known is None:
            known = directory in pruned or (
                directory != b"" and is_covered(directory.rpartition(b"/")[0])
            )
            covered[directory] = known
        return known

    index = snapshot.index
    # A clean index path below a covered directory equals the base: only the rest can differ.
    candidates = set(files) | snapshot.dirty | snapshot.untracked
    candidates.update(path for path in index if not is_covered(path.rpartition(b"/")[0]))
    differing = []
    for path in candidates:
        old = (index if is_covered(path.rpartition(b"/")[0]) else files).get(path)
        new = snapshot.state(path)
        if old != new:
            differing.append((path, old, new))
    return sorted(differing)

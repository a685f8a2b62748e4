"""Ignore rules read from one commit's `.gitignore` blobs, never from the worktree or `.git`.

`git status` also honours `.git/info/exclude`, `core.excludesFile` and `.gitignore` files as they
are on disk; all of those are the agent's to write, so here only the committed files of a tree
the caller trusts (the base commit; for a gate snapshot the check's base, else HEAD) decide
what is ignored. A
`.gitignore` the agent changed is then an ordinary change: reported and judged like any other.
"""

from __future__ import annotations

import io
import os

from dulwich.errors import NotTreeError
from dulwich.ignore import IgnoreFilter, IgnoreFilterManager, read_ignore_patterns
from dulwich.object_store import tree_lookup_path
from dulwich.objects import Blob, ObjectID, SubmoduleEncountered
from dulwich.repo import Repo

_REGULAR = (0o100644, 0o100755)


class TreeIgnoreRules(IgnoreFilterManager):
    """dulwich's matcher over the `.gitignore` files of `tree_id` (None: nothing is ignored)."""

    def __init__(self, repo: Repo, tree_id: ObjectID | None) -> None:
        # No global filters (no info/exclude, no core.excludesFile); case-sensitive, as on POSIX.
        super().__init__(repo.path, [], False)
        self._repo = repo
        self._tree_id = tree_id

    def _load_path(self, path: str) -> IgnoreFilter | None:
        if path in self._path_filters:
            return self._path_filters[path]
        found = self._read(path)
        self._path_filters[path] = found
        return found

    def _read(self, path: str) -> IgnoreFilter | None:
        if self._tree_id is None:
            return None
        directory = os.fsencode(path)
        name = directory + b"/.gitignore" if directory else b".gitignore"
        store = self._repo.object_store
        try:
            mode, sha = tree_lookup_path(store.__getitem__, self._tree_id, name)
        except (KeyError, NotTreeError, SubmoduleEncountered):
            # A submodule in the tree holds no `.gitignore` of ours (its own rules are its own).
            return None
        # git reads no symlinked .gitignore (since 2.32); a directory of that name is no file.
        blob = store[sha] if mode in _REGULAR else None
        if not isinstance(blob, Blob):
            return None
        patterns = read_ignore_patterns(io.BytesIO(blob.as_raw_string()))
        return IgnoreFilter(patterns, False, path=path)

"""The working tree as `git add -A` would stage it: index entries re-read only when stat-dirty.

Unlike `git status`, nothing the agent can write in `.git` narrows what is read: ignore rules
come from a trusted tree only (`_ignore`), skip-worktree/assume-unchanged bits are not read, and
`core.filemode` is not consulted (we run on POSIX file systems, which keep the exec bit). The
index's stat data (size, mtime, ctime) and cache tree are trusted to skip re-hashing clean files
only when the caller asks (`trust_stat`): see the README ("Change inspection and policy").
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable

from dulwich.index import cleanup_mode
from dulwich.objects import ZERO_SHA, ObjectID
from dulwich.repo import Repo

from adapters.dulwich_changes._ignore import TreeIgnoreRules
from adapters.dulwich_changes._index import _IndexEntry, _read_index
from adapters.dulwich_changes._stat_cache import StatCache
from domain.changes import (
    MODE_GITLINK,
)

_Entry = tuple[int, ObjectID]  # (mode, hex sha)


def _blob_id(data: bytes) -> ObjectID:
    header = b"blob %d\x00" % len(data)
    return ObjectID(hashlib.sha1(header + data, usedforsecurity=False).hexdigest().encode("ascii"))


def _read_worktree(full: bytes, st: os.stat_result) -> bytes:
    if stat.S_ISLNK(st.st_mode):
        return os.readlink(full)
    # os.open/os.read: a buffered file object costs more than the read itself for small files.
    fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        chunks = [os.read(fd, max(st.st_size, 0) + 1)]
        while chunks[-1]:
            chunks.append(os.read(fd, 1 << 20))
    finally:
        os.close(fd)
    return b"".join(chunks)


def _tree_mode(st_mode: int) -> int:
    """`cleanup_mode` with a fast path for regular files (the 50,000-times case)."""
    if st_mode & 0o170000 == 0o100000:
        return 0o100755 if st_mode & 0o100 else 0o100644
    return cleanup_mode(st_mode)


def _directories(paths: dict[bytes, _IndexEntry]) -> set[bytes]:
    """Every directory that holds a path of `paths` (b"" is the root)."""
    parents = {path.rpartition(b"/")[0] for path in paths}
    found = {b""}
    for start in parents:
        directory = start
        while directory not in found:
            found.add(directory)
            directory = directory.rpartition(b"/")[0]
    return found


def _behind_non_directories(
    prefix: bytes, directories: set[bytes]
) -> Callable[[bytes], bool] | None:
    """A test for index paths below a folder that is no longer a folder on disk (a symlink, a
    file), as git's `has_symlink_leading_path`; None when every folder is still one (one
    `lstat` per folder that holds index paths, so the common case costs little)."""
    gone: set[bytes] = set()
    for directory in directories:
        if not directory:
            continue
        try:
            if not stat.S_ISDIR(os.lstat(prefix + directory).st_mode):
                gone.add(directory)
        except (FileNotFoundError, NotADirectoryError):
            continue  # missing: the paths below it are missing too, and lstat says so
    if not gone:
        return None
    memo: dict[bytes, bool] = {}

    def behind(path: bytes) -> bool:
        parent = path.rpartition(b"/")[0]
        chain = []
        found = False
        while parent:
            known = memo.get(parent)
            if known is not None:
                found = known
                break
            if parent in gone:
                found = True
                break
            chain.append(parent)
            parent = parent.rpartition(b"/")[0]
        for directory in chain:
            memo[directory] = found
        return found

    return behind


class _Snapshot:
    """The working tree as git would commit it, read once; `ignore_tree` holds the ignore rules.

    With `trust_stat` False every tracked file is read and hashed, and the index's cache tree is
    not used: nothing the agent wrote into `.git/index` can then hide an edit.

    Submodules and nested repositories are only listed in `submodules` (path -> the commit the
    index records, None when untracked), with a provisional state: `_submodules.read_worktree`
    settles each by reading its own worktree, so use that, not this class directly.
    """

    def __init__(
        self,
        repo: Repo,
        ignore_tree: ObjectID | None,
        *,
        trust_stat: bool,
        cache: StatCache | None = None,
    ) -> None:
        self.repo = repo
        self.cache = cache
        self.trust_stat = trust_stat
        self.submodules: dict[bytes, ObjectID | None] = {}
        # True when every index path was read from disk (none taken on the index's word), so
        # `entries` holds the state of every path that has one.
        self.read_all = not trust_stat
        self.root = os.fsencode(repo.path)
        # States of dirty and untracked paths only; a clean path's state is its index entry.
        self.entries: dict[bytes, _Entry] = {}
        self.index, cache_tree = _read_index(repo)
        self.cache_tree = cache_tree if trust_stat else {}
        try:
            index_mtime = os.stat(repo.index_path()).st_mtime_ns
        except OSError:
            index_mtime = 0
        self.index_dirs = _directories(self.index)
        # Index paths whose worktree state may differ from their index entry, and paths that
        # are in the worktree but not in the index; every other path equals its index entry.
        self.dirty: set[bytes] = set()
        self.untracked: set[bytes] = set()
        prefix = self.root + b"/"
        lstat = os.lstat
        entries = self.entries
        known = cache.known if cache is not None else {}
        fresh = cache.fresh if cache is not None else {}
        beyond_links = _behind_non_directories(prefix, self.index_dirs)
        for path, entry in self.index.items():
            mode, _, size, mtime_ns, ctime_ns, conflicted = entry
            if beyond_links and beyond_links(path):
                # A folder on its way is now a symlink (or a file): git stages the deletion of
                # everything that was below it, and reading through the link would see
                # whatever it points at instead.
                self.dirty.add(path)
                continue
            try:
                st = lstat(prefix + path)
            except (FileNotFoundError, NotADirectoryError):
                self.dirty.add(path)
                continue
            hit = known.get(path)
            if hit is not None and hit[0] == (
                st.st_mode,
                st.st_size,
                st.st_mtime_ns,
                st.st_ctime_ns,
                st.st_ino,
                st.st_dev,
            ):
                # The stat cache (`_stat_cache`) inlined: this loop runs once per tracked file.
                self.dirty.add(path)
                entries[path] = hit[1]
                fresh[path] = hit
                continue
            if not (
                trust_stat
                and size == st.st_size
                and mtime_ns == st.st_mtime_ns
                # ctime cannot be set back with utime(): a rewrite that restored mtime shows.
                and ctime_ns == st.st_ctime_ns
                and mtime_ns < index_mtime
                and not conflicted
                and mode == _tree_mode(st.st_mode)
            ):
                self.dirty.add(path)
                state = self._entry_state(path, entry, st)
                if state is not None:
                    entries[path] = state
        self.ignore = TreeIgnoreRules(repo, ignore_tree)
        self._walk(b"")

    def state(self, path: bytes) -> _Entry | None:
        """What `git add -A` would stage at `path` (None: nothing)."""
        if path in self.dirty or path in self.untracked:
            return self.entries.get(path)
        entry = self.index.get(path)
        return None if entry is None else (entry[0], entry[1])

    def _entry_state(self, path: bytes, entry: _IndexEntry, st: os.stat_result) -> _Entry | None:
        if entry[0] == MODE_GITLINK:
            if not stat.S_ISDIR(st.st_mode):
                return self._hash(path, st)
            self.submodules[path] = entry[1]
            return (MODE_GITLINK, entry[1])
        if stat.S_ISDIR(st.st_mode):
            return None  # a tracked file replaced by a directory: its files are untracked
        return self._hash(path, st)

    def _hash(self, path: bytes, st: os.stat_result) -> _Entry:
        """What `path` would be staged as; `st` was read before its content."""
        cache = self.cache
        if cache is not None:
            known = cache.get(path, st)
            if known is not None:
                return known
        entry = (cleanup_mode(st.st_mode), _blob_id(_read_worktree(self.root + b"/" + path, st)))
        if cache is not None:
            cache.put(path, st, entry)
        return entry

    def _walk(self, rel_dir: bytes) -> None:
        try:
            listing = list(os.scandir(self.root + b"/" + rel_dir if rel_dir else self.root))
        except (FileNotFoundError, NotADirectoryError):
            return  # removed or replaced while we walk: nothing of it to list
        # Any other OSError (a folder we may not list) propagates: files we cannot see might
        # be exactly the ones pytest loads, so the caller reports the worktree unreadable.
        for item in listing:
            name = item.name
            rel = rel_dir + b"/" + name if rel_dir else name
            if name == b".git":
                continue
            if item.is_dir(follow_symlinks=False):
                tracked = self.index.get(rel)
                if tracked is not None and tracked[0] == MODE_GITLINK:
                    continue  # a submodule (gitlink) entry, already read
                # (A tracked file that became a folder: its entry reads as deleted, and what
                # the folder holds is listed below like any untracked content.)
                tracked_inside = rel in self.index_dirs
                if not tracked_inside and self._ignored(rel + b"/"):
                    continue
                if not tracked_inside and os.path.lexists(os.path.join(item.path, b".git")):
                    self.submodules[rel] = None
                    self.entries[rel] = (MODE_GITLINK, ZERO_SHA)
                    self.untracked.add(rel)
                    continue
                self._walk(rel)
            elif rel not in self.index and not self._ignored(rel):
                st = item.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
                    self.entries[rel] = self._hash(rel, st)
                    self.untracked.add(rel)

    def _ignored(self, rel: bytes) -> bool:
        return bool(self.ignore.is_ignored(os.fsdecode(rel)))

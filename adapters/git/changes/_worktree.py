"""The working tree as `git add -A` would stage it: index entries re-read only when stat-dirty.

Unlike `git status`, nothing the agent can write in `.git` narrows what is read: ignore rules
come from a trusted tree only (`_ignore`), skip-worktree/assume-unchanged bits are not read, and
`core.filemode` is not consulted (we run on POSIX file systems, which keep the exec bit). The
index's stat data (size, mtime, ctime) and cache tree are trusted to skip re-hashing clean files
only when the caller asks (`trust_stat`): see `docs/changes.md` (`trust_index_stat`).

With `self_ignoring`, an untracked folder whose own `.gitignore` holds the single pattern `*`
(the marker pytest, uv, virtualenv, mypy and ruff write) is not listed but recorded in
`excluded`: git would add nothing of it, and it is no part of the candidate tree
(docs/candidate-tree.md). A folder holding index paths is read as always.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import os
import stat

from dulwich.ignore import read_ignore_patterns
from dulwich.index import cleanup_mode
from dulwich.objects import ZERO_SHA, ObjectID
from dulwich.repo import Repo

from adapters.git.changes._ignore import TreeIgnoreRules
from adapters.git.changes._index import IndexEntry, read_index
from adapters.git.changes._repo import SpecialFileError
from adapters.git.changes._stat_cache import RECORD, StatCache
from adapters.git.changes._stat_helper import NO_KEY, StatHelper, helper_share
from domain.changes.change_set import (
    MODE_GITLINK,
)

_Entry = tuple[int, ObjectID]  # (mode, hex sha)


def _blob_id(data: bytes) -> ObjectID:
    header = b"blob %d\x00" % len(data)
    return ObjectID(hashlib.sha1(header + data, usedforsecurity=False).hexdigest().encode("ascii"))


# A self-ignoring marker is a line or two; a larger `.gitignore` is an ordinary file.
MARKER_MAX_BYTES = 4096


def is_self_ignoring(folder: bytes) -> bool:
    """Whether `folder/.gitignore` is a regular file whose one pattern is `*` (comments and
    blank lines aside), the marker tools write into the folders they make."""
    fd = None
    try:
        # O_NOFOLLOW/O_NONBLOCK: a symlink or FIFO named `.gitignore` is no marker (git reads
        # no symlinked `.gitignore` either), and opening it must not block.
        fd = os.open(
            folder + b"/.gitignore", os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
        )
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        data = os.read(fd, MARKER_MAX_BYTES + 1)
    except OSError:
        return False
    finally:
        if fd is not None:
            os.close(fd)
    if len(data) > MARKER_MAX_BYTES:
        return False
    return list(read_ignore_patterns(io.BytesIO(data))) == [b"*"]


# Files larger than this are hashed in chunks, never held in memory whole.
STREAM_BYTES = 8 * 1024 * 1024
_CHUNK = 1024 * 1024


def _worktree_blob_id(full: bytes, st: os.stat_result) -> ObjectID:
    """The blob id git would give the file or symlink at `full` (`st` read before it)."""
    if stat.S_ISLNK(st.st_mode):
        return _blob_id(os.readlink(full))
    # os.open/os.read: a buffered file object costs more than the read itself for small files.
    # O_NONBLOCK: had a FIFO taken the file's place since `st` was read, opening it would
    # block; so it returns at once, and fstat shows what was opened.
    fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SpecialFileError(f"{os.fsdecode(full)!r} stopped being a regular file")
        if st.st_size > STREAM_BYTES:
            return _streamed_blob_id(fd, full, st.st_size)
        chunks = [os.read(fd, max(st.st_size, 0) + 1)]
        while chunks[-1]:
            chunks.append(os.read(fd, _CHUNK))
    finally:
        os.close(fd)
    return _blob_id(b"".join(chunks))


def _streamed_blob_id(fd: int, full: bytes, size: int) -> ObjectID:
    """`_blob_id` of a large file read in chunks: the header needs the size before the
    content, so a file whose size changes meanwhile is an error, not a wrong id."""
    digest = hashlib.sha1(b"blob %d\x00" % size, usedforsecurity=False)
    total = 0
    while chunk := os.read(fd, _CHUNK):
        digest.update(chunk)
        total += len(chunk)
    if total != size:
        raise OSError(f"{os.fsdecode(full)} changed size while it was read")
    return ObjectID(digest.hexdigest().encode("ascii"))


def _tree_mode(st_mode: int) -> int:
    """`cleanup_mode` with a fast path for regular files (the 50,000-times case)."""
    if st_mode & 0o170000 == 0o100000:
        return 0o100755 if st_mode & 0o100 else 0o100644
    return cleanup_mode(st_mode)


def _below(tracked: list[bytes], directory: bytes) -> range:
    """The positions in sorted `tracked` of the paths below `directory`."""
    start = bisect.bisect_left(tracked, directory + b"/")
    end = bisect.bisect_left(tracked, directory + b"0")  # b"0" is the byte after b"/"
    return range(start, end)


class _Snapshot:
    """The working tree as git would commit it, read once; `ignore_tree` holds the ignore rules.

    With `trust_stat` False every tracked file is read and hashed (or taken from our own stat
    cache), and the index's cache tree is not used: nothing the agent wrote into `.git/index`
    can then hide an edit.

    Submodules and nested repositories are only listed in `submodules` (path -> the commit the
    index records, None when untracked), with a provisional state: `_submodules.read_worktree`
    settles each by reading its own worktree, so use that, not this class directly.

    The reading is one `lstat` per index path, then one listing per folder that can hold
    untracked files; only files whose stat data changed are read. Paths whose stat data were
    read through a folder that is now a symlink (or a file) are corrected afterwards: git
    stages the deletion of everything that was below it (`has_symlink_leading_path`), and
    nothing is read through the link.
    """

    def __init__(
        self,
        repo: Repo,
        ignore_tree: ObjectID | None,
        *,
        trust_stat: bool,
        cache: StatCache | None = None,
        self_ignoring: bool = False,
    ) -> None:
        self.repo = repo
        self.self_ignoring = self_ignoring
        # The untracked self-ignoring folders not listed (only with `self_ignoring`).
        self.excluded: list[bytes] = []
        self.cache = cache
        self.trust_stat = trust_stat
        self.submodules: dict[bytes, ObjectID | None] = {}
        # True when every index path was read from disk (none taken on the index's word): then
        # `entries` holds the state of every path that has one, and `dirty` is not used.
        self.read_all = not trust_stat
        self.root = os.fsencode(repo.path)
        # With `read_all`, the state of every path; else of dirty and untracked paths only (a
        # clean path's state is its index entry).
        self.entries: dict[bytes, _Entry] = {}
        index = read_index(repo, cache, with_stats=trust_stat)
        self.index, self._index_stats, self.cache_tree, self._index_mtime = index
        # Index paths whose worktree state may differ from their index entry (without
        # `read_all`), and paths that are in the worktree but not in the index.
        self.dirty: set[bytes] = set()
        self.untracked: set[bytes] = set()
        self._tracked = sorted(self.index)  # git sorts them so; an agent's index need not be
        self._visited: set[bytes] = set()  # the folders `_walk` listed
        self.ignore = TreeIgnoreRules(repo, ignore_tree)
        prefix = self.root + b"/"
        hits, misses, gone = self._scan(prefix)
        if gone:
            behind = {self._tracked[i] for folder in gone for i in _below(self._tracked, folder)}
            hits = [path for path in hits if path not in behind]
            misses = [miss for miss in misses if miss[0] not in behind]
            self.dirty.update(behind)
        for path, st in misses:
            self.dirty.add(path)
            state = self._entry_state(path, self.index[path], st)
            if state is not None:
                self.entries[path] = state
        if hits and cache is not None:
            known = cache.known
            self.entries.update(zip(hits, [known[path][1] for path in hits], strict=True))
            cache.used.update(hits)
            if not self.read_all:
                self.dirty.update(hits)

    def _scan(
        self, prefix: bytes
    ) -> tuple[list[bytes], list[tuple[bytes, os.stat_result]], list[bytes]]:
        """Stat every index path and list the folders: (stat cache hits, paths to read,
        folders of index paths that are a symlink or a file now)."""
        paths = self._tracked
        # The helper only compares with the stat cache: without one (or trusting the index
        # instead), every path it named would be stat-ed again here.
        with_cache = self.cache is not None and self.cache.known and not self.trust_stat
        share = helper_share(len(paths)) if with_cache else 0
        helper = self._helper(paths[len(paths) - share :]) if share else None
        hits: list[bytes] = []
        misses: list[tuple[bytes, os.stat_result]] = []
        try:
            if self.trust_stat:
                self._stat_paths_trusting(prefix, paths, misses)
            else:
                self._stat_paths(prefix, paths[: len(paths) - share], hits, misses)
            # Listed while the helper (if any) still works.
            gone = self._walk(prefix, [b""])
            if helper is not None:
                rest = paths[len(paths) - share :]
                found = helper.results()
                if found is None:
                    self._stat_paths(prefix, rest, hits, misses)
                else:
                    self._take_positions(prefix, rest, found, hits, misses)
        finally:
            if helper is not None:
                helper.close()
        # Tracked files that are folders now: what they hold is untracked content.
        became_folders = [
            path
            for path, st in misses
            if stat.S_ISDIR(st.st_mode)
            and self.index[path][0] != MODE_GITLINK
            and path.rpartition(b"/")[0] in self._visited
            and self._enter(prefix, path, bool(_below(self._tracked, path)))
        ]
        gone += self._walk(prefix, became_folders)
        return hits, misses, gone

    def _stat_paths(
        self,
        prefix: bytes,
        paths: list[bytes],
        hits: list[bytes],
        misses: list[tuple[bytes, os.stat_result]],
    ) -> None:
        """`lstat` each path: a stat cache hit, a miss (to be read), or missing (dirty)."""
        lstat = os.lstat
        known = (self.cache.known if self.cache is not None else {}).get
        missing = self.dirty.add
        pack = RECORD.pack  # `_stat_cache.key_of`, inlined
        # This loop runs once per tracked file: it is kept to what every path needs.
        for path in paths:
            try:
                st = lstat(prefix + path)
            except (FileNotFoundError, NotADirectoryError):
                missing(path)
                continue
            hit = known(path)
            if hit is not None and hit[0] == pack(
                st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev
            ):
                hits.append(path)
            else:
                misses.append((path, st))

    def _helper(self, paths: list[bytes]) -> StatHelper:
        known = (self.cache.known if self.cache is not None else {}).get
        keys = b"".join([NO_KEY if (hit := known(path)) is None else hit[0] for path in paths])
        return StatHelper(self.root, paths, keys)

    def _take_positions(
        self,
        prefix: bytes,
        paths: list[bytes],
        positions: list[int],
        hits: list[bytes],
        misses: list[tuple[bytes, os.stat_result]],
    ) -> None:
        """`_stat_paths` for the paths a `StatHelper` compared: the ones at `positions` did
        not match the stat cache and are stat-ed again here; every other one is a hit."""
        if not positions:
            hits.extend(paths)
            return
        again = set(positions)
        hits.extend([path for i, path in enumerate(paths) if i not in again])
        self._stat_paths(prefix, [paths[i] for i in positions], hits, misses)

    def _stat_paths_trusting(
        self, prefix: bytes, paths: list[bytes], misses: list[tuple[bytes, os.stat_result]]
    ) -> None:
        """`_stat_paths` trusting the index: a path whose stat data match its index entry is
        clean (in no list); the others are misses, missing ones dirty."""
        index_mtime = self._index_mtime
        lstat = os.lstat
        stats = self._index_stats
        index = self.index
        for path in paths:
            try:
                st = lstat(prefix + path)
            except (FileNotFoundError, NotADirectoryError):
                self.dirty.add(path)
                continue
            size, mtime_ns, ctime_ns, conflicted = stats[path]
            if not (
                size == st.st_size
                and mtime_ns == st.st_mtime_ns
                # ctime cannot be set back with utime(): a rewrite that restored mtime shows.
                and ctime_ns == st.st_ctime_ns
                and mtime_ns < index_mtime
                and not conflicted
                and index[path][0] == _tree_mode(st.st_mode)
            ):
                misses.append((path, st))

    def state(self, path: bytes) -> _Entry | None:
        """What `git add -A` would stage at `path` (None: nothing)."""
        if self.read_all or path in self.dirty or path in self.untracked:
            return self.entries.get(path)
        return self.index.get(path)

    def _entry_state(self, path: bytes, entry: IndexEntry, st: os.stat_result) -> _Entry | None:
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
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
            raise SpecialFileError(
                f"{os.fsdecode(path)!r} is a FIFO, socket or device file, which git cannot "
                "stage; remove it or put a regular file there"
            )
        cache = self.cache
        if cache is not None:
            known = cache.get(path, st)
            if known is not None:
                return known
        entry = (cleanup_mode(st.st_mode), _worktree_blob_id(self.root + b"/" + path, st))
        if cache is not None:
            cache.put(path, st, entry)
        return entry

    def _walk(self, prefix: bytes, roots: list[bytes]) -> list[bytes]:
        """List the untracked files that are not ignored (hashed into `entries`); returns the
        folders of index paths that are a symlink or a file now.

        Only real folders are listed (each was found by `lstat` in a listed folder), so
        nothing is read through a symlink. A folder is entered when it holds index paths, or
        when it is neither ignored nor a nested repository; `.git` is never entered.
        """
        gone: list[bytes] = []
        lstat = os.lstat
        pending = list(roots)
        while pending:
            rel_dir = pending.pop()
            self._visited.add(rel_dir)
            try:
                names = os.listdir(prefix + rel_dir if rel_dir else self.root)
            except (FileNotFoundError, NotADirectoryError):
                continue  # removed or replaced while we walk: nothing of it to list
            # Any other OSError (a folder we may not list) propagates: files we cannot see
            # might be exactly the ones pytest loads, so the caller reports the worktree
            # unreadable.
            base = rel_dir + b"/" if rel_dir else b""
            listed = {base + name for name in names}
            listed.discard(base + b".git")
            untracked = listed.difference(self.index)  # a dict: looked up, not copied
            for rel in untracked:
                try:
                    st = lstat(prefix + rel)
                except (FileNotFoundError, NotADirectoryError):
                    continue
                holds_tracked = bool(_below(self._tracked, rel))
                if stat.S_ISDIR(st.st_mode):
                    if self._enter(prefix, rel, holds_tracked):
                        pending.append(rel)
                    continue
                if holds_tracked:
                    gone.append(rel)  # index paths below it: git stages their deletion
                if (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)) and not self._ignored(
                    rel
                ):
                    self.entries[rel] = self._hash(rel, st)
                    self.untracked.add(rel)
        return gone

    def _enter(self, prefix: bytes, rel: bytes, holds_tracked: bool) -> bool:
        """Whether to list the untracked folder `rel` (a nested repository is recorded)."""
        if holds_tracked:
            return True
        if self._ignored(rel + b"/"):
            return False
        if os.path.lexists(prefix + rel + b"/.git"):
            self.submodules[rel] = None
            self.entries[rel] = (MODE_GITLINK, ZERO_SHA)
            self.untracked.add(rel)
            return False
        if self.self_ignoring and is_self_ignoring(prefix + rel):
            self.excluded.append(rel)
            return False
        return True

    def _ignored(self, rel: bytes) -> bool:
        return bool(self.ignore.is_ignored(os.fsdecode(rel)))

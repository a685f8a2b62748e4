"""What each worktree file hashed to, kept where the agent has no business writing.

The index's stat cache lives in `.git`, which the agent writes with every `git add`; trusting
it lets a forged entry hide an edit (see `_worktree`). This cache holds the same shortcut,
(stat data -> blob id), in engineering-loop's own cache folder outside the worktree and its git
directory, so an agent confined to its worktree cannot forge it.

A file is taken from the cache only when all of its stat data match what was recorded: mode,
size, mtime, ctime, inode and device. ctime cannot be set back with `utime()`, and any write
or rename changes it, so an edit whose mtime was restored still misses the cache. Files whose
mtime or ctime is within `RACY_NS` of the moment the scan started are never recorded: a write
in the same clock tick as our read would otherwise leave the old id behind (git's "racy git"
problem, solved the same way). An unreadable, foreign or damaged cache file is an empty cache:
every file is hashed, never fewer.

The same file keeps the parsed `.git/index`, tied the same way to that file's own stat data
(git replaces the index by renaming a new file over it, so its inode and ctime change), and
the files of the last base tree by that tree's id. Only a reader that does not trust the
index's stat data uses it (the index's entries then only say which paths are tracked).

A submodule's worktree is read like the parent's (`_submodules`) and has its own cache, a child
of the parent's (`for_submodule`): its own file in the same folder, keyed by the submodule's
real path, saved and carried over with the parent. Only files are ever recorded, never a
submodule's state: a folder's stat data do not change when a file deep inside it does.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import struct
from typing import cast

import msgspec
from dulwich.objects import ObjectID

_VERSION = 4
RACY_NS = 2_000_000_000
MAX_FILES = 64
# (st_mode, size, mtime_ns, ctime_ns, inode, device) packed: a file's identity and last change.
RECORD = struct.Struct("<qqqqQQ")
Key = bytes
_Entry = tuple[int, ObjectID]  # (git mode, blob id)
Known = tuple[Key, _Entry]


class _File(msgspec.Struct, array_like=True):
    version: int
    worktree: bytes
    files: dict[bytes, tuple[bytes, tuple[int, bytes]]]
    # The files of one base tree (content-addressed by its id): path -> (mode, blob id).
    base_tree: bytes = b""
    base_files: dict[bytes, tuple[int, bytes]] = {}
    # A parsed `.git/index` and the stat data of that file when it was read.
    index_key: bytes = b""
    index: dict[bytes, tuple[int, bytes]] = {}


_decoder = msgspec.msgpack.Decoder(_File)
_encoder = msgspec.msgpack.Encoder()


def key_of(st: os.stat_result) -> Key:
    """The stat data a cached blob id is tied to."""
    return RECORD.pack(st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _racy(key: Key, limit: int) -> bool:
    mtime_ns: int
    ctime_ns: int
    _, _, mtime_ns, ctime_ns, _, _ = RECORD.unpack(key)
    return mtime_ns >= limit or ctime_ns >= limit


def cache_file(cache_dir: str, worktree: bytes) -> str:
    """The cache file of one worktree (named by a digest of its real path)."""
    name = hashlib.sha256(worktree).hexdigest()[:32]
    return os.path.join(cache_dir, f"{name}.msgpack")


class StatCache:
    """Blob ids of worktree files by their stat data; `save` keeps what is safe to reuse.

    `known` is what the file held; a scan marks each file it took from `known` as `used` and
    puts every file it hashed into `fresh`; `save` writes both. The file also keeps the
    parsed `.git/index` by that file's own stat data (`index`, `put_index`), and the files of
    the last base tree by its id.
    """

    def __init__(self, path: str | None, worktree: bytes) -> None:
        self.path = path
        self.worktree = worktree
        self.known: dict[bytes, Known] = {}
        self.used: set[bytes] = set()
        self.fresh: dict[bytes, Known] = {}
        self._base_tree = b""
        self._base_files: dict[bytes, _Entry] = {}
        self._index_key = b""
        self._index: dict[bytes, _Entry] = {}
        self._changed = False
        # The caches of submodule worktrees read during this scan, by their real path.
        self.children: dict[bytes, StatCache] = {}
        if path is not None:
            self._load(path)

    def for_submodule(self, worktree: bytes) -> StatCache:
        """The cache of the submodule worktree at real path `worktree`: a file next to this
        one (in memory when this one is), saved and carried over with this cache."""
        child = self.children.get(worktree)
        if child is None:
            path = None if self.path is None else cache_file(os.path.dirname(self.path), worktree)
            child = StatCache(path, worktree)
            self.children[worktree] = child
        return child

    def _load(self, path: str) -> None:
        try:
            with open(path, "rb") as handle:
                loaded = _decoder.decode(handle.read())
        except (OSError, msgspec.DecodeError):
            return  # an unreadable or damaged file is an empty cache
        if loaded.version != _VERSION or loaded.worktree != self.worktree:
            return
        # ObjectID is bytes at run time: the decoded values are used as they are.
        self.known = cast("dict[bytes, Known]", loaded.files)
        self._base_tree = loaded.base_tree
        self._base_files = cast("dict[bytes, _Entry]", loaded.base_files)
        self._index_key = loaded.index_key
        self._index = cast("dict[bytes, _Entry]", loaded.index)

    def get(self, path: bytes, st: os.stat_result) -> _Entry | None:
        """The (mode, blob id) recorded for `path` if its stat data are exactly the same."""
        known = self.known.get(path)
        if known is None or known[0] != key_of(st):
            return None
        self.used.add(path)
        return known[1]

    def put(self, path: bytes, st: os.stat_result, entry: _Entry) -> None:
        """Remember what `path` hashed to with the stat data read before hashing it."""
        if stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
            self.fresh[path] = (key_of(st), entry)
            self._changed = True

    def index(self, key: Key) -> dict[bytes, _Entry] | None:
        """The index entries recorded when `.git/index` had exactly the stat data `key`."""
        if not self._index_key or self._index_key != key:
            return None
        return self._index

    def put_index(self, key: Key, entries: dict[bytes, _Entry]) -> None:
        """Record the entries read from `.git/index` whose stat data before reading were
        `key` (not when that file changed within the racy window: see `save`)."""
        if key != self._index_key:
            self._index_key, self._index = key, entries
            self._changed = True

    def base_files(self, tree_id: bytes) -> dict[bytes, _Entry] | None:
        """The files of base tree `tree_id` as last recorded, if it was that tree."""
        if not self._base_tree or self._base_tree != tree_id:
            return None
        return self._base_files

    def put_base_files(self, tree_id: bytes, files: dict[bytes, _Entry]) -> None:
        """Record the files of base tree `tree_id` (its id names its content for good)."""
        self._base_tree, self._base_files = tree_id, files
        self._changed = True

    def _settled(self, scan_started_ns: int) -> dict[bytes, Known]:
        limit = scan_started_ns - RACY_NS
        known = self.known
        settled = {path: known[path] for path in self.used}
        settled.update(
            (path, found) for path, found in self.fresh.items() if not _racy(found[0], limit)
        )
        return settled

    def _settled_index(self, scan_started_ns: int) -> tuple[Key, dict[bytes, _Entry]]:
        if not self._index_key or _racy(self._index_key, scan_started_ns - RACY_NS):
            return b"", {}
        return self._index_key, self._index

    def carried_over(self, scan_started_ns: int) -> StatCache:
        """An in-memory cache for the next scan of the same worktree, holding this scan's
        files except racy ones (what `save` would write)."""
        following = StatCache(None, self.worktree)
        following.known = self._settled(scan_started_ns)
        following._base_tree, following._base_files = self._base_tree, self._base_files
        following._index_key, following._index = self._settled_index(scan_started_ns)
        following.children = {
            worktree: child.carried_over(scan_started_ns)
            for worktree, child in self.children.items()
        }
        return following

    def save(self, scan_started_ns: int) -> None:
        """Write the files seen in this scan, except racy ones; failures only cost speed."""
        if self.path is None:
            return
        for child in self.children.values():
            child.save(scan_started_ns)
        # `used` only ever holds paths of `known`: equal sizes mean equal sets.
        if not self._changed and len(self.used) == len(self.known):
            return  # every file came from the cache: the file already says all of this
        files = self._settled(scan_started_ns)
        index_key, index = self._settled_index(scan_started_ns)
        data = _encoder.encode(
            _File(
                version=_VERSION,
                worktree=self.worktree,
                files=cast("dict[bytes, tuple[bytes, tuple[int, bytes]]]", files),
                base_tree=self._base_tree,
                base_files=cast("dict[bytes, tuple[int, bytes]]", self._base_files),
                index_key=index_key,
                index=cast("dict[bytes, tuple[int, bytes]]", index),
            )
        )
        temporary = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
            new = not os.path.exists(self.path)
            with open(temporary, "wb") as handle:
                handle.write(data)
            os.replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            return
        if new:
            _prune(os.path.dirname(self.path), keep=self.path)


def _prune(folder: str, *, keep: str) -> None:
    """Keep the folder to the `MAX_FILES` most recently written caches (the loop makes a new
    worktree per run, so old ones would pile up); the one just written always stays."""
    try:
        found = [
            (entry.stat().st_mtime_ns, entry.path)
            for entry in os.scandir(folder)
            if entry.name.endswith(".msgpack") and entry.path != keep
        ]
    except OSError:
        return
    found.sort(reverse=True)
    for _, path in found[MAX_FILES - 1 :]:
        with contextlib.suppress(OSError):
            os.unlink(path)

"""Reading git's index quickly (struct for v2/v3, dulwich otherwise), cache tree included."""

from __future__ import annotations

import os
import stat
import struct
from binascii import hexlify
from typing import NamedTuple, cast

from dulwich.index import ConflictedIndexEntry
from dulwich.objects import ZERO_SHA, ObjectID
from dulwich.repo import Repo

from adapters.git.changes._repo import SpecialFileError
from adapters.git.changes._stat_cache import StatCache, key_of


def _mtime_ns(value: int | float | tuple[int, int]) -> int:
    if isinstance(value, tuple):
        return value[0] * 1_000_000_000 + value[1]
    return int(value * 1_000_000_000)


_INDEX_ENTRY = struct.Struct(">10L20sH")  # ctime, mtime, dev, ino, mode, uid, gid, size, sha, flags


# One index entry: (mode, sha), the same shape as a worktree state; and, only for a reader that
# trusts the index's stat data, (size, mtime_ns, ctime_ns, conflicted) per path. Plain tuples,
# as 50,000 of these are built per collection and a NamedTuple costs twice as much. The
# skip-worktree and assume-unchanged flags are not read at all: the agent can set them, so
# every entry is checked.
IndexEntry = tuple[int, ObjectID]
IndexStat = tuple[int, int, int, bool]


class Index(NamedTuple):
    entries: dict[bytes, IndexEntry]
    stats: dict[bytes, IndexStat]  # empty unless asked for
    cache_tree: dict[bytes, ObjectID]  # empty unless stats were asked for
    # The index file's mtime when stats were asked for (an entry is trusted only if older).
    mtime_ns: int = 0


def _parse_cache_tree(data: bytes) -> dict[bytes, ObjectID]:
    """The valid directories of the index's TREE extension: path -> tree id (pre-order)."""
    valid: dict[bytes, ObjectID] = {}
    pos = 0
    stack: list[tuple[bytes, int]] = []  # (directory, children still to read)
    while pos < len(data):
        nul = data.index(b"\0", pos)
        name = data[pos:nul]
        newline = data.index(b"\n", nul)
        count, subtrees = (int(x) for x in data[nul + 1 : newline].split(b" "))
        pos = newline + 1
        while stack and stack[-1][1] == 0:
            stack.pop()
        if stack:
            parent, left = stack[-1]
            stack[-1] = (parent, left - 1)
            path = parent + b"/" + name if parent else name
        else:
            path = name
        if count >= 0:
            valid[path] = ObjectID(data[pos : pos + 20].hex().encode("ascii"))
            pos += 20
        stack.append((path, subtrees))
    return valid


def _read_index_fast(path: str, *, with_stats: bool) -> Index | None:
    """Read an index of version 2 or 3 with `struct` (dulwich's reader is ~10x slower).

    Returns None for what it does not handle (version 4, unknown layout); the caller then uses
    dulwich's reader and no cache tree.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return Index({}, {}, {})
    if len(data) < 32 or data[:4] != b"DIRC":
        return None
    version, count = struct.unpack_from(">LL", data, 4)
    if version not in (2, 3):
        return None
    entries: dict[bytes, tuple[int, bytes]] = {}  # ObjectID is bytes at run time
    stats: dict[bytes, IndexStat] = {}
    conflicted: set[bytes] = set()  # names with an entry of a merge stage
    pos = 12
    unpack = _INDEX_ENTRY.unpack_from
    find = data.index
    for _ in range(count):
        fields = unpack(data, pos)
        flags = fields[11]
        start = pos + (64 if flags & 0x4000 else 62)
        end = find(b"\0", start) if flags & 0xFFF == 0xFFF else start + (flags & 0xFFF)
        name = data[start:end]
        pos += (end - pos + 8) & ~7
        entries[name] = (fields[6], hexlify(fields[10]))
        if with_stats:
            if flags & 0x3000:
                conflicted.add(name)
            stats[name] = (
                fields[9],
                fields[2] * 1_000_000_000 + fields[3],
                fields[0] * 1_000_000_000 + fields[1],
                False,
            )
    for name in conflicted:
        stats[name] = (*stats[name][:3], True)
    cache_tree: dict[bytes, ObjectID] = {}
    while with_stats and pos + 8 <= len(data) - 20:
        signature = data[pos : pos + 4]
        (size,) = struct.unpack_from(">L", data, pos + 4)
        if signature == b"TREE":
            cache_tree = _parse_cache_tree(data[pos + 8 : pos + 8 + size])
        pos += 8 + size
    return Index(cast("dict[bytes, IndexEntry]", entries), stats, cache_tree)


def read_index(repo: Repo, cache: StatCache | None, *, with_stats: bool) -> Index:
    """The index entries, with their stat data and the cache tree when `with_stats` (for a
    reader that trusts them). Without, a stat cache gives the entries it recorded for the
    index file's current stat data, or records what was read."""
    try:
        st = os.stat(repo.index_path())
    except FileNotFoundError:
        return Index({}, {}, {})
    if not stat.S_ISREG(st.st_mode):
        # A FIFO there would block the read forever; a device could be endless.
        raise SpecialFileError(
            f"{repo.index_path()} is not a regular file; remove it (`git reset` writes a new one)"
        )
    if with_stats or cache is None:
        return _parse_index(repo, with_stats=with_stats)._replace(mtime_ns=st.st_mtime_ns)
    key = key_of(st)
    known = cache.index(key)
    if known is not None:
        return Index(known, {}, {})
    entries = _parse_index(repo, with_stats=False).entries
    cache.put_index(key, entries)
    return Index(entries, {}, {})


def _parse_index(repo: Repo, *, with_stats: bool) -> Index:
    fast = _read_index_fast(repo.index_path(), with_stats=with_stats) if _sha1_repo(repo) else None
    if fast is not None:
        return fast
    entries: dict[bytes, IndexEntry] = {}
    stats: dict[bytes, IndexStat] = {}
    for path, entry in repo.open_index().items():
        if isinstance(entry, ConflictedIndexEntry):
            entries[path] = (0, ZERO_SHA)
            stats[path] = (-1, -1, -1, True)
        else:
            entries[path] = (entry.mode, entry.sha)
            stats[path] = (entry.size, _mtime_ns(entry.mtime), _mtime_ns(entry.ctime), False)
    return Index(entries, stats if with_stats else {}, {})


def _sha1_repo(repo: Repo) -> bool:
    try:
        return repo.get_config().get((b"extensions",), b"objectformat").lower() == b"sha1"
    except KeyError:
        return True

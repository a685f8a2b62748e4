"""`ChangeCollector` on dulwich: base tree vs. index + working tree + untracked files.

The working tree state is what git would commit after `git add -A`: every index entry as it is on
disk now (re-hashed only when its stat data differs from the index, or is racy) plus every file
that is neither in the index nor ignored. That state is compared with the base commit's tree.
Line endings are compared as stored (no autocrlf/clean filters), like `core.autocrlf=false`.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import os
import re
import stat
import struct
from binascii import hexlify

import anyio.to_thread
import msgspec
from dulwich.errors import NotGitRepository
from dulwich.ignore import IgnoreFilterManager
from dulwich.index import ConflictedIndexEntry, cleanup_mode, read_submodule_head
from dulwich.object_store import tree_lookup_path
from dulwich.objects import ZERO_SHA, Blob, Commit, ObjectID, Tree
from dulwich.objectspec import parse_commit
from dulwich.refs import Ref
from dulwich.repo import Repo
from returns.result import Failure, Result, Success

from domain.changes import (
    MODE_GITLINK,
    MODE_SYMLINK,
    MODE_TREE,
    AddedHunk,
    ChangeKind,
    ChangeSet,
    FileChange,
    ManifestPair,
    is_type_change,
    pair_exact_renames,
)
from ports.changes import ChangeReadError

# Files larger than this are hashed fully but only this much is kept for the line scan.
_MAX_SCANNED_BYTES = 64 * 1024 * 1024
# git's own binary heuristic: a NUL byte in the first 8000 bytes.
_BINARY_PROBE = 8000

_Entry = tuple[int, ObjectID]  # (mode, hex sha)


def _display(raw: bytes) -> tuple[str, bool]:
    """A printable path: undecodable bytes become \\xNN escapes (and say so)."""
    name = os.fsdecode(raw)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"), False
    return name, True


def _blob_id(data: bytes) -> ObjectID:
    header = b"blob %d\x00" % len(data)
    return ObjectID(hashlib.sha1(header + data, usedforsecurity=False).hexdigest().encode("ascii"))


def _mtime_ns(value: int | float | tuple[int, int]) -> int:
    if isinstance(value, tuple):
        return value[0] * 1_000_000_000 + value[1]
    return int(value * 1_000_000_000)


def _read_worktree(full: bytes, st: os.stat_result) -> bytes:
    if stat.S_ISLNK(st.st_mode):
        return os.readlink(full)
    with open(full, "rb") as handle:
        return handle.read()


_INDEX_ENTRY = struct.Struct(">10L20sH")  # ctime, mtime, dev, ino, mode, uid, gid, size, sha, flags


# One index entry: (mode, sha, size, mtime_ns, conflicted, skip_worktree). A plain tuple, as
# 50,000 of these are built per collection and a NamedTuple costs twice as much.
_IndexEntry = tuple[int, ObjectID, int, int, bool, bool]


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


def _read_index_fast(path: str) -> tuple[dict[bytes, _IndexEntry], dict[bytes, ObjectID]] | None:
    """Read an index of version 2 or 3 with `struct` (dulwich's reader is ~10x slower).

    Returns None for what it does not handle (version 4, unknown layout); the caller then uses
    dulwich's reader and no cache tree.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return {}, {}
    if len(data) < 32 or data[:4] != b"DIRC":
        return None
    version, count = struct.unpack_from(">LL", data, 4)
    if version not in (2, 3):
        return None
    entries: dict[bytes, _IndexEntry] = {}
    pos = 12
    unpack = _INDEX_ENTRY.unpack_from
    for _ in range(count):
        fields = unpack(data, pos)
        flags = fields[11]
        header = 62
        extended = 0
        if flags & 0x4000:
            (extended,) = struct.unpack_from(">H", data, pos + 62)
            header = 64
        start = pos + header
        end = data.index(b"\0", start) if flags & 0xFFF == 0xFFF else start + (flags & 0xFFF)
        name = data[start:end]
        pos += (header + end - start + 8) & ~7
        conflicted = flags & 0x3000 != 0 or (name in entries and entries[name][4])
        entries[name] = (
            fields[6],
            ObjectID(hexlify(fields[10])),
            fields[9],
            fields[2] * 1_000_000_000 + fields[3],
            conflicted,
            bool(extended & 0x4000),
        )
    cache_tree: dict[bytes, ObjectID] = {}
    while pos + 8 <= len(data) - 20:
        signature = data[pos : pos + 4]
        (size,) = struct.unpack_from(">L", data, pos + 4)
        if signature == b"TREE":
            cache_tree = _parse_cache_tree(data[pos + 8 : pos + 8 + size])
        pos += 8 + size
    return entries, cache_tree


def _read_index(repo: Repo) -> tuple[dict[bytes, _IndexEntry], dict[bytes, ObjectID]]:
    fast = _read_index_fast(repo.index_path()) if _sha1_repo(repo) else None
    if fast is not None:
        return fast
    entries: dict[bytes, _IndexEntry] = {}
    for path, entry in repo.open_index().items():
        if isinstance(entry, ConflictedIndexEntry):
            entries[path] = (0, ZERO_SHA, -1, -1, True, False)
        else:
            mtime = _mtime_ns(entry.mtime)
            entries[path] = (entry.mode, entry.sha, entry.size, mtime, False, entry.skip_worktree)
    return entries, {}


def _sha1_repo(repo: Repo) -> bool:
    try:
        return repo.get_config().get((b"extensions",), b"objectformat").lower() == b"sha1"
    except KeyError:
        return True


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


class _Snapshot:
    """The working tree as git would commit it, read once."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.root = os.fsencode(repo.path)
        self.entries: dict[bytes, _Entry] = {}
        self.index, self.cache_tree = _read_index(repo)
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
        for path, entry in self.index.items():
            mode, sha, size, mtime_ns, conflicted, skip_worktree = entry
            if skip_worktree:
                entries[path] = (mode, sha)
                continue
            try:
                st = lstat(prefix + path)
            except (FileNotFoundError, NotADirectoryError):
                self.dirty.add(path)
                continue
            if (
                size == st.st_size
                and mtime_ns == st.st_mtime_ns
                and mtime_ns < index_mtime
                and not conflicted
                and mode == _tree_mode(st.st_mode)
            ):
                entries[path] = (mode, sha)
            else:
                self.dirty.add(path)
                state = self._entry_state(prefix + path, entry, st)
                if state is not None:
                    entries[path] = state
        self.ignore = IgnoreFilterManager.from_repo(repo)
        self._walk(b"")

    def _entry_state(self, full: bytes, entry: _IndexEntry, st: os.stat_result) -> _Entry | None:
        if entry[0] == MODE_GITLINK:
            if not stat.S_ISDIR(st.st_mode):
                return self._hash(full, st)
            head = read_submodule_head(full)
            return (MODE_GITLINK, ObjectID(head) if head is not None else entry[1])
        if stat.S_ISDIR(st.st_mode):
            return None  # a tracked file replaced by a directory: its files are untracked
        return self._hash(full, st)

    def _hash(self, full: bytes, st: os.stat_result) -> _Entry:
        return (cleanup_mode(st.st_mode), _blob_id(_read_worktree(full, st)))

    def _walk(self, rel_dir: bytes) -> None:
        try:
            listing = list(os.scandir(self.root + b"/" + rel_dir if rel_dir else self.root))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return
        for item in listing:
            name = item.name
            rel = rel_dir + b"/" + name if rel_dir else name
            if name == b".git":
                continue
            if item.is_dir(follow_symlinks=False):
                if rel in self.index:
                    continue  # a submodule (gitlink) entry, already read
                tracked_inside = rel in self.index_dirs
                if not tracked_inside and self._ignored(rel + b"/"):
                    continue
                if not tracked_inside and os.path.lexists(os.path.join(item.path, b".git")):
                    head = read_submodule_head(item.path)
                    self.entries[rel] = (MODE_GITLINK, ObjectID(head) if head else ZERO_SHA)
                    self.untracked.add(rel)
                    continue
                self._walk(rel)
            elif rel not in self.index and not self._ignored(rel):
                st = item.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
                    self.entries[rel] = self._hash(item.path, st)
                    self.untracked.add(rel)

    def _ignored(self, rel: bytes) -> bool:
        return bool(self.ignore.is_ignored(os.fsdecode(rel)))


def _text_lines(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="replace").splitlines()


def _added_hunks(old: bytes | None, new: bytes) -> tuple[tuple[AddedHunk, ...], int]:
    """Added lines of `new` relative to `old` (None: every line is added)."""
    new_lines = _text_lines(new)
    if old is None:
        if not new_lines:
            return (), 0
        return (AddedHunk(start=1, text="\n".join(new_lines)),), len(new_lines)
    # autojunk may over-report added lines in huge files; over-reporting is the safe side.
    matcher = difflib.SequenceMatcher(None, _text_lines(old), new_lines)
    hunks = []
    count = 0
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag in ("insert", "replace"):
            hunks.append(AddedHunk(start=j1 + 1, text="\n".join(new_lines[j1:j2])))
            count += j2 - j1
    return tuple(hunks), count


class _Reader:
    """Turns (path, old entry, new entry) triples into `FileChange` values."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.root = os.fsencode(repo.path)

    def _blob(self, sha: ObjectID) -> bytes:
        obj = self.repo.object_store[sha]
        return obj.as_raw_string() if isinstance(obj, Blob) else b""

    def change(self, path: bytes, old: _Entry | None, new: _Entry | None) -> FileChange:
        shown, utf8 = _display(path)
        if new is None:
            assert old is not None  # a change has at least one side
            return FileChange(
                path=shown,
                kind="deleted",
                old_mode=old[0],
                old_id=old[1].decode(),
                path_is_utf8=utf8,
            )
        kind: ChangeKind
        if old is None:
            kind = "added"
        elif is_type_change(old[0], new[0]):
            kind = "type-changed"
        else:
            kind = "modified"
        change = FileChange(
            path=shown,
            kind=kind,
            old_mode=None if old is None else old[0],
            old_id=None if old is None else old[1].decode(),
            new_mode=new[0],
            new_id=new[1].decode(),
            path_is_utf8=utf8,
        )
        if new[0] == MODE_GITLINK:
            return change
        full = os.path.join(self.root, path)
        st = os.lstat(full)
        if new[0] == MODE_SYMLINK:
            target = os.readlink(full)
            return msgspec.structs.replace(
                change, symlink_target=_display(target)[0], size=len(target)
            )
        with open(full, "rb") as handle:
            data = handle.read(_MAX_SCANNED_BYTES)
        binary = b"\x00" in data[:_BINARY_PROBE]
        hunks: tuple[AddedHunk, ...] = ()
        count = 0
        if not binary:
            old_data = None
            if old is not None and old[0] not in (MODE_GITLINK, MODE_SYMLINK):
                old_data = self._blob(old[1])
                if b"\x00" in old_data[:_BINARY_PROBE]:
                    old_data = None
            hunks, count = _added_hunks(old_data, data)
        return msgspec.structs.replace(
            change,
            size=st.st_size,
            binary=binary,
            added=hunks,
            added_line_count=count,
            content_truncated=st.st_size > _MAX_SCANNED_BYTES,
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


def _open(repo_path: str) -> Result[Repo, ChangeReadError]:
    root = os.path.abspath(repo_path)
    try:
        repo = Repo(root)
    except NotGitRepository:
        return Failure(
            ChangeReadError(
                code="repo-not-found",
                message=f"{root} is not a git repository; pass --repo the worktree's top folder.",
            )
        )
    except OSError as exc:
        return Failure(ChangeReadError(code="repo-unreadable", message=f"{root}: {exc}"))
    if repo.bare:
        repo.close()
        return Failure(
            ChangeReadError(code="repo-not-found", message=f"{root} is bare: it has no worktree.")
        )
    return Success(repo)


_ANCESTRY = re.compile(r"^(?P<name>.+?)(?P<steps>(?:[~^][0-9]*)*)$")


def _walk_ancestry(repo: Repo, commit: Commit, steps: str) -> Commit:
    """Follow `~N` (first parents) and `^N` (the N-th parent) as git does; KeyError if absent."""
    for op, count in re.findall(r"([~^])([0-9]*)", steps):
        number = int(count) if count else 1
        if op == "~":
            for _ in range(number):
                commit = _parent(repo, commit, 1)
        elif number:
            commit = _parent(repo, commit, number)
    return commit


def _parent(repo: Repo, commit: Commit, number: int) -> Commit:
    if len(commit.parents) < number:
        raise KeyError(number)
    parent = repo[commit.parents[number - 1]]
    if not isinstance(parent, Commit):
        raise KeyError(number)
    return parent


def _base_commit(repo: Repo, base: str) -> Result[Commit, ChangeReadError]:
    match = _ANCESTRY.match(base)
    try:
        if match is None:
            raise KeyError(base)
        commit = parse_commit(repo, match.group("name").encode())
        return Success(_walk_ancestry(repo, commit, match.group("steps")))
    except (KeyError, ValueError):
        return Failure(
            ChangeReadError(
                code="base-not-found",
                message=f"base {base!r} is not a commit in {repo.path}; pass --base REF.",
            )
        )


def _origin_url(repo: Repo) -> str | None:
    try:
        url = repo.get_config().get((b"remote", b"origin"), b"url")
    except KeyError:
        return None
    return url.decode("utf-8", "replace")


def collect_changes(repo_path: str, base: str) -> Result[ChangeSet, ChangeReadError]:
    """Blocking collection; `DulwichChangeCollector.collect` runs it in a worker thread."""
    opened = _open(repo_path)
    if isinstance(opened, Failure):
        return Failure(opened.failure())
    repo = opened.unwrap()
    with repo:
        found = _base_commit(repo, base)
        if isinstance(found, Failure):
            return Failure(found.failure())
        commit = found.unwrap()
        try:
            snapshot = _Snapshot(repo)
            files, pruned = _base_entries(repo, commit.tree, snapshot.cache_tree)
            reader = _Reader(repo)
            raw = [
                reader.change(path, old, new)
                for path, old, new in _compared(files, pruned, snapshot)
            ]
        except OSError as exc:
            return Failure(
                ChangeReadError(
                    code="repo-unreadable",
                    message=f"cannot read the worktree of {repo.path}: {exc}; "
                    "is another process changing it?",
                )
            )
        return Success(
            ChangeSet(
                repo=repo.path,
                base=commit.id.decode(),
                changes=pair_exact_renames(raw),
                origin_url=_origin_url(repo),
            )
        )


def _upstream_ref(repo: Repo) -> Ref | None:
    names, _ = repo.refs.follow(Ref(b"HEAD"))
    branch = names[-1] if len(names) > 1 else None
    if branch is None or not branch.startswith(b"refs/heads/"):
        return None
    section = (b"branch", branch[len(b"refs/heads/") :])
    config = repo.get_config()
    try:
        remote = config.get(section, b"remote")
        merge = config.get(section, b"merge")
    except KeyError:
        return None
    if remote == b".":
        return Ref(merge)
    return Ref(b"refs/remotes/" + remote + b"/" + merge.removeprefix(b"refs/heads/"))


def default_base(repo_path: str) -> Result[str, ChangeReadError]:
    """Blocking: the merge base of HEAD with its upstream, else HEAD."""
    from dulwich.graph import find_merge_base

    opened = _open(repo_path)
    if isinstance(opened, Failure):
        return Failure(opened.failure())
    repo = opened.unwrap()
    with repo:
        try:
            head = repo.head()
        except KeyError:
            return Failure(
                ChangeReadError(
                    code="base-not-found",
                    message=f"{repo.path} has no commit yet; commit a base first.",
                )
            )
        upstream = _upstream_ref(repo)
        if upstream is not None and upstream in repo.refs:
            bases = find_merge_base(repo, [head, repo.refs[upstream]])
            if bases:
                return Success(bases[0].decode())
        return Success(head.decode())


def _text_at(repo: Repo, tree_id: ObjectID, path: bytes) -> str | None:
    try:
        _, sha = tree_lookup_path(repo.object_store.__getitem__, tree_id, path)
    except KeyError:
        return None
    obj = repo.object_store[sha]
    if isinstance(obj, Tree) or not isinstance(obj, Blob):
        return None
    return obj.as_raw_string().decode("utf-8", "replace")


def _worktree_text(root: bytes, path: bytes) -> str | None:
    try:
        with open(os.path.join(root, path), "rb") as handle:
            return handle.read(_MAX_SCANNED_BYTES).decode("utf-8", "replace")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def read_pairs(
    repo_path: str, base: str, paths: tuple[str, ...]
) -> Result[tuple[ManifestPair, ...], ChangeReadError]:
    """Blocking: the text of `paths` at `base` and in the working tree."""
    opened = _open(repo_path)
    if isinstance(opened, Failure):
        return Failure(opened.failure())
    repo = opened.unwrap()
    with repo:
        found = _base_commit(repo, base)
        if isinstance(found, Failure):
            return Failure(found.failure())
        tree = found.unwrap().tree
        root = os.fsencode(repo.path)
        try:
            pairs = tuple(
                ManifestPair(
                    path=path,
                    before=_text_at(repo, tree, os.fsencode(path)),
                    after=_worktree_text(root, os.fsencode(path)),
                )
                for path in paths
            )
        except OSError as exc:
            return Failure(ChangeReadError(code="repo-unreadable", message=f"{repo.path}: {exc}"))
        return Success(pairs)


class DulwichChangeCollector:
    """Collects changes with dulwich, in a worker thread so the event loop stays free."""

    async def default_base(self, repo: str) -> Result[str, ChangeReadError]:
        """The merge base with the upstream branch, else HEAD."""
        return await anyio.to_thread.run_sync(default_base, os.path.abspath(repo))

    async def collect(self, repo: str, base: str) -> Result[ChangeSet, ChangeReadError]:
        """Everything that differs from `base`."""
        job = functools.partial(collect_changes, os.path.abspath(repo), base)
        return await anyio.to_thread.run_sync(job)

    async def read_pairs(
        self, repo: str, base: str, paths: tuple[str, ...]
    ) -> Result[tuple[ManifestPair, ...], ChangeReadError]:
        """The base and working-tree text of each path."""
        job = functools.partial(read_pairs, os.path.abspath(repo), base, paths)
        return await anyio.to_thread.run_sync(job)

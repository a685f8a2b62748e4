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

import anyio.to_thread
import msgspec
from dulwich.errors import NotGitRepository
from dulwich.ignore import IgnoreFilterManager
from dulwich.index import ConflictedIndexEntry, IndexEntry, cleanup_mode, read_submodule_head
from dulwich.object_store import iter_tree_contents, tree_lookup_path
from dulwich.objects import ZERO_SHA, Blob, Commit, ObjectID, Tree
from dulwich.objectspec import parse_commit
from dulwich.refs import Ref
from dulwich.repo import Repo
from returns.result import Failure, Result, Success

from domain.changes import (
    MODE_GITLINK,
    MODE_SYMLINK,
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


class _Snapshot:
    """The working tree as git would commit it, read once."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.root = os.fsencode(repo.path)
        self.entries: dict[bytes, _Entry] = {}
        index = repo.open_index()
        try:
            index_mtime = os.stat(index.path).st_mtime_ns
        except OSError:
            index_mtime = 0
        self.index_paths: set[bytes] = set()
        self.index_dirs: set[bytes] = {b""}
        for path, entry in index.items():
            self.index_paths.add(path)
            parent = os.path.dirname(path)
            while parent not in self.index_dirs:
                self.index_dirs.add(parent)
                parent = os.path.dirname(parent)
            state = self._entry_state(path, entry, index_mtime)
            if state is not None:
                self.entries[path] = state
        self.ignore = IgnoreFilterManager.from_repo(repo)
        self._walk(b"")

    def _entry_state(
        self, path: bytes, entry: IndexEntry | ConflictedIndexEntry, index_mtime: int
    ) -> _Entry | None:
        full = os.path.join(self.root, path)
        try:
            st = os.lstat(full)
        except (FileNotFoundError, NotADirectoryError):
            return None
        if isinstance(entry, IndexEntry) and entry.mode == MODE_GITLINK:
            if not stat.S_ISDIR(st.st_mode):
                return self._hash(full, st)
            head = read_submodule_head(full)
            return (MODE_GITLINK, ObjectID(head) if head is not None else entry.sha)
        if stat.S_ISDIR(st.st_mode):
            return None  # a tracked file replaced by a directory: its files are untracked
        if (
            isinstance(entry, IndexEntry)
            and entry.size == st.st_size
            and _mtime_ns(entry.mtime) == st.st_mtime_ns
            and st.st_mtime_ns < index_mtime
            and entry.mode == cleanup_mode(st.st_mode)
        ):
            return (entry.mode, entry.sha)
        return self._hash(full, st)

    def _hash(self, full: bytes, st: os.stat_result) -> _Entry:
        return (cleanup_mode(st.st_mode), _blob_id(_read_worktree(full, st)))

    def _walk(self, rel_dir: bytes) -> None:
        try:
            listing = list(os.scandir(os.path.join(self.root, rel_dir) if rel_dir else self.root))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return
        for item in listing:
            name = item.name
            rel = os.path.join(rel_dir, name) if rel_dir else name
            if name == b".git":
                continue
            if item.is_dir(follow_symlinks=False):
                if rel in self.index_paths:
                    continue  # a submodule (gitlink) entry, already read
                tracked_inside = rel in self.index_dirs
                if not tracked_inside and self._ignored(rel + b"/"):
                    continue
                if not tracked_inside and os.path.lexists(os.path.join(item.path, b".git")):
                    head = read_submodule_head(item.path)
                    self.entries[rel] = (MODE_GITLINK, ObjectID(head) if head else ZERO_SHA)
                    continue
                self._walk(rel)
            elif rel not in self.index_paths and not self._ignored(rel):
                st = item.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
                    self.entries[rel] = self._hash(item.path, st)

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


def _tree_entries(repo: Repo, tree_id: ObjectID) -> dict[bytes, _Entry]:
    return {
        entry.path: (entry.mode, entry.sha)
        for entry in iter_tree_contents(repo.object_store, tree_id)
        if entry.path is not None and entry.mode is not None and entry.sha is not None
    }


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
            before = _tree_entries(repo, commit.tree)
            now = _Snapshot(repo).entries
            reader = _Reader(repo)
            raw = [
                reader.change(path, before.get(path), now.get(path))
                for path in sorted(before.keys() | now.keys())
                if before.get(path) != now.get(path)
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

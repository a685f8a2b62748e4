"""The candidate tree: the base tree with every collected change applied, written as git objects.

It is what `git add -A && git write-tree` would write when only the base's committed ignore rules
and the self-ignoring markers apply (docs/candidate-tree.md): the blobs of changed files are
stored from the worktree (each checked against the id the collector hashed, so a file changed
meanwhile is an error, not a silently different tree), then only the folders on the way to a
change are rebuilt; every other subtree keeps the base's id.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zlib

from dulwich.file import GitFile
from dulwich.object_store import DiskObjectStore
from dulwich.objects import Blob, ObjectID, Tree
from dulwich.repo import Repo

from adapters.git.changes._worktree import STREAM_BYTES, _Entry
from domain.changes.change_set import MODE_GITLINK, MODE_SYMLINK, MODE_TREE

_Change = tuple[bytes, _Entry | None]  # (path, new entry); None: the path is gone


class CandidateChangedError(OSError):
    """A changed file no longer holds what the collector hashed (it changed while read)."""


_CHUNK = 1024 * 1024


def _changed(path: bytes) -> CandidateChangedError:
    return CandidateChangedError(
        f"{os.fsdecode(path)!r} changed while it was read; run the check again once nothing "
        "writes into the worktree"
    )


def _open_regular(full: bytes, path: bytes) -> int:
    # O_NONBLOCK: a FIFO that took the file's place must not block the open.
    fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise CandidateChangedError(f"{os.fsdecode(path)!r} stopped being a regular file")
    return fd


def _store_small(repo: Repo, full: bytes, path: bytes, entry: _Entry) -> None:
    if entry[0] == MODE_SYMLINK:
        blob = Blob.from_string(os.readlink(full))
    else:
        fd = _open_regular(full, path)
        try:
            chunks = []
            while chunk := os.read(fd, _CHUNK):
                chunks.append(chunk)
        finally:
            os.close(fd)
        blob = Blob.from_string(b"".join(chunks))
    if blob.id != entry[1]:
        raise _changed(path)
    repo.object_store.add_object(blob)


def _store_streamed(store: DiskObjectStore, full: bytes, path: bytes, entry: _Entry) -> None:
    """A large file's loose object, compressed as it is read (never held whole in memory)."""
    sha = entry[1].decode("ascii")
    target = os.path.join(os.fspath(store.path), sha[:2], sha[2:])
    if os.path.exists(target):
        return
    os.makedirs(os.path.dirname(target), exist_ok=True)
    fd = _open_regular(full, path)
    try:
        size = os.fstat(fd).st_size
        header = b"blob %d\x00" % size
        digest = hashlib.sha1(header, usedforsecurity=False)
        packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION)
        total = 0
        with GitFile(target, "wb", mask=0o444) as out:
            out.write(packer.compress(header))
            while chunk := os.read(fd, _CHUNK):
                digest.update(chunk)
                total += len(chunk)
                out.write(packer.compress(chunk))
            out.write(packer.flush())
            if total != size or digest.hexdigest() != sha:
                out.abort()
                raise _changed(path)
    finally:
        os.close(fd)


def store_blobs(repo: Repo, changes: list[_Change]) -> None:
    """Add to `repo`'s object store the blob of every new file or symlink it lacks."""
    store = repo.object_store
    root = os.fsencode(repo.path)
    for path, entry in changes:
        if entry is None or entry[0] == MODE_GITLINK or entry[1] in store:
            continue
        full = root + b"/" + path
        streamed = entry[0] != MODE_SYMLINK and os.lstat(full).st_size > STREAM_BYTES
        if streamed and isinstance(store, DiskObjectStore):
            _store_streamed(store, full, path, entry)
        else:
            _store_small(repo, full, path, entry)


def _subtree(repo: Repo, entry: tuple[int, ObjectID] | None) -> Tree:
    """A copy of the tree at `entry` (an empty tree when it is no folder)."""
    if entry is None or entry[0] != MODE_TREE:
        return Tree()
    found = repo.object_store[entry[1]]
    if not isinstance(found, Tree):
        raise OSError(f"object {entry[1]!r} is not a tree")
    copy = Tree()
    for name, mode, sha in found.iteritems():
        copy.add(name, mode, sha)
    return copy


def _applied(repo: Repo, tree: Tree, changes: dict[bytes, _Entry | None]) -> ObjectID | None:
    """Write `tree` with `changes` (paths relative to it) applied; None when it ends empty."""
    nested: dict[bytes, dict[bytes, _Entry | None]] = {}
    for path, entry in changes.items():
        name, slash, rest = path.partition(b"/")
        if slash:
            nested.setdefault(name, {})[rest] = entry
        elif entry is not None:
            tree.add(name, entry[0], entry[1])
        elif name in tree and tree[name][0] != MODE_TREE:
            del tree[name]
    for name, below in nested.items():
        current = tree[name] if name in tree else None  # noqa: SIM401 - a dulwich Tree has no get()
        if current is not None and current[0] != MODE_TREE:
            if name in changes and changes[name] is not None:
                continue  # a file now stands where a folder was: its old paths are gone
            current = None  # a file was here: the folder below it is new
        sub = _applied(repo, _subtree(repo, current), below)
        if sub is not None:
            tree.add(name, MODE_TREE, sub)
        elif name in tree:
            del tree[name]
    if not len(tree):
        return None
    repo.object_store.add_object(tree)
    return tree.id


def write_candidate_tree(repo: Repo, base_tree: ObjectID, changes: list[_Change]) -> ObjectID:
    """Store the candidate tree (the base tree with `changes` applied) and return its id."""
    store_blobs(repo, changes)
    root = _subtree(repo, (MODE_TREE, base_tree))
    written = _applied(repo, root, dict(changes))
    if written is None:
        empty = Tree()
        repo.object_store.add_object(empty)
        return empty.id
    return written

"""Turning one differing path into a `FileChange`: mode, symlink target, size, added lines."""

from __future__ import annotations

import difflib
import os

import msgspec
from dulwich.objects import Blob, ObjectID
from dulwich.repo import Repo

from adapters.dulwich_changes._worktree import _Entry
from domain.changes import (
    MODE_GITLINK,
    MODE_SYMLINK,
    AddedHunk,
    ChangeKind,
    FileChange,
    is_type_change,
)

# Files larger than this are hashed fully but only this much is kept for the line scan.
_MAX_SCANNED_BYTES = 64 * 1024 * 1024
# git's own binary heuristic: a NUL byte in the first 8000 bytes.
_BINARY_PROBE = 8000


def _display(raw: bytes) -> tuple[str, bool]:
    """A printable path: undecodable bytes become \\xNN escapes (and say so)."""
    name = os.fsdecode(raw)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"), False
    return name, True


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

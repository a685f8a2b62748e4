"""Turning one differing path into a `FileChange`: mode, symlink target and where it leads, size,
content.

This module only fetches bytes; `domain.changes.content` decides binary or text, what is scanned and
how much is read (`MAX_SCANNED_BYTES`).
"""

from __future__ import annotations

import os

import msgspec
from dulwich.objects import Blob, ObjectID
from dulwich.repo import Repo

from adapters.git.changes._links import resolve_link
from adapters.git.changes._worktree import _Entry
from domain.changes.change_set import (
    MODE_GITLINK,
    MODE_SYMLINK,
    ChangeKind,
    FileChange,
    is_type_change,
)
from domain.changes.content import MAX_SCANNED_BYTES, describe_content


def _display(raw: bytes) -> tuple[str, bool]:
    """A printable path: undecodable bytes become \\xNN escapes (and say so)."""
    name = os.fsdecode(raw)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"), False
    return name, True


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
                change,
                symlink_target=_display(target)[0],
                link=resolve_link(self.root, path),
                size=len(target),
            )
        with open(full, "rb") as handle:
            data = handle.read(MAX_SCANNED_BYTES)
        old_data = None
        if old is not None and old[0] not in (MODE_GITLINK, MODE_SYMLINK):
            old_data = self._blob(old[1])
        facts = describe_content(old_data, data, st.st_size)
        return msgspec.structs.replace(
            change,
            size=st.st_size,
            binary=facts.binary,
            added=facts.scanned,
            added_line_count=facts.added_line_count,
            content_truncated=facts.truncated,
        )

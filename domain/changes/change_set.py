"""What changed in a repository relative to a base commit: values and pure derivations.

An adapter reports raw entries (added, deleted, modified, type-changed) with their blob ids;
`pair_exact_renames` turns a deleted path and an added path with identical content and mode into
one `renamed` change, which is what `git diff -M100%` reports. A rename with edits stays a
deletion plus an addition: every byte of the new file is then scanned as added.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from typing import Literal

import msgspec

ChangeKind = Literal["added", "modified", "deleted", "renamed", "type-changed"]
EntryType = Literal["file", "executable", "symlink", "submodule"]
LinkState = Literal["resolved", "dangling", "unsettled", "loop"]

MODE_FILE = 0o100644
MODE_EXECUTABLE = 0o100755
MODE_SYMLINK = 0o120000
MODE_GITLINK = 0o160000
MODE_TREE = 0o040000


class AddedHunk(msgspec.Struct, frozen=True, kw_only=True):
    """Consecutive added lines of a text file, joined by newlines, starting at line `start`."""

    start: int
    text: str


class LinkResolution(msgspec.Struct, frozen=True, kw_only=True):
    """Where a symlink leads when followed through the worktree as it is: every symlink on the
    way (new ones included) is read, the way the kernel would, never past the worktree's root."""

    # Repo-relative POSIX path it leads to ("." is the root); ".." when it left the worktree
    # (through `..` above the root, or an absolute target on the way): following stops there.
    path: str
    # `resolved`: every step exists. `dangling`: a step is missing (or is a file with steps
    # below it), so the steps below it were followed as text. `unsettled`: the way also steps
    # back with `..` out of such a path, which leads nowhere now but to the folder above once
    # the path is created as a folder (`__pycache__/..`): it is followed so, the steps after
    # it on disk again, and `path` is where it leads then. `loop`: more symlinks than the
    # kernel follows (40): it never resolves, and `path` is where following gave up.
    state: LinkState = "resolved"


class RelinkedSymlink(msgspec.Struct, frozen=True, kw_only=True):
    """A symlink that did not change, but whose way now steps on a changed path (a new or
    retargeted symlink, or a symlink replaced by a folder): where it leads now."""

    path: str
    target: str
    link: LinkResolution
    # The first changed path its way steps on.
    through: str


class FileChange(msgspec.Struct, frozen=True, kw_only=True):
    """One changed path with what the policy needs to judge it."""

    path: str
    kind: ChangeKind
    old_path: str | None = None
    old_mode: int | None = None
    new_mode: int | None = None
    old_id: str | None = None
    new_id: str | None = None
    symlink_target: str | None = None
    # For a symlink: where it leads (None: the collector did not follow it, so it is not safe).
    link: LinkResolution | None = None
    # Bytes of the new content (0 for deletions); for a submodule, 0.
    size: int = 0
    binary: bool = False
    added_line_count: int = 0
    # The text the secret scan reads: the added lines of a text file; all of a binary file's
    # content decoded as latin-1 (see `domain.changes.content`), which adds no lines to the count.
    added: tuple[AddedHunk, ...] = ()
    # False when the name on disk is not valid UTF-8; `path` then shows the bytes as \\xNN.
    path_is_utf8: bool = True
    # True when the adapter read only part of a very large file (its lines were not all scanned).
    content_truncated: bool = False


class ChangeSummary(msgspec.Struct, frozen=True, kw_only=True):
    """The public (JSON) view of a change: never the added text itself."""

    path: str
    kind: ChangeKind
    old_path: str | None
    mode: str | None
    type: EntryType | None
    symlink_target: str | None
    size: int
    binary: bool
    added_lines: int


class ManifestPair(msgspec.Struct, frozen=True, kw_only=True):
    """The text of one `pyproject.toml` at the base and now (None where it does not exist)."""

    path: str
    before: str | None
    after: str | None


class CommittedFile(msgspec.Struct, frozen=True, kw_only=True):
    """What one commit between the base and HEAD added to one path (for the secret scan): its
    lines, the path itself when no parent had it, a symlink target no parent had there."""

    commit: str
    path: str
    added: tuple[AddedHunk, ...] = ()
    # True when only part of the file was read (the rest was never scanned).
    content_truncated: bool = False
    # True when no parent of the commit had this path: the commit brought the name in.
    path_added: bool = False
    # The target of a symlink this commit set (none of its parents had it there).
    symlink_target: str | None = None


class CommitText(msgspec.Struct, frozen=True, kw_only=True):
    """What a commit between the base and HEAD says besides its files, which pushing publishes
    as well: its message and its header lines, each as (what, text)."""

    commit: str
    # `what` is "author", "committer", "header" (any other header line, its name included:
    # encoding, gpgsig, made-up ones) or "message"; never `tree` or `parent`, which are ids.
    parts: tuple[tuple[str, str], ...] = ()


class History(msgspec.Struct, frozen=True, kw_only=True):
    """The commits between the base and HEAD: pushing the branch publishes every one of them,
    so a secret committed and removed again is still published."""

    # How many commits were read, and what they added (paths with something to scan only).
    commits: int = 0
    files: tuple[CommittedFile, ...] = ()
    # The message and header lines of every commit read (or, for one whose files could not
    # be read, at least those).
    texts: tuple[CommitText, ...] = ()
    # Why not every commit (or not all of one) was read; None when all were.
    incomplete: str | None = None


class ChangeSet(msgspec.Struct, frozen=True, kw_only=True):
    """Everything that differs between a base commit and the working tree of one repository,
    what each commit between the two added, and the unchanged symlinks the change re-routed."""

    repo: str
    base: str
    changes: tuple[FileChange, ...] = ()
    history: History = History()
    relinked: tuple[RelinkedSymlink, ...] = ()
    # The candidate tree: the id of the git tree publication commits (the base tree with every
    # change applied); None when the collector wrote none.
    tree: str | None = None
    # Untracked self-ignoring folders (`.pytest_cache/`): no part of the candidate tree.
    excluded: tuple[str, ...] = ()


def excluded_notices(excluded: Iterable[str]) -> tuple[str, ...]:
    """The notice of each self-ignoring folder left out of the candidate tree.

    >>> excluded_notices([".pytest_cache/"])
    ('excluded: .pytest_cache/ (self-ignoring folder)',)
    """
    return tuple(f"excluded: {folder} (self-ignoring folder)" for folder in excluded)


def entry_type(mode: int | None) -> EntryType | None:
    """The kind of tree entry a git mode stands for.

    >>> entry_type(0o100755), entry_type(0o120000), entry_type(None)
    ('executable', 'symlink', None)
    """
    if mode is None:
        return None
    if mode == MODE_GITLINK:
        return "submodule"
    if mode == MODE_SYMLINK:
        return "symlink"
    return "executable" if mode & 0o111 else "file"


def is_type_change(old_mode: int, new_mode: int) -> bool:
    """True when a path turns from file to symlink to submodule (an exec bit alone is not).

    >>> is_type_change(0o100644, 0o120000), is_type_change(0o100644, 0o100755)
    (True, False)
    """
    file_like = {"file", "executable"}
    old, new = entry_type(old_mode), entry_type(new_mode)
    return old != new and not (old in file_like and new in file_like)


def summarise(change: FileChange) -> ChangeSummary:
    """The JSON view of one change.

    >>> summarise(FileChange(path="a.py", kind="added", new_mode=0o100644, size=3)).mode
    '100644'
    """
    mode = change.new_mode if change.new_mode is not None else change.old_mode
    return ChangeSummary(
        path=change.path,
        kind=change.kind,
        old_path=change.old_path,
        mode=None if mode is None else f"{mode:06o}",
        type=entry_type(mode),
        symlink_target=change.symlink_target,
        size=change.size,
        binary=change.binary,
        added_lines=change.added_line_count,
    )


def pair_exact_renames(changes: Iterable[FileChange]) -> tuple[FileChange, ...]:
    """Merge each deletion with an addition of identical content and mode into a rename.

    Pairing is deterministic (paths in sorted order), so the result does not depend on the
    order of the input; the output is sorted by path.

    >>> gone = FileChange(path="a.txt", kind="deleted", old_mode=0o100644, old_id="1")
    >>> new = FileChange(path="b.txt", kind="added", new_mode=0o100644, new_id="1")
    >>> [(c.kind, c.old_path, c.path) for c in pair_exact_renames([new, gone])]
    [('renamed', 'a.txt', 'b.txt')]
    """
    ordered = sorted(changes, key=lambda c: (c.path, c.kind))
    deleted: dict[tuple[str | None, int | None], list[FileChange]] = {}
    for change in ordered:
        if change.kind == "deleted" and change.old_mode != MODE_GITLINK:
            deleted.setdefault((change.old_id, change.old_mode), []).append(change)
    result: list[FileChange] = []
    consumed: set[str] = set()
    for change in ordered:
        if change.kind != "added" or change.new_mode == MODE_GITLINK:
            continue
        candidates = deleted.get((change.new_id, change.new_mode))
        if not candidates:
            continue
        source = candidates.pop(0)
        consumed.add(source.path)
        result.append(
            msgspec.structs.replace(
                change,
                kind="renamed",
                old_path=source.path,
                old_mode=source.old_mode,
                old_id=source.old_id,
                added=(),
                added_line_count=0,
            )
        )
    renamed_to = {c.path for c in result}
    for change in ordered:
        if change.kind == "deleted" and change.path in consumed:
            continue
        if change.kind == "added" and change.path in renamed_to:
            continue
        result.append(change)
    return tuple(sorted(result, key=lambda c: c.path))


def manifest_paths(changes: Sequence[FileChange]) -> tuple[str, ...]:
    """The `pyproject.toml` paths whose old and new text the lockfile rule needs.

    >>> manifest_paths([FileChange(path="svc/uv.lock", kind="modified")])
    ('svc/pyproject.toml',)
    """
    found: list[str] = []
    for change in changes:
        for path in (change.path, change.old_path):
            if path is not None and posixpath.basename(path) == "uv.lock":
                found.append(posixpath.join(posixpath.dirname(path), "pyproject.toml"))
    return tuple(dict.fromkeys(found))


def default_base_notice(
    commit: str, branch: str | None, upstream: str | None, problem: str | None = None
) -> str:
    """The notice of a check run without `--base`: which commit and ref it was measured from.

    The default comes from the repository's own `.git/config` (`branch.<name>.merge`), which
    the agent can rewrite to move the base and so hide its earlier commits: the loop passes
    `--base`, and the notice says where an unattended run's base came from. `problem` is why
    the upstream could not be read (the commit itself is still the default one).

    >>> default_base_notice("0123456789abcdef", "agent", "refs/heads/main").split(" (")[0]
    'no --base given: measured from 0123456789ab, the merge base of HEAD with refs/heads/main'
    >>> default_base_notice("0123456789abcdef", None, None).split(";")[0]
    'no --base given: measured from 0123456789ab, HEAD, which is detached (no branch, no upstream)'
    """
    short = commit[:12]
    if problem is not None:
        source = f"the upstream merge base or HEAD (which one is unknown: {problem})"
    elif upstream is not None:
        source = (
            f"the merge base of HEAD with {upstream} (or HEAD if none), the upstream of branch "
            f"{branch} in .git/config"
        )
    elif branch is not None:
        source = f"HEAD, as branch {branch} has no upstream in .git/config"
    else:
        source = "HEAD, which is detached (no branch, no upstream)"
    return (
        f"no --base given: measured from {short}, {source}; the agent can rewrite .git/config "
        "to move this default, so the loop passes --base"
    )

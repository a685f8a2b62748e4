"""What each commit between the base and HEAD added and says, for the history secret scan.

The commits are those reachable from HEAD and not from the base (`git rev-list HEAD ^BASE`,
both sides of merges included). Parents are read from the commits themselves, never from
`.git/shallow` or grafts (the agent writes those, and one line there would hide every commit
below one of its own). A parent that is not in the object store (a shallow or damaged clone)
only matters on the branch's side: below the base it is already published, but a commit to
scan whose parent cannot be read may stand on unpublished ones, so the scan is incomplete.

Each ordinary commit is diffed with its parent; a merge with its first parent, skipping files
it took unchanged from another parent (that side's own commits are read on their own), and
`domain.changes.history.commit_additions` keeps only what it added against every parent. Of every
path a commit wrote, the lines a regular file gained are read, the name when no parent had
the path, and a symlink's target when no parent had that link. Each commit's message and
header lines (but `tree` and `parent`) are read too: a push publishes them. The work is
bounded by `domain.changes.history`'s limits; past them the history is reported incomplete, never
silently cut short.
"""

from __future__ import annotations

import stat

from dulwich.diff_tree import tree_changes
from dulwich.errors import MissingCommitError, NotTreeError
from dulwich.object_store import tree_lookup_path
from dulwich.objects import Blob, Commit, ObjectID, SubmoduleEncountered
from dulwich.repo import Repo
from dulwich.walk import Walker

from adapters.git.changes._content import _display
from adapters.git.changes._repo import OBJECTS_UNREADABLE
from domain.changes.change_set import CommittedFile, CommitText, History
from domain.changes.content import MAX_SCANNED_BYTES
from domain.changes.history import MAX_HISTORY_BYTES, MAX_HISTORY_COMMITS, commit_additions

# What a damaged object store raises: the commits cannot all be read, so they were not scanned.
_UNREADABLE = (OSError, ValueError, MissingCommitError, *OBJECTS_UNREADABLE)


class _OverBudget(Exception):
    """More than `MAX_HISTORY_BYTES` of file content and commit text would have to be read."""


class _Reader:
    """Reads blobs and commits of one repository, counting the bytes of content and commit
    text read."""

    def __init__(self, repo: Repo) -> None:
        self.store = repo.object_store
        self.left = MAX_HISTORY_BYTES

    def blob(self, sha: ObjectID) -> bytes:
        obj = self.store[sha]
        data = obj.as_raw_string() if isinstance(obj, Blob) else b""
        self.left -= len(data)
        if self.left < 0:
            raise _OverBudget
        return data

    def tree(self, commit_id: ObjectID) -> ObjectID:
        commit = self.store[commit_id]
        if not isinstance(commit, Commit):
            raise ValueError(f"{commit_id!r} is not a commit")
        tree: ObjectID = commit.tree
        return tree

    def entry_at(self, tree: ObjectID, path: bytes) -> tuple[int, ObjectID] | None:
        """The mode and id of what `tree` has at `path`, if anything."""
        try:
            mode, sha = tree_lookup_path(self.store.__getitem__, tree, path)
        except (KeyError, NotTreeError, SubmoduleEncountered):
            return None
        return mode, sha

    def regular(self, entry: tuple[int, ObjectID] | None) -> bytes | None:
        """The content of `entry` when it is a regular file."""
        return self.blob(entry[1]) if entry is not None and stat.S_ISREG(entry[0]) else None

    def text(self, commit: Commit) -> CommitText:
        """The message and header lines of `commit`, as pushing publishes them."""
        raw = commit.as_raw_string()
        self.left -= len(raw)
        if self.left < 0:
            raise _OverBudget
        return CommitText(commit=commit.id.decode("ascii"), parts=_commit_parts(raw))

    def added(self, commit: Commit) -> list[CommittedFile]:
        """What `commit` added to each path against its parents: lines, names, link targets."""
        parents = [self.tree(parent) for parent in commit.parents]
        found: list[CommittedFile] = []
        for change in tree_changes(self.store, parents[0] if parents else None, commit.tree):
            new = change.new
            if new is None or new.path is None or new.sha is None or new.mode is None:
                continue  # a deletion adds nothing
            old = change.old
            first = None
            if old is not None and old.sha is not None and old.mode is not None:
                first = (old.mode, old.sha)
            elif parents:
                first = self.entry_at(parents[0], new.path)  # a type change: delete + add
            others = [self.entry_at(tree, new.path) for tree in parents[1:]]
            if (new.mode, new.sha) in others:
                continue  # a merge took this entry as another parent had it
            target = None
            if stat.S_ISLNK(new.mode):
                target = _display(self.blob(new.sha))[0]
            facts = None
            if stat.S_ISREG(new.mode):
                olds = [self.regular(first), *(self.regular(entry) for entry in others)]
                data = self.blob(new.sha)
                facts = commit_additions(
                    olds if parents else [], data[:MAX_SCANNED_BYTES], len(data)
                )
            path_added = first is None and not any(others)
            if path_added or target is not None or (facts and (facts.scanned or facts.truncated)):
                found.append(
                    CommittedFile(
                        commit=commit.id.decode("ascii"),
                        path=_display(new.path)[0],
                        added=facts.scanned if facts else (),
                        content_truncated=facts.truncated if facts else False,
                        path_added=path_added,
                        symlink_target=target,
                    )
                )
        return found


def _commit_parts(raw: bytes) -> tuple[tuple[str, str], ...]:
    """(what, text) of each header line of a raw commit but `tree` and `parent`, then its
    message. Continuation lines (a signature's) belong to the header above them.

    >>> _commit_parts(b"tree 1\\nparent 2\\nauthor A <a@b> 0 +0000\\nx-y a\\n b\\n\\nhi\\n")
    (('author', 'A <a@b> 0 +0000'), ('header', 'x-y a\\n b'), ('message', 'hi\\n'))
    """
    head, _, message = raw.partition(b"\n\n")
    headers: list[list[bytes]] = []
    for line in head.split(b"\n"):
        if line.startswith(b" ") and headers:
            headers[-1].append(line)
        else:
            headers.append([line])
    parts: list[tuple[str, str]] = []
    for lines in headers:
        name, _, value = lines[0].partition(b" ")
        if name in (b"tree", b"parent") and len(lines) == 1:
            continue  # object ids
        if name in (b"author", b"committer"):
            text = b"\n".join([value, *lines[1:]])
            parts.append((name.decode(), text.decode("utf-8", "replace")))
        else:
            parts.append(("header", b"\n".join(lines).decode("utf-8", "replace")))
    parts.append(("message", message.decode("utf-8", "replace")))
    return tuple(parts)


def _branch_commits(repo: Repo, head: ObjectID, base: ObjectID) -> tuple[list[Commit], list[str]]:
    """The commits reachable from `head` and not from `base` (newest first), and why that list
    is not all of them (parents that could not be read, the commit limit)."""
    store = repo.object_store
    missing: dict[ObjectID, ObjectID] = {}  # commit -> a parent of it not in the store

    def readable_parents(commit: Commit) -> list[ObjectID]:
        # Below the base a missing parent (a shallow clone's boundary) is already published;
        # whether it is below the base is decided after the walk.
        parents = []
        for parent in commit.parents:
            if parent in store:
                parents.append(parent)
            else:
                missing.setdefault(commit.id, parent)
        return parents

    walker = Walker(
        store,
        [head],
        exclude=[base],
        get_parents=readable_parents,
        max_entries=MAX_HISTORY_COMMITS + 1,
    )
    commits = [entry.commit for entry in walker]
    reasons = [
        f"commit {missing[commit.id].decode()[:12]}, a parent of {commit.id.decode()[:12]}, "
        "could not be read (a shallow or damaged clone): whether it and its ancestors are "
        "already published is unknown"
        for commit in commits
        if commit.id in missing
    ]
    if len(commits) > MAX_HISTORY_COMMITS:
        reasons.append(f"more than {MAX_HISTORY_COMMITS} commits between the base and HEAD")
        commits = commits[-MAX_HISTORY_COMMITS:]  # the oldest ones: nearest to the base
    return commits, reasons


def read_history(repo: Repo, base: ObjectID) -> History:
    """What each commit reachable from HEAD and not from `base` added (oldest first)."""
    try:
        head = repo.head()
    except KeyError:
        return History()  # no commit at all: nothing was committed on top of the base
    try:
        commits, reasons = _branch_commits(repo, head, base)
    except _UNREADABLE as exc:
        return History(incomplete=f"the commits after the base could not be listed: {exc!r}")
    reader = _Reader(repo)
    files: list[CommittedFile] = []
    texts: list[CommitText] = []
    read = 0
    for commit in reversed(commits):
        try:
            texts.append(reader.text(commit))
            files += reader.added(commit)
        except _OverBudget:
            reasons.append(
                f"more than {MAX_HISTORY_BYTES // (1024 * 1024)} MiB of file content and "
                "commit text in the commits between the base and HEAD; stopped at commit "
                f"{commit.id.decode()[:12]}"
            )
            break
        except _UNREADABLE as exc:
            reasons.append(f"commit {commit.id.decode()[:12]} could not be read: {exc!r}")
            break
        read += 1
    return History(
        commits=read,
        files=tuple(files),
        texts=tuple(texts),
        incomplete="; ".join(reasons) or None,
    )

"""The text each commit between the base and HEAD added, for the history secret scan.

The commits are those reachable from HEAD and not from the base (`git rev-list HEAD ^BASE`,
both sides of merges included). Parents are read from the commits themselves, never from
`.git/shallow` or grafts (the agent writes those, and one line there would hide every commit
below one of its own). A parent that is not in the object store (a shallow or damaged clone)
only matters on the branch's side: below the base it is already published, but a commit to
scan whose parent cannot be read may stand on unpublished ones, so the scan is incomplete.

Each ordinary commit is diffed with its parent; a merge with its first parent, skipping files
it took unchanged from another parent (that side's own commits are read on their own), and
`domain.history.commit_additions` keeps only what it added against every parent. Only regular
files are read (symlink targets and submodules are not file content). The work is bounded by
`domain.history`'s limits; past them the history is reported incomplete, never silently cut
short.
"""

from __future__ import annotations

import stat

from dulwich.diff_tree import tree_changes
from dulwich.errors import MissingCommitError, NotTreeError
from dulwich.object_store import tree_lookup_path
from dulwich.objects import Blob, Commit, ObjectID, SubmoduleEncountered
from dulwich.repo import Repo
from dulwich.walk import Walker

from adapters.dulwich_changes._content import _display
from adapters.dulwich_changes._repo import OBJECTS_UNREADABLE
from domain.changes import CommittedFile, History
from domain.content import MAX_SCANNED_BYTES
from domain.history import MAX_HISTORY_BYTES, MAX_HISTORY_COMMITS, commit_additions

# What a damaged object store raises: the commits cannot all be read, so they were not scanned.
_UNREADABLE = (OSError, ValueError, MissingCommitError, *OBJECTS_UNREADABLE)


class _OverBudget(Exception):
    """More file content than `MAX_HISTORY_BYTES` would have to be read."""


class _Reader:
    """Reads blobs and commits of one repository, counting the bytes of file content read."""

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

    def regular_at(self, tree: ObjectID, path: bytes) -> ObjectID | None:
        """The blob id of the regular file at `path` in `tree`, if there is one."""
        try:
            mode, sha = tree_lookup_path(self.store.__getitem__, tree, path)
        except (KeyError, NotTreeError, SubmoduleEncountered):
            return None
        return sha if stat.S_ISREG(mode) else None

    def added(self, commit: Commit) -> list[CommittedFile]:
        """What `commit` added to each regular file, against its parents."""
        parents = [self.tree(parent) for parent in commit.parents]
        others = parents[1:]
        found: list[CommittedFile] = []
        for change in tree_changes(self.store, parents[0] if parents else None, commit.tree):
            new = change.new
            if new is None or new.path is None or new.sha is None or new.mode is None:
                continue  # a deletion adds nothing
            if not stat.S_ISREG(new.mode):
                continue
            taken = [self.regular_at(tree, new.path) for tree in others]
            if new.sha in taken:
                continue  # a merge took this file as another parent had it
            old = change.old
            first = None
            if old is not None and old.sha is not None and old.mode and stat.S_ISREG(old.mode):
                first = self.blob(old.sha)
            olds = [first, *(None if sha is None else self.blob(sha) for sha in taken)]
            data = self.blob(new.sha)
            facts = commit_additions(olds if parents else [], data[:MAX_SCANNED_BYTES], len(data))
            if facts.scanned or facts.truncated:
                found.append(
                    CommittedFile(
                        commit=commit.id.decode("ascii"),
                        path=_display(new.path)[0],
                        added=facts.scanned,
                        content_truncated=facts.truncated,
                    )
                )
        return found


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
    read = 0
    for commit in reversed(commits):
        try:
            files += reader.added(commit)
        except _OverBudget:
            reasons.append(
                f"more than {MAX_HISTORY_BYTES // (1024 * 1024)} MiB of file content in the "
                f"commits between the base and HEAD; stopped at commit {commit.id.decode()[:12]}"
            )
            break
        except _UNREADABLE as exc:
            reasons.append(f"commit {commit.id.decode()[:12]} could not be read: {exc!r}")
            break
        read += 1
    return History(commits=read, files=tuple(files), incomplete="; ".join(reasons) or None)

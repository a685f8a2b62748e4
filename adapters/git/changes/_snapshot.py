"""`WorktreeSnapshotter` on dulwich: the paths that differ from HEAD, plus content digests.

The listing is the change collector's own (`_Snapshot` compared with HEAD's tree), so the two
agree on what is ignored: only the `.gitignore` files committed in a trusted commit count, never
`.git/info/exclude`, `core.excludesFile` or a `.gitignore` a gate wrote. The trusted commit is
the check's base when the caller names one: HEAD is the agent's, and a rule it committed there
(`trace.txt` in `tests/.gitignore`) would hide exactly what its tests leave behind. That is what
`git status` lists, minus what those agent-writable rules would hide.

A directory that is not the root of a git repository has no status to ask for, so every file
below it is listed instead (no ignore rules: nothing may be written anywhere in it).
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat
import time

import anyio.to_thread
from dulwich.errors import NotGitRepository
from dulwich.objects import Commit, ObjectID
from dulwich.objectspec import parse_commit
from dulwich.refs import HEADREF
from dulwich.repo import Repo
from returns.result import Failure, Result, Success

from adapters.git.changes._compare import _base_files, _compared
from adapters.git.changes._gc import paused_gc
from adapters.git.changes._repo import CONFIG_REFUSED, OBJECTS_UNREADABLE, open_worktree
from adapters.git.changes._stat_cache import StatCache
from adapters.git.changes._submodules import read_worktree
from domain.changes.change_set import MODE_GITLINK
from domain.changes.snapshot import DELETED, SnapshotMode, WorktreeSnapshot, snapshot_of
from ports.worktree import SnapshotError

_CHUNK = 1024 * 1024


def _display(raw: bytes | str) -> str:
    # Undecodable names stay distinguishable but JSON-safe: invalid bytes become \xNN escapes.
    data = raw if isinstance(raw, bytes) else os.fsencode(raw)
    return data.decode("utf-8", errors="backslashreplace")


def _digest(path: str) -> str:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return DELETED
    if stat.S_ISLNK(info.st_mode):
        return "link:" + _display(os.fsencode(os.readlink(path)))
    if stat.S_ISDIR(info.st_mode):
        # A submodule or nested repository: its own content is its own repository's business.
        return "dir"
    if not stat.S_ISREG(info.st_mode):
        return f"special:{stat.S_IFMT(info.st_mode):o}"
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            sha.update(chunk)
    return f"{stat.S_IMODE(info.st_mode) & 0o111:o}:{sha.hexdigest()}"


def _head_tree(repo: Repo) -> ObjectID | None:
    try:
        commit = repo[repo.head()]
    except KeyError:  # an unborn branch: nothing committed, nothing ignored
        return None
    return commit.tree if isinstance(commit, Commit) else None


def _git_status(
    repo: Repo, cache: StatCache | None = None, ignore_tree: ObjectID | None = None
) -> dict[str, str]:
    """What differs from HEAD; untracked files are ignored by `ignore_tree`'s rules (else
    HEAD's)."""
    root = os.fsencode(repo.path)
    tree = _head_tree(repo)
    # Every tracked file is read, or taken from this process's own memory of the previous
    # snapshot (`cache`): the gate (agent code) could write .git/index itself.
    rules = tree if ignore_tree is None else ignore_tree
    worktree = read_worktree(repo, rules, trust_stat=False, cache=cache)
    files, pruned = _base_files(repo, tree, worktree, cache) if tree else ({}, set())
    digests: dict[str, str] = {}
    for relative, _, new in _compared(files, pruned, worktree):
        if new is not None and new[0] == MODE_GITLINK:
            # A submodule's state names its commit, or digests how its worktree differs.
            digests[_display(relative)] = "submodule:" + new[1].decode("ascii")
            continue
        digests[_display(relative)] = _digest(os.fsdecode(os.path.join(root, relative)))
    return digests


def _head(repo: Repo) -> str:
    symbolic = repo.refs.read_ref(HEADREF) or b""
    try:
        commit = _display(repo.head())
    except KeyError:  # an unborn branch: no commit yet
        commit = ""
    return _display(symbolic) + " " + commit


def _all_files(root: str) -> dict[str, str]:
    digests: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root, onerror=_raise):
        # Directory symlinks are listed as links, not followed.
        for name in [
            *filenames,
            *(d for d in dirnames if os.path.islink(os.path.join(dirpath, d))),
        ]:
            full = os.path.join(dirpath, name)
            relative = os.path.relpath(full, root).replace(os.sep, "/")
            digests[_display(os.fsencode(relative))] = _digest(full)
    return digests


def _raise(error: OSError) -> None:
    raise error


def _broken(root: str, detail: str) -> Result[WorktreeSnapshot, SnapshotError]:
    return Failure(
        SnapshotError(
            code="snapshot-unreadable",
            message=f"{root}/.git exists but is not a readable git repository ({detail}); "
            "repair or remove it.",
        )
    )


def _base_tree(repo: Repo, base: str) -> ObjectID | None:
    """The tree of commit `base`, or None when `base` names no commit of `repo`."""
    try:
        tree: ObjectID = parse_commit(repo, base.encode()).tree
    except (KeyError, ValueError):
        return None
    return tree


def _snapshot(
    root: str, caches: dict[str, StatCache] | None = None, base: str | None = None
) -> Result[WorktreeSnapshot, SnapshotError]:
    mode: SnapshotMode = "git-status"
    try:
        if not os.path.isdir(root):
            raise NotADirectoryError(f"no directory at {root}")
        try:
            with open_worktree(root) as repo:
                if not os.path.isdir(repo.controldir()):
                    return _broken(root, f"its git directory {repo.controldir()} is missing")
                ignore_tree = None
                if base is not None:
                    ignore_tree = _base_tree(repo, base)
                    if ignore_tree is None:
                        return Failure(
                            SnapshotError(
                                code="base-not-found",
                                message=f"base {base!r} is not a commit in {root}; its ignore "
                                "rules are the only ones a gate snapshot trusts.",
                            )
                        )
                started = time.time_ns()
                cache = None
                if caches is not None:
                    cache = caches.get(root) or StatCache(None, os.fsencode(root))
                with paused_gc():
                    digests = _git_status(repo, cache, ignore_tree)
                head = _head(repo)
                if caches is not None and cache is not None:
                    caches[root] = cache.carried_over(started)
        except NotGitRepository:
            if os.path.lexists(os.path.join(root, ".git")):
                return _broken(root, "no repository behind it")
            mode = "all-files"
            digests = _all_files(root)
            head = ""
        except (ValueError, *CONFIG_REFUSED) as exc:
            # dulwich raises ValueError for a malformed `.git` file (no "gitdir: " line).
            return _broken(root, str(exc))
        except OBJECTS_UNREADABLE as exc:
            # A missing or damaged commit or tree (HEAD's, or the base's): no status to trust.
            return _broken(root, f"its git objects cannot be read: {exc!r}")
    except OSError as exc:
        return Failure(
            SnapshotError(
                code="snapshot-unreadable",
                message=f"cannot read the worktree at {root}: {exc}; "
                "check the path and its permissions.",
            )
        )
    return Success(snapshot_of(mode, digests, head))


class DulwichSnapshotter:
    """Snapshots with dulwich's status in a worker thread; walks non-repository directories.

    Each instance remembers, in memory only, what every file hashed to at its last snapshot of
    a worktree (`_stat_cache`): the snapshot after a gate re-reads only the files whose stat
    data changed, and nothing a gate can write is trusted.
    """

    def __init__(self) -> None:
        self._caches: dict[str, StatCache] = {}

    async def snapshot(
        self, root: str, *, base: str | None = None
    ) -> Result[WorktreeSnapshot, SnapshotError]:
        """Snapshot the worktree at `root` (made absolute), ignoring what `base` ignores."""
        job = functools.partial(_snapshot, os.path.abspath(root), self._caches, base)
        return await anyio.to_thread.run_sync(job)

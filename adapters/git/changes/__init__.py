"""`ChangeCollector` and `WorktreeSnapshotter` on dulwich: one reading of the working tree.

The collector compares the base tree with index + working tree + untracked files; the gate
snapshotter (`_snapshot`) lists what differs from HEAD the same way, so both agree on what is
ignored (only a trusted tree's `.gitignore` files) and on what counts as a change.

The working tree state is what git would commit after `git add -A`: every index entry as it is on
disk now (re-hashed only when its stat data differs from the index, or is racy) plus every file
that is neither in the index nor ignored. That state is compared with the base commit's tree.
Line endings are compared as stored (no autocrlf/clean filters), like `core.autocrlf=false`.

Beyond that comparison the collector reports what the policy needs and git status does not
show: each submodule's folder against its own commit (`_submodules`), where every changed
symlink (and every unchanged one a change re-routes) leads when followed (`_links`), and what
each commit between the base and HEAD added (`_history`).
"""

from __future__ import annotations

import functools
import os
import re
import time

import anyio.to_thread
from dulwich.errors import NotGitRepository
from dulwich.object_store import tree_lookup_path
from dulwich.objects import Blob, Commit, ObjectID, Tree
from dulwich.objectspec import parse_commit
from dulwich.repo import Repo
from returns.result import Failure, Result, Success

from adapters.git.changes._candidate import CandidateChangedError, write_candidate_tree
from adapters.git.changes._compare import _base_files, _compared
from adapters.git.changes._content import _display, _Reader
from adapters.git.changes._gc import paused_gc
from adapters.git.changes._history import read_history
from adapters.git.changes._links import relinked_symlinks
from adapters.git.changes._repo import (
    CONFIG_REFUSED,
    OBJECTS_UNREADABLE,
    SpecialFileError,
    open_worktree,
)
from adapters.git.changes._snapshot import DulwichSnapshotter
from adapters.git.changes._stat_cache import StatCache, cache_file
from adapters.git.changes._submodules import read_worktree
from adapters.git.changes._upstream import tracked_ref
from domain.changes.change_set import ChangeSet, ManifestPair, pair_exact_renames
from domain.changes.content import MAX_SCANNED_BYTES
from domain.kernel.locations import is_within
from ports.changes import ChangeReadError, Upstream

__all__ = [
    "DulwichChangeCollector",
    "DulwichSnapshotter",
    "DulwichUpstreamReader",
    "collect_changes",
    "default_base",
    "read_pairs",
    "read_upstream",
]


def _open(repo_path: str) -> Result[Repo, ChangeReadError]:
    root = os.path.abspath(repo_path)
    try:
        repo = open_worktree(root)
    except NotGitRepository:
        return Failure(
            ChangeReadError(
                code="repo-not-found",
                message=f"{root} is not a git repository; pass --repo the worktree's top folder.",
            )
        )
    except (OSError, *CONFIG_REFUSED) as exc:
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
    except OBJECTS_UNREADABLE as exc:
        return Failure(_objects_unreadable(repo, f"base {base!r}", exc))


def _objects_unreadable(repo: Repo, what: str, exc: Exception) -> ChangeReadError:
    return ChangeReadError(
        code="repo-unreadable",
        message=f"cannot read the git objects of {what} in {repo.path}: {exc!r}; the "
        "repository is damaged or incomplete (missing or corrupt objects)",
    )


def _open_stat_cache(repo: Repo, cache_dir: str | None) -> StatCache | None:
    """The worktree's stat cache in `cache_dir`; none when that folder is in the worktree
    or its git directory (the agent writes there, so nothing read from there is trusted)."""
    if cache_dir is None:
        return None
    root = os.path.realpath(repo.path)
    folder = os.path.realpath(cache_dir)
    if is_within(folder, root) or is_within(folder, os.path.realpath(repo.controldir())):
        return None
    if is_within(folder, os.path.realpath(repo.commondir())):
        return None
    return StatCache(cache_file(folder, os.fsencode(root)), os.fsencode(root))


def collect_changes(
    repo_path: str,
    base: str,
    *,
    trust_index_stat: bool = False,
    stat_cache_dir: str | None = None,
) -> Result[ChangeSet, ChangeReadError]:
    """Blocking collection; `DulwichChangeCollector.collect` runs it in a worker thread.

    Besides what differs from `base`, the result holds what each commit between `base` and
    HEAD added (`_history`): pushing the branch publishes those commits too.

    `stat_cache_dir` (outside the worktree) keeps what each file hashed to, so that the next
    collection re-reads only files whose stat data changed (`_stat_cache`).
    """
    with paused_gc():
        return _collect_changes(repo_path, base, trust_index_stat, stat_cache_dir)


def _collect_changes(
    repo_path: str, base: str, trust_index_stat: bool, stat_cache_dir: str | None
) -> Result[ChangeSet, ChangeReadError]:
    opened = _open(repo_path)
    if isinstance(opened, Failure):
        return Failure(opened.failure())
    repo = opened.unwrap()
    with repo:
        found = _base_commit(repo, base)
        if isinstance(found, Failure):
            return Failure(found.failure())
        commit = found.unwrap()
        cache = None if trust_index_stat else _open_stat_cache(repo, stat_cache_dir)
        started = time.time_ns()
        try:
            snapshot = read_worktree(
                repo, commit.tree, trust_stat=trust_index_stat, cache=cache, self_ignoring=True
            )
            files, pruned = _base_files(repo, commit.tree, snapshot, cache)
            reader = _Reader(repo)
            differing = _compared(files, pruned, snapshot)
            raw = [reader.change(path, old, new) for path, old, new in differing]
            relinked = relinked_symlinks(snapshot, {p: (old, new) for p, old, new in differing})
            # The commits are read before the candidate's blobs join the object store: an object
            # a commit lost stays lost to its scan (the history is then incomplete).
            history = read_history(repo, commit.id)
            tree = write_candidate_tree(repo, commit.tree, [(p, new) for p, _, new in differing])
        except CandidateChangedError as exc:
            return Failure(
                ChangeReadError(
                    code="repo-unreadable",
                    message=f"cannot write the candidate tree of {repo.path}: {exc}",
                )
            )
        except SpecialFileError as exc:
            return Failure(
                ChangeReadError(
                    code="repo-unreadable",
                    message=f"cannot read the worktree of {repo.path}: {exc}",
                )
            )
        except OSError as exc:
            return Failure(
                ChangeReadError(
                    code="repo-unreadable",
                    message=f"cannot read the worktree of {repo.path}: {exc}; "
                    "is another process changing it?",
                )
            )
        except OBJECTS_UNREADABLE as exc:
            # The base tree, a folder of it or a blob its added lines are counted against.
            return Failure(_objects_unreadable(repo, f"base {commit.id.decode()[:12]}", exc))
        if cache is not None:
            cache.save(started)
        return Success(
            ChangeSet(
                # Shown like every path: a non-UTF-8 folder name must not break the JSON.
                repo=_display(os.fsencode(repo.path))[0],
                base=commit.id.decode(),
                changes=pair_exact_renames(raw),
                history=history,
                relinked=tuple(relinked),
                tree=tree.decode("ascii"),
                excluded=tuple(_display(path)[0] + "/" for path in sorted(snapshot.excluded)),
            )
        )


def read_upstream(repo_path: str) -> Result[Upstream, ChangeReadError]:
    """Blocking: HEAD's branch and the upstream ref its configuration names, if that ref exists."""
    opened = _open(repo_path)
    if isinstance(opened, Failure):
        return Failure(opened.failure())
    with opened.unwrap() as repo:
        short, ref = tracked_ref(repo)
        return Success(
            Upstream(
                branch=None if short is None else os.fsdecode(short),
                ref=os.fsdecode(ref) if ref is not None and ref in repo.refs else None,
            )
        )


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
        _, upstream = tracked_ref(repo)
        if upstream is not None and upstream in repo.refs:
            try:
                bases = find_merge_base(repo, [head, repo.refs[upstream]])
            except OBJECTS_UNREADABLE as exc:
                # A commit on the way is missing or damaged (a shallow clone, say): which
                # commit is the merge base cannot be known, so none is guessed.
                return Failure(_objects_unreadable(repo, "HEAD and its upstream", exc))
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
            return handle.read(MAX_SCANNED_BYTES).decode("utf-8", "replace")
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
        except OBJECTS_UNREADABLE as exc:
            return Failure(_objects_unreadable(repo, f"base {base!r}", exc))
        return Success(pairs)


class DulwichChangeCollector:
    """Collects changes with dulwich, in a worker thread so the event loop stays free.

    With `stat_cache_dir` (a folder outside every worktree), files whose stat data are
    unchanged since the last collection are not read again (`_stat_cache`).
    """

    def __init__(self, *, stat_cache_dir: str | None = None) -> None:
        self.stat_cache_dir = stat_cache_dir

    async def default_base(self, repo: str) -> Result[str, ChangeReadError]:
        """The merge base with the upstream branch, else HEAD."""
        return await anyio.to_thread.run_sync(default_base, os.path.abspath(repo))

    async def collect(
        self, repo: str, base: str, *, trust_index_stat: bool = False
    ) -> Result[ChangeSet, ChangeReadError]:
        """Everything that differs from `base`."""
        job = functools.partial(
            collect_changes,
            os.path.abspath(repo),
            base,
            trust_index_stat=trust_index_stat,
            stat_cache_dir=self.stat_cache_dir,
        )
        return await anyio.to_thread.run_sync(job)

    async def read_pairs(
        self, repo: str, base: str, paths: tuple[str, ...]
    ) -> Result[tuple[ManifestPair, ...], ChangeReadError]:
        """The base and working-tree text of each path."""
        job = functools.partial(read_pairs, os.path.abspath(repo), base, paths)
        return await anyio.to_thread.run_sync(job)


class DulwichUpstreamReader:
    """Reads a repository's upstream configuration with dulwich, off the event loop."""

    async def upstream(self, repo: str) -> Result[Upstream, ChangeReadError]:
        """HEAD's branch and its existing upstream ref."""
        return await anyio.to_thread.run_sync(read_upstream, os.path.abspath(repo))

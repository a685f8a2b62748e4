"""`Workspace` with dulwich: a bare mirror per repository, a standalone clone per run, commits
of verified trees written into the mirror (never into the agent-writable clone).
"""

from __future__ import annotations

import difflib
import os
import shutil
import stat

import anyio
from dulwich.client import LocalGitClient
from dulwich.diff_tree import tree_changes
from dulwich.errors import ChecksumMismatch, NotGitRepository, ObjectFormatException
from dulwich.index import build_index_from_tree
from dulwich.object_store import BaseObjectStore
from dulwich.objects import Blob, Commit, ObjectID, ShaFile, Tree, TreeEntry
from dulwich.refs import Ref
from dulwich.repo import Repo
from returns.result import Failure, Result, Success

from ports.workspace import CommitSpec, WorkspaceError

# What dulwich and the file system raise when a repository or object is missing or broken.
_GITLINK = 0o160000
_GIT_ERRORS = (NotGitRepository, ObjectFormatException, OSError, KeyError, ValueError)


def _failed(code: str, what: str, exc: Exception) -> WorkspaceError:
    return WorkspaceError(code=code, message=f"{what} failed ({type(exc).__name__}: {exc})")


class DulwichWorkspace:
    """Mirrors and clones on the local file system through dulwich."""

    async def open_mirror(self, path: str) -> Result[str, WorkspaceError]:
        """The bare mirror at `path`, created when missing."""
        return await anyio.to_thread.run_sync(self._open_mirror, os.path.abspath(path))

    def _open_mirror(self, path: str) -> Result[str, WorkspaceError]:
        try:
            if os.path.isdir(path):
                Repo(path).close()
            else:
                os.makedirs(path)
                Repo.init_bare(path).close()
        except _GIT_ERRORS as exc:
            return Failure(_failed("git-mirror-failed", f"opening the mirror {path}", exc))
        return Success(path)

    async def clone(
        self, mirror: str, commit: str, branch: str, into: str
    ) -> Result[str, WorkspaceError]:
        """A standalone repository at `into` on `branch` at `commit`, checked out."""
        return await anyio.to_thread.run_sync(
            self._clone, os.path.abspath(mirror), commit, branch, os.path.abspath(into)
        )

    def _clone(
        self, mirror: str, commit: str, branch: str, into: str
    ) -> Result[str, WorkspaceError]:
        wanted = ObjectID(commit.encode("ascii"))

        def determine_wants(refs: object, depth: int | None = None) -> list[ObjectID]:
            del refs, depth
            return [wanted]

        try:
            if os.path.lexists(into):
                return Failure(
                    WorkspaceError(code="git-clone-failed", message=f"{into} already exists")
                )
            os.makedirs(into)
            with Repo.init(into) as clone:
                LocalGitClient().fetch(mirror, clone, determine_wants=determine_wants)
                head = Ref(b"refs/heads/" + branch.encode())
                clone.refs[head] = wanted
                clone.refs.set_symbolic_ref(Ref(b"HEAD"), head)
                tree = clone[wanted]
                assert isinstance(tree, Commit)
                build_index_from_tree(clone.path, clone.index_path(), clone.object_store, tree.tree)
        except _GIT_ERRORS as exc:
            return Failure(_failed("git-clone-failed", f"cloning {commit} into {into}", exc))
        return Success(into)

    async def commit(
        self, mirror: str, source: str, spec: CommitSpec, ref: str | None
    ) -> Result[str, WorkspaceError]:
        """Write `spec` into `mirror`, its tree copied from `source` and verified."""
        return await anyio.to_thread.run_sync(
            self._commit, os.path.abspath(mirror), os.path.abspath(source), spec, ref
        )

    def _commit(
        self, mirror: str, source: str, spec: CommitSpec, ref: str | None
    ) -> Result[str, WorkspaceError]:
        try:
            with Repo(mirror) as target, Repo(source) as origin:
                copied = _copy_tree(origin, target, ObjectID(spec.tree.encode("ascii")))
                if copied is not None:
                    return Failure(copied)
                made = Commit()
                made.tree = ObjectID(spec.tree.encode("ascii"))
                made.parents = [ObjectID(spec.parent.encode("ascii"))]
                made.author = made.committer = spec.author.encode()
                made.author_time = made.commit_time = spec.timestamp
                made.author_timezone = made.commit_timezone = 0
                made.encoding = b"UTF-8"
                made.message = spec.message.encode()
                target.object_store.add_object(made)
                if ref is not None:
                    target.refs[Ref(ref.encode())] = made.id
                return Success(made.id.decode("ascii"))
        except ChecksumMismatch as exc:
            return Failure(_forged(str(exc)))
        except _GIT_ERRORS as exc:
            return Failure(_failed("git-commit-failed", f"committing tree {spec.tree}", exc))

    async def commit_message(self, repo: str, commit: str) -> Result[str | None, WorkspaceError]:
        """The message of `commit` in `repo`, None when it is not there."""
        return await anyio.to_thread.run_sync(self._message, os.path.abspath(repo), commit)

    def _message(self, repo: str, commit: str) -> Result[str | None, WorkspaceError]:
        try:
            with Repo(repo) as opened:
                key = ObjectID(commit.encode("ascii"))
                if key not in opened.object_store:
                    return Success(None)
                found = opened[key]
                if not isinstance(found, Commit):
                    return Success(None)
                return Success(found.message.decode("utf-8", errors="replace"))
        except _GIT_ERRORS as exc:
            return Failure(_failed("git-read-failed", f"reading commit {commit}", exc))

    async def ref_commit(self, repo: str, ref: str) -> Result[str | None, WorkspaceError]:
        """The commit `ref` points at in `repo`, None when the ref is missing."""
        return await anyio.to_thread.run_sync(self._ref_commit, os.path.abspath(repo), ref)

    def _ref_commit(self, repo: str, ref: str) -> Result[str | None, WorkspaceError]:
        try:
            with Repo(repo) as opened:
                key = Ref(ref.encode())
                if key not in opened.refs:
                    return Success(None)
                return Success(opened.refs[key].decode("ascii"))
        except _GIT_ERRORS as exc:
            return Failure(_failed("git-read-failed", f"reading ref {ref}", exc))

    async def commit_tree(self, repo: str, commit: str) -> Result[str, WorkspaceError]:
        """The tree id of `commit` in `repo`."""
        return await anyio.to_thread.run_sync(self._tree, os.path.abspath(repo), commit)

    def _tree(self, repo: str, commit: str) -> Result[str, WorkspaceError]:
        try:
            with Repo(repo) as opened:
                found = opened[ObjectID(commit.encode("ascii"))]
                if not isinstance(found, Commit):
                    return Failure(
                        WorkspaceError(code="git-read-failed", message=f"{commit} is no commit")
                    )
                return Success(found.tree.decode("ascii"))
        except _GIT_ERRORS as exc:
            return Failure(_failed("git-read-failed", f"reading commit {commit}", exc))

    async def line_counts(
        self, repo: str, old_tree: str, new_tree: str
    ) -> Result[dict[str, tuple[int, int]], WorkspaceError]:
        """Lines added and removed per changed path between two trees (binary files: none)."""
        return await anyio.to_thread.run_sync(
            self._line_counts, os.path.abspath(repo), old_tree, new_tree
        )

    def _line_counts(
        self, repo: str, old_tree: str, new_tree: str
    ) -> Result[dict[str, tuple[int, int]], WorkspaceError]:
        counts: dict[str, tuple[int, int]] = {}
        try:
            with Repo(repo) as opened:
                store = opened.object_store
                old, new = ObjectID(old_tree.encode()), ObjectID(new_tree.encode())
                for change in tree_changes(store, old, new):
                    before = _lines(store, change.old)
                    after = _lines(store, change.new)
                    entry = change.new if change.new is not None else change.old
                    path = entry.path if entry is not None else None
                    if path is None or before is None or after is None:
                        continue
                    counts[os.fsdecode(path)] = _delta(before, after)
        except _GIT_ERRORS as exc:
            return Failure(_failed("git-read-failed", "comparing the candidate's trees", exc))
        return Success(counts)

    async def remove(self, path: str) -> None:
        """Delete a clone folder (a missing one is no error)."""
        await anyio.to_thread.run_sync(_remove, os.path.abspath(path))


def _lines(store: BaseObjectStore, entry: TreeEntry | None) -> list[bytes] | None:
    """The lines of a blob entry ([] when absent), None for binary content or a submodule."""
    if entry is None or entry.sha is None or entry.mode is None:
        return []
    if _is_gitlink(entry.mode):
        return None
    blob = store[entry.sha]
    if not isinstance(blob, Blob):
        return None
    data = blob.as_raw_string()
    if b"\0" in data[:8000]:
        return None
    return data.splitlines()


def _delta(before: list[bytes], after: list[bytes]) -> tuple[int, int]:
    added = removed = 0
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += i2 - i1
            added += j2 - j1
    return added, removed


def _remove(path: str) -> None:
    if not os.path.lexists(path):
        return
    # A read-only folder inside the clone (the agent may make one) must not stop removal.
    for folder, _dirs, _files in os.walk(path):
        if not os.path.islink(folder):
            os.chmod(folder, stat.S_IRWXU)
    shutil.rmtree(path, ignore_errors=True)


def _forged(detail: str) -> WorkspaceError:
    return WorkspaceError(
        code="git-object-forged",
        message=f"an object in the clone is not what its name says ({detail}); nothing of it "
        "was kept or published",
    )


def _is_gitlink(mode: int) -> bool:
    return stat.S_IFMT(mode) == _GITLINK


def _copy_tree(origin: Repo, target: Repo, tree: ObjectID) -> WorkspaceError | None:
    """Copy every object of `tree` that `target` lacks, each rebuilt from its content so its id
    is the content's hash, not the name the (agent-writable) source stored it under."""
    stack = [tree]
    seen: set[bytes] = set()
    while stack:
        sha = stack.pop()
        if sha in seen or sha in target.object_store:
            continue
        seen.add(sha)
        stored = origin.object_store[sha]
        fresh = ShaFile.from_raw_string(stored.type_num, stored.as_raw_string())
        if fresh.id != sha:
            return _forged(f"object {sha.decode()} does not hash to its name")
        target.object_store.add_object(fresh)
        if isinstance(fresh, Tree):
            # Submodule entries name commits of another repository: not ours to copy.
            stack += [e.sha for e in fresh.iteritems() if not _is_gitlink(e.mode)]
    return None

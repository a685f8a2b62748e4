"""In-memory repositories and a change collector over them that keeps git's rules that matter
here: ignored untracked files are invisible, identical content moved is a rename."""

from __future__ import annotations

import hashlib

from returns.result import Failure, Result, Success

from domain.changes.change_set import (
    MODE_FILE,
    AddedHunk,
    ChangeSet,
    CommittedFile,
    CommitText,
    FileChange,
    History,
    ManifestPair,
    pair_exact_renames,
)
from ports.changes import ChangeReadError, Upstream


def _blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\x00" % len(data) + data, usedforsecurity=False).hexdigest()


class FakeRepository:
    """Commits by id (each with its parent), a HEAD, the worktree's files, an upstream merge
    base and ignored suffixes."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.commits: dict[str, dict[str, bytes]] = {"base": dict(files)}
        self.messages: dict[str, str] = {"base": "base"}
        self.parents: dict[str, str | None] = {"base": None}
        self.head = "base"
        self.merge_base: str | None = None
        # What `.git/config` would say: the checked-out branch and the upstream ref it tracks.
        self.branch: str | None = "agent"
        self.upstream_ref: str | None = None
        self.worktree: dict[str, bytes] = dict(files)
        self.ignored_suffixes: list[str] = []
        # Untracked folders (`.pytest_cache/`) holding a `.gitignore` of `*`: never visible.
        self.self_ignoring: list[str] = []

    def commit(self, name: str, message: str | None = None) -> None:
        """Record the worktree (minus ignored files) as commit `name` (its message: `name`)
        and move HEAD there."""
        self.commits[name] = {p: d for p, d in self.worktree.items() if not self._ignored(p)}
        self.messages[name] = name if message is None else message
        self.parents[name] = self.head
        self.head = name

    def _ignored(self, path: str) -> bool:
        return any(path.endswith(suffix) for suffix in self.ignored_suffixes)

    def visible(self) -> dict[str, bytes]:
        """What `git add -A` would stage."""
        tracked = self.commits[self.head]
        return {
            p: d
            for p, d in self.worktree.items()
            if p in tracked or not (self._ignored(p) or p.startswith(tuple(self.self_ignoring)))
        }

    def tree_id(self) -> str:
        """A stand-in for the candidate tree's id: a digest of what `visible` holds."""
        digest = hashlib.sha1(usedforsecurity=False)
        for path, data in sorted(self.visible().items()):
            digest.update(path.encode() + b"\0" + _blob_id(data).encode() + b"\0")
        return digest.hexdigest()


def _added(old: bytes | None, new: bytes) -> tuple[tuple[AddedHunk, ...], int]:
    old_lines = set((old or b"").decode().splitlines())
    hunks = []
    for number, line in enumerate(new.decode().splitlines(), start=1):
        if line not in old_lines:
            hunks.append(AddedHunk(start=number, text=line))
    return tuple(hunks), len(hunks)


def _history(fake: FakeRepository, base: str) -> History:
    """What each commit after `base` on HEAD's line added (the fake has no merges)."""
    line: list[str] = []
    commit: str | None = fake.head
    while commit is not None and commit != base:
        line.append(commit)
        commit = fake.parents[commit]
    if commit is None:
        return History(incomplete=f"{base} is not an ancestor of HEAD in the fake")
    files = []
    texts = []
    for name in reversed(line):
        parent = fake.parents[name]
        before = fake.commits[parent] if parent is not None else {}
        texts.append(CommitText(commit=name, parts=(("message", fake.messages[name] + "\n"),)))
        for path, data in sorted(fake.commits[name].items()):
            if before.get(path) != data:
                hunks, _ = _added(before.get(path), data)
                if hunks or path not in before:
                    files.append(
                        CommittedFile(
                            commit=name, path=path, added=hunks, path_added=path not in before
                        )
                    )
    return History(commits=len(line), files=tuple(files), texts=tuple(texts))


class FakeChangeCollector:
    """Collects changes of `FakeRepository` values by their path."""

    def __init__(self, repos: dict[str, FakeRepository]) -> None:
        self.repos = repos
        self.collected: list[tuple[str, str]] = []
        # The `trust_index_stat` of each collection (the fake has no stat cache to trust).
        self.trusted_stat: list[bool] = []

    def _repo(self, repo: str) -> Result[FakeRepository, ChangeReadError]:
        found = self.repos.get(repo)
        if found is None:
            return Failure(ChangeReadError(code="repo-not-found", message=f"{repo}: no repo"))
        return Success(found)

    async def default_base(self, repo: str) -> Result[str, ChangeReadError]:
        """The upstream merge base when set, else HEAD."""
        found = self._repo(repo)
        if isinstance(found, Failure):
            return Failure(found.failure())
        return Success(found.unwrap().merge_base or found.unwrap().head)

    async def collect(
        self, repo: str, base: str, *, trust_index_stat: bool = False
    ) -> Result[ChangeSet, ChangeReadError]:
        """Base commit's files against the visible worktree."""
        found = self._repo(repo)
        if isinstance(found, Failure):
            return Failure(found.failure())
        fake = found.unwrap()
        resolved = fake.head if base == "HEAD" else base
        before = fake.commits.get(resolved)
        if before is None:
            return Failure(ChangeReadError(code="base-not-found", message=f"no commit {base}"))
        self.collected.append((repo, base))
        self.trusted_stat.append(trust_index_stat)
        now = fake.visible()
        changes = []
        for path in sorted(before.keys() | now.keys()):
            old, new = before.get(path), now.get(path)
            if old == new:
                continue
            if new is None:
                assert old is not None
                changes.append(
                    FileChange(path=path, kind="deleted", old_mode=MODE_FILE, old_id=_blob_id(old))
                )
                continue
            hunks, count = _added(old, new)
            changes.append(
                FileChange(
                    path=path,
                    kind="added" if old is None else "modified",
                    old_mode=None if old is None else MODE_FILE,
                    old_id=None if old is None else _blob_id(old),
                    new_mode=MODE_FILE,
                    new_id=_blob_id(new),
                    size=len(new),
                    binary=b"\x00" in new,
                    added=hunks,
                    added_line_count=count,
                )
            )
        return Success(
            ChangeSet(
                repo=repo,
                base=base,
                changes=pair_exact_renames(changes),
                history=_history(fake, resolved),
                tree=fake.tree_id(),
                excluded=tuple(sorted(fake.self_ignoring)),
            )
        )

    async def read_pairs(
        self, repo: str, base: str, paths: tuple[str, ...]
    ) -> Result[tuple[ManifestPair, ...], ChangeReadError]:
        """Text at the base commit and in the worktree."""
        found = self._repo(repo)
        if isinstance(found, Failure):
            return Failure(found.failure())
        fake = found.unwrap()
        before = fake.commits.get(base, {})

        def text(data: bytes | None) -> str | None:
            return None if data is None else data.decode()

        return Success(
            tuple(
                ManifestPair(path=p, before=text(before.get(p)), after=text(fake.worktree.get(p)))
                for p in paths
            )
        )


class FakeUpstreamReader:
    """Names the upstream of `FakeRepository` values by their path."""

    def __init__(self, repos: dict[str, FakeRepository]) -> None:
        self.repos = repos

    async def upstream(self, repo: str) -> Result[Upstream, ChangeReadError]:
        """The repository's branch and upstream ref, as set on it."""
        found = self.repos.get(repo)
        if found is None:
            return Failure(ChangeReadError(code="repo-not-found", message=f"{repo}: no repo"))
        return Success(Upstream(branch=found.branch, ref=found.upstream_ref))

"""`ScratchRepoBuilder` with dulwich: no git CLI and no user identity needed."""

from __future__ import annotations

import os
import shutil
import tempfile

from dulwich.refs import Ref
from dulwich.repo import Repo
from returns.result import Failure, Result, Success

from ports.scratch import ScratchError

_IDENTITY = b"engineering-loop example <example@engineering-loop.invalid>"
# A fixed date keeps the example's commit ids the same on every machine.
_WHEN = 1_767_225_600  # 2026-01-01T00:00:00Z


def _copy_over(source: str, target: str) -> list[str]:
    """Copy every file of `source` into `target` (keeping modes); return their relative paths."""
    copied = []
    for folder, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if d not in {"__pycache__", ".venv", ".git"}]
        for name in files:
            relative = os.path.relpath(os.path.join(folder, name), source)
            destination = os.path.join(target, relative)
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            shutil.copy2(os.path.join(folder, name), destination)
            copied.append(relative.replace(os.sep, "/"))
    return sorted(copied)


def _commit(repo: Repo, paths: list[str], message: bytes) -> None:
    worktree = repo.get_worktree()
    worktree.stage(paths)
    worktree.commit(
        message=message,
        author=_IDENTITY,
        committer=_IDENTITY,
        commit_timestamp=_WHEN,
        commit_timezone=0,
        author_timestamp=_WHEN,
        author_timezone=0,
        no_verify=True,
        sign=False,
    )


class DulwichScratchRepos:
    """Builds the bundled examples as real repositories in temporary folders."""

    def build(self, base_dir: str, change_dir: str) -> Result[str, ScratchError]:
        """Commit the base on `main`, the change on `agent` (tracking `main`)."""
        for folder in (base_dir, change_dir):
            if not os.path.isdir(folder):
                return Failure(
                    ScratchError(
                        code="example-missing",
                        message=f"example folder {folder} not found; run from a checkout of "
                        "engineering-loop (the examples are not part of the wheel).",
                    )
                )
        try:
            holder = tempfile.mkdtemp(prefix="engineering-loop-example-")
            root = os.path.join(holder, os.path.basename(os.path.dirname(base_dir)))
            os.makedirs(root)
            with Repo.init(root, default_branch=b"main") as repo:
                _commit(repo, _copy_over(base_dir, root), b"Base: the project before the agent")
                repo.refs[Ref(b"refs/heads/agent")] = repo.refs[Ref(b"refs/heads/main")]
                repo.refs.set_symbolic_ref(Ref(b"HEAD"), Ref(b"refs/heads/agent"))
                config = repo.get_config()
                config.set((b"branch", b"agent"), b"remote", b".")
                config.set((b"branch", b"agent"), b"merge", b"refs/heads/main")
                config.write_to_path()
                _commit(repo, _copy_over(change_dir, root), b"The agent's change")
        except OSError as exc:
            return Failure(
                ScratchError(
                    code="scratch-unwritable",
                    message=f"cannot build the example repository: {exc}; check TMPDIR.",
                )
            )
        return Success(root)

    def commit_folder(self, source_dir: str, target: str) -> Result[str, ScratchError]:
        """Commit `source_dir` on `main` of a new repository at `target`."""
        if not os.path.isdir(source_dir):
            return Failure(
                ScratchError(
                    code="example-missing",
                    message=f"example folder {source_dir} not found; run from a checkout of "
                    "engineering-loop (the examples are not part of the wheel).",
                )
            )
        root = os.path.abspath(target)
        try:
            os.makedirs(root)
            with Repo.init(root, default_branch=b"main") as repo:
                _commit(repo, _copy_over(source_dir, root), b"The project before the agent")
        except OSError as exc:
            return Failure(
                ScratchError(
                    code="scratch-unwritable",
                    message=f"cannot build the example repository at {root}: {exc}",
                )
            )
        return Success(root)

    def remove(self, repo: str) -> None:
        """Delete the repository's temporary folder."""
        shutil.rmtree(os.path.dirname(repo), ignore_errors=True)

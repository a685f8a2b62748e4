"""The local forge's bare git repositories, `DIR/repos/OWNER/NAME.git`, through dulwich."""

from __future__ import annotations

import os

from dulwich.client import LocalGitClient
from dulwich.errors import NotGitRepository
from dulwich.refs import Ref
from dulwich.repo import Repo
from returns.result import Failure, Result, Success

from domain.forge.values import ForgeError, RepoRef


def bare_path(folder: str, repo: RepoRef) -> str:
    """Where the bare repository of `repo` lives."""
    return os.path.join(folder, "repos", repo.owner, f"{repo.name}.git")


def import_history(folder: str, repo: RepoRef, source: str) -> Result[str, ForgeError]:
    """Create the bare repository from `source`'s branches and tags; returns its default branch.

    The default branch is the one `source`'s HEAD names. Nothing of `source`'s configuration
    (remotes, credentials) is copied: only objects and refs.
    """
    target_path = bare_path(folder, repo)
    if os.path.exists(target_path):
        return Failure(
            ForgeError(code="forge-rejected", message=f"{repo.slug} already has a repository")
        )
    try:
        with Repo(os.path.abspath(source)) as origin:
            head = origin.refs.get_symrefs().get(Ref(b"HEAD"))
    except (NotGitRepository, OSError) as exc:
        return Failure(
            ForgeError(
                code="forge-invalid-input",
                message=f"{source} is not a git repository ({type(exc).__name__}); "
                "give --from a repository with at least one commit",
            )
        )
    if head is None or not head.startswith(b"refs/heads/"):
        return Failure(
            ForgeError(code="forge-invalid-input", message=f"{source} has a detached HEAD")
        )
    os.makedirs(os.path.dirname(target_path), exist_ok=True)
    with Repo.init_bare(target_path, mkdir=True) as bare:
        result = LocalGitClient().fetch(os.path.abspath(source), bare)
        refs = {
            name: sha
            for name, sha in result.refs.items()
            if sha is not None and name.startswith((b"refs/heads/", b"refs/tags/"))
        }
        if head not in refs:
            return Failure(
                ForgeError(code="forge-invalid-input", message=f"{source} has no commit yet")
            )
        for name, sha in refs.items():
            bare.refs[name] = sha
        bare.refs.set_symbolic_ref(Ref(b"HEAD"), head)
    return Success(head.removeprefix(b"refs/heads/").decode())


def create_empty(folder: str, repo: RepoRef) -> None:
    """An empty bare repository (for a repository created without history)."""
    target_path = bare_path(folder, repo)
    os.makedirs(os.path.dirname(target_path), exist_ok=True)
    if not os.path.exists(target_path):
        Repo.init_bare(target_path, mkdir=True).close()


def branch_exists(folder: str, repo: RepoRef, branch: str) -> bool:
    """Whether `branch` exists in the bare repository."""
    try:
        with Repo(bare_path(folder, repo)) as bare:
            return Ref(b"refs/heads/" + branch.encode()) in bare.refs
    except (NotGitRepository, OSError):
        return False

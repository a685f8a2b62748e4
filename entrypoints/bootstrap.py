"""The composition root: the one place that chooses adapters.

Every factory takes no arguments and returns the production adapter; callers (CLI, library API)
accept an optional override so tests pass fakes. Adapters are imported inside the factories so a
command pays only for the adapters it uses (httpx and dulwich are slow to import).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from domain.kernel.locations import cache_home

# The ports only name return types: importing them all (and the domain values they carry) at run
# time would make every command pay for every capability (start-up time).
if TYPE_CHECKING:
    from returns.result import Result

    from domain.forge.config import ForgeSettings
    from domain.forge.values import ForgeError
    from ports.changes import ChangeCollector, UpstreamReader
    from ports.checkout import CandidateCheckout
    from ports.config import ConfigSource
    from ports.files import FileReader
    from ports.forge import Forge, GitRemote, LocalForgeAdmin
    from ports.harness import HarnessHost
    from ports.ledger import Ledger
    from ports.line_source import LineSource
    from ports.lock import LoopLock
    from ports.notify import WebhookPoster
    from ports.process import ProcessRunner
    from ports.project import ProjectFilesReader
    from ports.run_records import RunRecords
    from ports.sandbox import SandboxHost
    from ports.scratch import ScratchRepoBuilder
    from ports.scripted_model import ScriptedModel, ScriptedSession
    from ports.workspace import Workspace
    from ports.worktree import WorktreeSnapshotter


def process_runner() -> ProcessRunner:
    """The anyio subprocess runner."""
    from adapters.anyio_process import AnyioProcessRunner

    return AnyioProcessRunner()


def project_files_reader() -> ProjectFilesReader:
    """The file-system reader of project files (`pyproject.toml`, `uv.lock`, root listing)."""
    from adapters.project_files import FsProjectFilesReader

    return FsProjectFilesReader()


def config_source() -> ConfigSource:
    """The file-system reader of `engineering-loop.toml`."""
    from adapters.config_file import FsConfigSource

    return FsConfigSource()


def spend_ledger(path: str, *, wait_s: float) -> Ledger:
    """The SQLite spend ledger at `path` (a file; created by the first reservation).

    Unlike the other factories it takes the file's path and how long to wait for other
    processes holding it: which books to keep is the caller's choice (`--ledger PATH`,
    `--wait S`, by default `ports.ledger.DEFAULT_LEDGER_WAIT_S`), the technology is this module's.
    """
    from adapters.sqlite_ledger import SqliteLedger

    return SqliteLedger(path, busy_timeout_s=wait_s)


def worktree_snapshotter() -> WorktreeSnapshotter:
    """The dulwich snapshotter of worktree status (walks directories that are no repository)."""
    from adapters.git.changes import DulwichSnapshotter

    return DulwichSnapshotter()


def file_reader() -> FileReader:
    """The file-system reader of files the built-in `check-files` gate checks."""
    from adapters.fs_files import FsFileReader

    return FsFileReader()


def change_collector() -> ChangeCollector:
    """The dulwich change collector (base tree vs. index, worktree and untracked files), with
    its stat cache in the per-user cache home, outside every worktree."""
    from adapters.git.changes import DulwichChangeCollector

    home = cache_home(os.environ)
    folder = None if home is None else os.path.join(home, "engineering-loop", "worktree-stats")
    return DulwichChangeCollector(stat_cache_dir=folder)


def candidate_checkout() -> CandidateCheckout:
    """The dulwich checkout of candidate trees, one scratch folder per repository in the
    per-user cache home (outside every worktree)."""
    from adapters.git.checkout import DulwichCheckout

    home = cache_home(os.environ)
    return DulwichCheckout(
        None if home is None else os.path.join(home, "engineering-loop", "checkouts")
    )


def upstream_reader() -> UpstreamReader:
    """The dulwich reader of the upstream ref a repository's branch tracks (for notices)."""
    from adapters.git.changes import DulwichUpstreamReader

    return DulwichUpstreamReader()


def scratch_repos() -> ScratchRepoBuilder:
    """The dulwich builder of throwaway example repositories."""
    from adapters.git.scratch import DulwichScratchRepos

    return DulwichScratchRepos()


def line_source() -> LineSource:
    """The file/stdin line reader (harness transcripts)."""
    from adapters.line_file import FileLineSource

    return FileLineSource()


def harness_host() -> HarnessHost:
    """The local file system and PATH, for finding harness executables and transcript files."""
    from adapters.os_harness_host import OsHarnessHost

    return OsHarnessHost()


def local_forge_admin(folder: str) -> LocalForgeAdmin:
    """The embedded local forge in `folder` (bare repositories and one SQLite file)."""
    from adapters.local_forge import LocalForgeStore

    return LocalForgeStore(folder)


def user_agent() -> str:
    """`engineering-loop/VERSION`, the User-Agent GitHub requires."""
    from importlib import metadata

    try:
        return f"engineering-loop/{metadata.version('engineering-loop')}"
    except metadata.PackageNotFoundError:
        return "engineering-loop/unknown"


def forge(
    settings: ForgeSettings | None, parent: Mapping[str, str], *, actor: str | None = None
) -> Result[tuple[Forge, GitRemote], ForgeError]:
    """The configured forge and its git remote: GitHub (token from `[forge] token_env` in
    `parent`), or the local forge (`[forge] path`, default under the XDG data home)."""
    # Loaded here, not at module level: only forge commands pay for the forge's domain.
    from returns.pipeline import is_successful
    from returns.result import Failure, Success

    from adapters.git.remote import DulwichGitRemote
    from domain.forge.config import check_token_url, forge_dir, graphql_url_for
    from domain.forge.values import ForgeError

    if settings is not None and settings.kind == "github":
        from adapters.github import open_github_forge

        token = parent.get(settings.token_env, "")
        opened = open_github_forge(
            api_url=settings.api_url,
            graphql_url=graphql_url_for(settings),
            token=token,
            user_agent=user_agent(),
        )
        if not is_successful(opened):
            return Failure(opened.failure())
        checked = check_token_url(settings.git_url)
        if not is_successful(checked):
            return Failure(checked.failure())
        git_url = checked.unwrap()
        remote = DulwichGitRemote(
            lambda repo: f"{git_url}/{repo.owner}/{repo.name}.git",
            username="x-access-token",
            password=token,
        )
        return Success((opened.unwrap(), remote))
    from adapters.local_forge import LocalForge, LocalForgeStore
    from adapters.local_forge.repos import bare_path

    folder = forge_dir(settings, parent)
    if folder is None:
        return Failure(
            ForgeError(
                code="forge-invalid-input",
                message="no folder for the local forge: set [forge] path or HOME",
            )
        )
    store = LocalForgeStore(folder)
    return Success(
        (LocalForge(store, actor=actor), DulwichGitRemote(lambda repo: bare_path(folder, repo)))
    )


def sandbox_host() -> SandboxHost:
    """bubblewrap and the local file system, for confining agents and gates."""
    from adapters.bwrap_host import BwrapHost

    return BwrapHost()


def loop_lock() -> LoopLock:
    """`flock(2)` locks: one `run` or daemon cycle at a time per state folder."""
    from adapters.flock_lock import FlockLoopLock

    return FlockLoopLock()


def scripted_model(sessions: Sequence[ScriptedSession]) -> ScriptedModel:
    """The scripted model server on 127.0.0.1 playing `sessions` (OpenAI chat completions, as
    Pi's `openai-completions` provider calls it); start it with `with`."""
    from adapters.scripted_model import serve_sessions

    return serve_sessions(sessions)


def webhook_poster() -> WebhookPoster:
    """httpx webhook delivery (one POST, explicit timeout, no proxies from the environment)."""
    from adapters.httpx_webhook import HttpxWebhookPoster

    return HttpxWebhookPoster()


def workspace() -> Workspace:
    """dulwich mirrors, standalone clones and commits for `run`."""
    from adapters.git.workspace import DulwichWorkspace

    return DulwichWorkspace()


def run_records(state_dir: str) -> RunRecords:
    """The run folders below `<state_dir>/runs` on the local file system."""
    from adapters.fs_run_records import FsRunRecords

    return FsRunRecords(state_dir)

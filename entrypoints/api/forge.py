"""Library functions for the forge: open the configured one (GitHub or local), and administer
the embedded local forge (repositories, users, issues) as the `forge local` commands do.

Every function returns a `Result`; forge failures are `ForgeError`s with stable `forge-*` codes
(and `draft-unavailable`), configuration failures `ConfigError`s.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TypeVar

import msgspec
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from domain.config import ConfigError, LoopConfig
from domain.forge.config import ForgeSettings, forge_dir
from domain.forge.values import (
    ForgeError,
    Issue,
    IssueComment,
    IssueEvent,
    Permission,
    PullRequest,
    RepoFacts,
    RepoRef,
    parse_repo,
)
from entrypoints import bootstrap
from entrypoints.config import load_config
from ports.config import ConfigSource
from ports.forge import Forge, GitRemote, LocalForgeAdmin

T = TypeVar("T")
ForgeApiError = ForgeError | ConfigError


class IssueView(msgspec.Struct, frozen=True, kw_only=True):
    """An issue with everything the loop reads about it."""

    issue: Issue
    events: tuple[IssueEvent, ...]
    comments: tuple[IssueComment, ...]
    last_edited_at: datetime | None


def load_forge_settings(
    path: str | None, *, source: ConfigSource | None = None
) -> Result[ForgeSettings | None, ConfigError]:
    """The `[forge]` section (None when absent, or when the default file is absent)."""
    return load_config(path, source=source, defaults_if_absent=True).map(_forge_section)


def _forge_section(config: LoopConfig) -> ForgeSettings | None:
    return config.forge


def open_forge(
    config_path: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    actor: str | None = None,
    source: ConfigSource | None = None,
) -> Result[tuple[Forge, GitRemote], ForgeApiError]:
    """The configured forge and git remote (GitHub's token read from `[forge] token_env`)."""
    settings = load_forge_settings(config_path, source=source)
    if not is_successful(settings):
        return Failure(settings.failure())
    parent = os.environ if environ is None else environ
    opened = bootstrap.forge(settings.unwrap(), parent, actor=actor)
    if not is_successful(opened):
        return Failure(opened.failure())
    return Success(opened.unwrap())


def local_forge_dir(
    folder: str | None,
    config_path: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    source: ConfigSource | None = None,
) -> Result[str, ForgeApiError]:
    """`folder` if given, else `[forge] path` of the configuration, else the XDG default."""
    if folder is not None:
        return Success(os.path.abspath(folder))
    settings = load_forge_settings(config_path, source=source)
    if not is_successful(settings):
        return Failure(settings.failure())
    found = forge_dir(settings.unwrap(), os.environ if environ is None else environ)
    if found is None:
        return Failure(
            ForgeError(
                code="forge-invalid-input",
                message="no folder for the local forge: pass --dir, set [forge] path or HOME",
            )
        )
    return Success(found)


def _with_store(
    folder: str,
    work: Callable[[LocalForgeAdmin], Result[T, ForgeError]],
    admin: LocalForgeAdmin | None,
) -> Result[T, ForgeError]:
    store = admin or bootstrap.local_forge_admin(folder)
    try:
        return work(store)
    finally:
        if admin is None:
            store.close()


def _repo(slug: str) -> Result[RepoRef, ForgeError]:
    return parse_repo(slug)


def init_local_forge(
    folder: str, *, admin: LocalForgeAdmin | None = None
) -> Result[str, ForgeError]:
    """Create the local forge in `folder` (kept as it is when it exists)."""
    return _with_store(folder, lambda store: store.init(), admin)


def create_local_repo(
    folder: str, slug: str, source: str | None, *, admin: LocalForgeAdmin | None = None
) -> Result[RepoFacts, ForgeError]:
    """Create `OWNER/NAME`, importing the history of the repository at `source`."""
    repo = _repo(slug)
    if not is_successful(repo):
        return Failure(repo.failure())
    return _with_store(folder, lambda s: s.create_repo(repo.unwrap(), source=source), admin)


def set_local_permission(
    folder: str, slug: str, login: str, permission: str, *, admin: LocalForgeAdmin | None = None
) -> Result[Permission, ForgeError]:
    """Give `login` a permission (`admin`, `write`, `read`, `none`) on `OWNER/NAME`."""
    repo = _repo(slug)
    if not is_successful(repo):
        return Failure(repo.failure())
    return _with_store(folder, lambda s: s.set_permission(repo.unwrap(), login, permission), admin)


def _actor(repo: RepoRef, actor: str | None) -> str:
    return actor or repo.owner


def create_local_issue(
    folder: str,
    slug: str,
    *,
    title: str,
    body: str,
    labels: tuple[str, ...] = (),
    actor: str | None = None,
    admin: LocalForgeAdmin | None = None,
) -> Result[int, ForgeError]:
    """Open an issue as `actor` (default: the owner); returns its number."""
    repo = _repo(slug)
    if not is_successful(repo):
        return Failure(repo.failure())
    ref = repo.unwrap()
    return _with_store(
        folder,
        lambda s: s.create_item(ref, _actor(ref, actor), title=title, body=body, labels=labels),
        admin,
    )


def label_local_issue(
    folder: str,
    slug: str,
    number: int,
    label: str,
    *,
    actor: str | None = None,
    admin: LocalForgeAdmin | None = None,
) -> Result[None, ForgeError]:
    """Add `label` to an issue as `actor` (a `labeled` event naming them)."""
    repo = _repo(slug)
    if not is_successful(repo):
        return Failure(repo.failure())
    ref = repo.unwrap()
    return _with_store(
        folder, lambda s: s.add_labels(ref, number, (label,), _actor(ref, actor)), admin
    )


def edit_local_issue(
    folder: str,
    slug: str,
    number: int,
    *,
    title: str | None,
    body: str | None,
    actor: str | None = None,
    admin: LocalForgeAdmin | None = None,
) -> Result[None, ForgeError]:
    """Edit an issue's title and/or body as `actor` (the edit time is kept)."""
    repo = _repo(slug)
    if not is_successful(repo):
        return Failure(repo.failure())
    ref = repo.unwrap()
    return _with_store(
        folder,
        lambda s: s.edit_issue(ref, number, _actor(ref, actor), title=title, body=body),
        admin,
    )


def comment_local_issue(
    folder: str,
    slug: str,
    number: int,
    body: str,
    *,
    actor: str | None = None,
    admin: LocalForgeAdmin | None = None,
) -> Result[IssueComment, ForgeError]:
    """Comment on an issue or pull request as `actor`."""
    repo = _repo(slug)
    if not is_successful(repo):
        return Failure(repo.failure())
    ref = repo.unwrap()
    return _with_store(folder, lambda s: s.comment(ref, number, body, _actor(ref, actor)), admin)


def show_local_issue(
    folder: str, slug: str, number: int, *, admin: LocalForgeAdmin | None = None
) -> Result[IssueView, ForgeError]:
    """An issue, its events, its comments and its last edit time."""
    repo = _repo(slug)
    if not is_successful(repo):
        return Failure(repo.failure())
    ref = repo.unwrap()

    def work(store: LocalForgeAdmin) -> Result[IssueView, ForgeError]:
        issue = store.issue(ref, number)
        if not is_successful(issue):
            return Failure(issue.failure())
        events = store.issue_events(ref, number)
        comments = store.issue_comments(ref, number)
        edited = store.issue_last_edited(ref, number)
        for part in (events, comments, edited):
            if not is_successful(part):
                return Failure(part.failure())
        return Success(
            IssueView(
                issue=issue.unwrap(),
                events=events.unwrap(),
                comments=comments.unwrap(),
                last_edited_at=edited.unwrap(),
            )
        )

    return _with_store(folder, work, admin)


def list_local_pull_requests(
    folder: str, slug: str | None = None, *, admin: LocalForgeAdmin | None = None
) -> Result[tuple[PullRequest, ...], ForgeError]:
    """Pull requests of `OWNER/NAME` (or of every repository), by repository and number."""
    repo: RepoRef | None = None
    if slug is not None:
        parsed = _repo(slug)
        if not is_successful(parsed):
            return Failure(parsed.failure())
        repo = parsed.unwrap()
    listed = _with_store(folder, lambda s: s.pull_requests(repo), admin)
    return listed.map(lambda pairs: tuple(pull for _, pull in pairs))


def show_local_pull_request(
    folder: str, slug: str, number: int, *, admin: LocalForgeAdmin | None = None
) -> Result[PullRequest, ForgeError]:
    """One pull request."""
    repo = _repo(slug)
    if not is_successful(repo):
        return Failure(repo.failure())
    return _with_store(folder, lambda s: s.pull_request(repo.unwrap(), number), admin)

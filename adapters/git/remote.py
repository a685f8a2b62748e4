"""`GitRemote` with dulwich: fetch a branch, push one commit under a lease, read a remote tip.

Remote repositories are https URLs (GitHub: basic auth `x-access-token:<token>`, sent by dulwich
only to the URL's own origin) or local paths (the local forge's bare repositories). No git
configuration is read or written: no credential helper, no `~/.gitconfig`, nothing in any
`.git/config`; fetched objects land in the object store and the caller names the commit.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import anyio
from dulwich.client import (
    GitClient,
    HTTPUnauthorized,
    LocalGitClient,
    Urllib3HttpGitClient,
)
from dulwich.errors import GitProtocolError, HangupException, NotGitRepository, SendPackError
from dulwich.objects import ObjectID
from dulwich.refs import Ref
from dulwich.repo import Repo
from returns.result import Failure, Result, Success

from domain.forge.config import check_token_url
from domain.forge.values import ForgeError, RepoRef
from ports.forge import PushResult

_ZERO = b"0" * 40
# Errors of dulwich and of the network below it that mean "the git operation failed".
_GIT_ERRORS = (
    GitProtocolError,
    HangupException,
    HTTPUnauthorized,
    NotGitRepository,
    OSError,
    KeyError,
    ValueError,
)


class _LeaseRefused(Exception):
    """The remote branch is not where the push expected it (raised inside `update_refs`)."""

    def __init__(self, found: bytes | None) -> None:
        super().__init__("lease refused")
        self.found = found


def _branch_ref(branch: str) -> Ref:
    return Ref(b"refs/heads/" + branch.encode())


class DulwichGitRemote:
    """Fetch and push through dulwich; `locate` maps a repository to its URL or local path."""

    def __init__(
        self,
        locate: Callable[[RepoRef], str],
        *,
        username: str | None = None,
        password: str | None = None,
        timeout_s: float = 120.0,
    ) -> None:
        """With `password`, https URLs (or http to loopback) get basic auth, nothing else."""
        self._locate = locate
        self._username = username
        self._password = password
        self._timeout_s = timeout_s

    def _client(self, repo: RepoRef) -> Result[tuple[GitClient, bytes], ForgeError]:
        where = self._locate(repo)
        if "://" not in where:
            return Success((LocalGitClient(), os.fsencode(os.path.abspath(where))))
        if self._password is not None:
            checked = check_token_url(where)
            if isinstance(checked, Failure):
                return Failure(checked.failure())
        parts = urlsplit(where)
        client = Urllib3HttpGitClient(
            f"{parts.scheme}://{parts.netloc}/",
            config=None,
            username=self._username if self._password is not None else None,
            password=self._password,
            timeout=self._timeout_s,
        )
        return Success((client, parts.path.encode()))

    def _failed(self, repo: RepoRef, what: str, exc: BaseException) -> ForgeError:
        text = str(exc)
        if self._password:
            text = text.replace(self._password, "***")
        message = (
            f"{what} {repo.slug} failed ({type(exc).__name__}: {text}); check the "
            "remote, the network and the token's permissions"
        )
        if isinstance(exc, HTTPUnauthorized):
            return ForgeError(code="forge-auth-failed", message=message)
        return ForgeError(code="forge-git-failed", message=message)

    async def remote_tip(self, repo: RepoRef, branch: str) -> Result[str | None, ForgeError]:
        """The commit `branch` points at on the remote (None when it does not exist)."""
        return await anyio.to_thread.run_sync(self._remote_tip, repo, branch)

    def _remote_tip(self, repo: RepoRef, branch: str) -> Result[str | None, ForgeError]:
        made = self._client(repo)
        if isinstance(made, Failure):
            return Failure(made.failure())
        client, path = made.unwrap()
        try:
            refs = client.get_refs(path).refs
        except _GIT_ERRORS as exc:
            return Failure(self._failed(repo, "reading the branches of", exc))
        tip = refs.get(_branch_ref(branch))
        return Success(None if tip is None else tip.decode("ascii"))

    async def fetch(self, repo: RepoRef, branch: str, into: str) -> Result[str, ForgeError]:
        """Fetch `branch` into the local repository at `into`; returns its tip commit."""
        return await anyio.to_thread.run_sync(self._fetch, repo, branch, into)

    def _fetch(self, repo: RepoRef, branch: str, into: str) -> Result[str, ForgeError]:
        made = self._client(repo)
        if isinstance(made, Failure):
            return Failure(made.failure())
        client, path = made.unwrap()
        wanted = _branch_ref(branch)
        found: list[ObjectID] = []

        def determine_wants(
            refs: Mapping[Ref, ObjectID], depth: int | None = None
        ) -> list[ObjectID]:
            del depth
            tip = refs.get(wanted)
            if tip is None:
                return []
            found.append(tip)
            return [tip]

        try:
            with Repo(os.path.abspath(into)) as local:
                client.fetch(path, local, determine_wants=determine_wants)
        except _GIT_ERRORS as exc:
            return Failure(self._failed(repo, "fetching from", exc))
        if not found:
            return Failure(
                ForgeError(
                    code="forge-not-found",
                    message=f"branch {branch!r} does not exist in {repo.slug}",
                )
            )
        return Success(found[0].decode("ascii"))

    async def push(
        self, repo: RepoRef, *, local: str, commit: str, branch: str, expected: str | None
    ) -> Result[PushResult, ForgeError]:
        """Push `commit` to `branch` only while the remote tip is `expected` (None: absent)."""
        return await anyio.to_thread.run_sync(self._push, repo, local, commit, branch, expected)

    def _push(
        self, repo: RepoRef, local: str, commit: str, branch: str, expected: str | None
    ) -> Result[PushResult, ForgeError]:
        made = self._client(repo)
        if isinstance(made, Failure):
            return Failure(made.failure())
        client, path = made.unwrap()
        ref = _branch_ref(branch)
        new = ObjectID(commit.encode("ascii"))
        lease = None if expected is None else expected.encode("ascii")

        def update_refs(refs: dict[Ref, ObjectID]) -> dict[Ref, ObjectID]:
            current = refs.get(ref)
            if current == _ZERO:
                current = None
            if current != lease:
                raise _LeaseRefused(current)
            return {**refs, ref: new}

        try:
            with Repo(os.path.abspath(local)) as source:
                if new not in source.object_store:
                    return Failure(
                        ForgeError(
                            code="forge-invalid-input",
                            message=f"commit {commit} is not in {local}",
                        )
                    )

                def generate(have: Any, want: Any, **kwargs: Any) -> Any:
                    return source.generate_pack_data(have, want, **kwargs)

                result = client.send_pack(path, update_refs, generate_pack_data=generate)
        except _LeaseRefused as refused:
            found = "absent" if refused.found is None else refused.found.decode("ascii")
            return Failure(
                ForgeError(
                    code="forge-lease-refused",
                    message=f"{repo.slug} branch {branch!r} is at {found}, not "
                    f"{expected or 'absent'} as expected: someone else moved it; nothing pushed",
                )
            )
        except (SendPackError, *_GIT_ERRORS) as exc:
            return Failure(self._failed(repo, "pushing to", exc))
        status = (result.ref_status or {}).get(ref)
        if status is not None:
            return Failure(
                ForgeError(
                    code="forge-git-failed",
                    message=f"{repo.slug} refused the push to {branch!r}: {status}",
                )
            )
        return Success(PushResult(branch=branch, commit=commit, previous=expected))

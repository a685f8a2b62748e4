"""Fetch and push with dulwich against dulwich's smart-HTTP server that checks the token, and
against the local forge's bare repositories; real git reads what was pushed."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest

from adapters.git.remote import DulwichGitRemote
from domain.forge.values import RepoRef
from tests.support.git_http_server import git_http_server
from tests.support.gitrepo import commit_all, git, init_repo, write

TOKEN = "ghs_GitToken0123456789abcdefghijklmnopqrstuv"
REPO = RepoRef(owner="octo", name="hello")


@dataclass
class Setup:
    remote: DulwichGitRemote
    bare: Path
    work: Path
    base: str
    url: str
    auth_seen: list[str]


def _remote(url: str, token: str) -> DulwichGitRemote:
    return DulwichGitRemote(
        lambda repo: f"{url}/{repo.owner}/{repo.name}.git",
        username="x-access-token",
        password=token,
    )


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    work = init_repo(tmp_path / "work", {"a.txt": "one\n"})
    base = git(work, "rev-parse", "HEAD").strip()
    bare = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    with git_http_server({"/octo/hello.git": bare}, TOKEN) as (url, seen):
        yield Setup(_remote(url, TOKEN), bare, work, base, url, seen)


def _commit(work: Path, text: str) -> str:
    write(work, {"a.txt": text})
    return commit_all(work, text.strip())


def test_a_pushed_branch_is_what_real_git_reads_on_the_remote(setup: Setup) -> None:
    commit = _commit(setup.work, "two\n")
    pushed = anyio.run(
        lambda: setup.remote.push(
            REPO, local=str(setup.work), commit=commit, branch="loop/issue-1", expected=None
        )
    ).unwrap()
    assert (pushed.commit, pushed.previous) == (commit, None)
    assert git(setup.bare, "rev-parse", "refs/heads/loop/issue-1").strip() == commit
    assert git(setup.bare, "show", f"{commit}:a.txt") == "two\n"
    assert anyio.run(setup.remote.remote_tip, REPO, "loop/issue-1").unwrap() == commit
    assert anyio.run(setup.remote.remote_tip, REPO, "nowhere").unwrap() is None
    # Real git over the same smart-HTTP server, with the same credentials, agrees.
    auth = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    listed = git(
        setup.work,
        "-c",
        f"http.extraHeader=Authorization: Basic {auth}",
        "ls-remote",
        f"{setup.url}/octo/hello.git",
        "refs/heads/loop/issue-1",
    )
    assert listed.split() == [commit, "refs/heads/loop/issue-1"]


def test_every_request_carries_the_token_as_basic_auth_and_no_config_keeps_it(setup: Setup) -> None:
    commit = _commit(setup.work, "two\n")
    anyio.run(
        lambda: setup.remote.push(
            REPO, local=str(setup.work), commit=commit, branch="b", expected=None
        )
    ).unwrap()
    assert setup.auth_seen
    assert all(seen.startswith("Basic ") for seen in setup.auth_seen)
    config = (setup.work / ".git" / "config").read_text()
    assert TOKEN not in config
    assert "x-access-token" not in config


def test_the_lease_refuses_a_push_when_the_remote_branch_moved(setup: Setup) -> None:
    first = _commit(setup.work, "two\n")
    anyio.run(
        lambda: setup.remote.push(
            REPO, local=str(setup.work), commit=first, branch="b", expected=None
        )
    ).unwrap()
    # Someone else moves the branch on the remote.
    git(setup.bare, "update-ref", "refs/heads/b", setup.base)
    second = _commit(setup.work, "three\n")
    refused = anyio.run(
        lambda: setup.remote.push(
            REPO, local=str(setup.work), commit=second, branch="b", expected=first
        )
    ).failure()
    assert refused.code == "forge-lease-refused"
    assert git(setup.bare, "rev-parse", "refs/heads/b").strip() == setup.base
    # Creating a branch that exists is refused too: the lease expects it absent.
    again = anyio.run(
        lambda: setup.remote.push(
            REPO, local=str(setup.work), commit=second, branch="b", expected=None
        )
    ).failure()
    assert again.code == "forge-lease-refused"


def test_a_push_under_a_held_lease_moves_the_branch(setup: Setup) -> None:
    first = _commit(setup.work, "two\n")
    anyio.run(
        lambda: setup.remote.push(
            REPO, local=str(setup.work), commit=first, branch="b", expected=None
        )
    ).unwrap()
    second = _commit(setup.work, "three\n")
    moved = anyio.run(
        lambda: setup.remote.push(
            REPO, local=str(setup.work), commit=second, branch="b", expected=first
        )
    ).unwrap()
    assert moved.previous == first
    assert git(setup.bare, "rev-parse", "refs/heads/b").strip() == second


def test_fetch_brings_a_branch_tip_into_a_local_repository(setup: Setup, tmp_path: Path) -> None:
    other = init_repo(tmp_path / "other")
    tip = anyio.run(setup.remote.fetch, REPO, "main", str(other)).unwrap()
    assert tip == setup.base
    assert git(other, "cat-file", "-t", tip).strip() == "commit"
    assert TOKEN not in (other / ".git" / "config").read_text()
    missing = anyio.run(setup.remote.fetch, REPO, "nowhere", str(other)).failure()
    assert missing.code == "forge-not-found"


def test_a_wrong_token_is_auth_failed_and_never_in_the_error(setup: Setup) -> None:
    wrong = "ghs_WrongWrongWrongWrongWrong000000000000"
    remote = _remote(setup.url, wrong)
    error = anyio.run(remote.remote_tip, REPO, "main").failure()
    assert error.code == "forge-auth-failed"
    assert wrong not in error.message


def test_the_token_is_never_sent_over_plain_http_off_loopback() -> None:
    remote = _remote("http://git.example.com", TOKEN)
    error = anyio.run(remote.remote_tip, REPO, "main").failure()
    assert error.code == "forge-insecure-url"


def test_the_local_forge_remote_is_a_path(tmp_path: Path) -> None:
    work = init_repo(tmp_path / "work", {"a.txt": "one\n"})
    bare = tmp_path / "repos" / "octo" / "hello.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    remote = DulwichGitRemote(
        lambda repo: str(tmp_path / "repos" / repo.owner / f"{repo.name}.git")
    )
    commit = _commit(work, "two\n")
    anyio.run(
        lambda: remote.push(REPO, local=str(work), commit=commit, branch="b", expected=None)
    ).unwrap()
    assert git(bare, "rev-parse", "refs/heads/b").strip() == commit
    assert anyio.run(remote.remote_tip, REPO, "b").unwrap() == commit

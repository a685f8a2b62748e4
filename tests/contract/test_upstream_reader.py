"""One contract for every `UpstreamReader`: the in-memory fake and dulwich on real repositories."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from adapters.git.changes import DulwichUpstreamReader
from ports.changes import Upstream, UpstreamReader
from tests.fakes.changes import FakeRepository, FakeUpstreamReader
from tests.support.gitrepo import git, init_repo

# (reader, repository with no upstream on `main`, repository whose `agent` tracks `main`,
#  path that is not a repository)
Setup = tuple[UpstreamReader, str, str, str]


def _fake(tmp_path: Path) -> Setup:
    plain = FakeRepository({"a.txt": b"a\n"})
    plain.branch = "main"
    tracking = FakeRepository({"a.txt": b"a\n"})
    tracking.upstream_ref = "refs/heads/main"
    reader = FakeUpstreamReader({"/plain": plain, "/tracking": tracking})
    return reader, "/plain", "/tracking", "/nowhere"


def _dulwich(tmp_path: Path) -> Setup:
    plain = init_repo(tmp_path / "plain", {"a.txt": "a\n"})
    tracking = init_repo(tmp_path / "tracking", {"a.txt": "a\n"})
    git(tracking, "checkout", "-q", "-b", "agent", "--track", "main")
    return DulwichUpstreamReader(), str(plain), str(tracking), str(tmp_path)


@pytest.fixture(params=[_fake, _dulwich], ids=["fake", "dulwich"])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Setup:
    factory: Callable[[Path], Setup] = request.param
    return factory(tmp_path)


def test_a_branch_without_upstream_is_named_alone(setup: Setup) -> None:
    reader, plain, _, _ = setup
    assert anyio.run(reader.upstream, plain).unwrap() == Upstream(branch="main", ref=None)


def test_a_tracking_branch_names_its_upstream_ref(setup: Setup) -> None:
    reader, _, tracking, _ = setup
    assert anyio.run(reader.upstream, tracking).unwrap() == Upstream(
        branch="agent", ref="refs/heads/main"
    )


def test_unknown_repository_is_repo_not_found(setup: Setup) -> None:
    reader, _, _, nowhere = setup
    assert anyio.run(reader.upstream, nowhere).failure().code == "repo-not-found"

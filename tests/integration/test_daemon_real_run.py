"""A daemon cycle with the real run: the real Pi (scripted model), real git, real uv gates in
bubblewrap, against the local forge and against the GitHub test server with a smart-HTTP git
server. The cycle-level rules are proven with a scripted run in `test_daemon_cycle.py`; this is
the loop as the service runs it."""

from __future__ import annotations

import contextlib
import functools
import subprocess
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from adapters.git.checkout import DulwichCheckout
from adapters.scripted_model.server import ScriptedModelServer
from entrypoints.api.daemon import run_cycle, run_with_run_issue
from tests.fakes.forge import FakeForge
from tests.integration.test_run_e2e import agent_adds_double
from tests.support.github_server import TOKEN
from tests.support.loop_world import PLANTED, REPO, LoopWorld, make_world, on_github
from tests.support.pi_agent import write_agent_dir
from tests.support.sandbox import require_bwrap

pytestmark = pytest.mark.integration

BRANCH = "engineering-loop/issue-1"


class Served:
    """Where the world's issue lives, and how to read back its labels and pull requests."""

    def __init__(self, world: LoopWorld, kind: str) -> None:
        self.world = world
        self.kind = kind
        self.fake: FakeForge | None = None

    def labels(self) -> set[str]:
        if self.fake is not None:
            state = self.fake.state(REPO)
            assert state is not None
            return set(state.items[self.world.issue].labels)
        return set(self.world.store.issue(REPO, self.world.issue).unwrap().labels)

    def pull_requests(self) -> list[tuple[bool, str, int]]:
        """(draft, body, number) of every pull request."""
        if self.fake is not None:
            state = self.fake.state(REPO)
            assert state is not None
            return [(i.draft, i.body, i.number) for i in state.items.values() if i.is_pull]
        found = self.world.store.pull_requests(REPO).unwrap()
        return [(pr.draft, pr.body, pr.number) for _, pr in found]


@contextlib.contextmanager
def served(tmp_path: Path, kind: str) -> Iterator[Served]:
    world = make_world(tmp_path)
    world.store.set_permission(REPO, "alice", "write").unwrap()
    answer = Served(world, kind)
    if kind == "local":
        world.write_config()
        yield answer
        return
    with on_github(world) as server:
        answer.fake = server.fake
        yield answer


@pytest.mark.parametrize("kind", ["local", "github"])
def test_a_cycle_publishes_a_draft_pr_and_the_next_cycle_is_idle(tmp_path: Path, kind: str) -> None:
    require_bwrap()
    with served(tmp_path, kind) as where:
        world = where.world
        text = world.config.read_text()
        world.config.write_text(text.replace("[loop]\n", f'[loop]\nrepos = ["{REPO.slug}"]\n'))
        run = run_with_run_issue(checkout=DulwichCheckout(str(tmp_path / "checkouts")))
        cycle = functools.partial(run_cycle, str(world.config), run_one=run)
        with ScriptedModelServer(agent_adds_double()) as server:
            agent_dir = write_agent_dir(tmp_path / "pi-agent", server.base_url, max_retries=0)
            env = world.environ(agent_dir)
            first = anyio.run(functools.partial(cycle, environ=env)).unwrap()
            second = anyio.run(functools.partial(cycle, environ=env)).unwrap()

        assert first.outcome == "published", first
        (report,) = first.runs
        ((draft, body, number),) = where.pull_requests()
        assert draft is True
        assert str(report.pr_url).endswith(f"/{number}"), report.pr_url
        assert PLANTED not in body
        assert TOKEN not in body
        # The pushed branch holds the agent's change, read back by real git.
        shown = subprocess.run(
            [
                "git",
                "-C",
                str(world.bare),
                "show",
                "engineering-loop/issue-1:src/demo_calc/double.py",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "def double" in shown
        # Not picked again: no second run, no second pull request.
        assert second.outcome == "idle", second
        assert second.runs == ()
        assert len(where.pull_requests()) == 1
        assert where.labels() == {"loop:pr-open"}

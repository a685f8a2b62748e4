"""A daemon cycle with the real run: the real Pi (scripted model), real git, real uv gates in
bubblewrap, the local forge. The cycle-level rules are proven with a scripted run in
`test_daemon_cycle.py`; this is the loop as the service runs it."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

import anyio
import pytest

from adapters.git.checkout import DulwichCheckout
from adapters.scripted_model.server import ScriptedModelServer
from entrypoints.api.daemon import run_cycle, run_with_run_issue
from tests.integration.test_run_e2e import agent_adds_double
from tests.support.loop_world import PLANTED, REPO, make_world
from tests.support.pi_agent import write_agent_dir
from tests.support.sandbox import require_bwrap

pytestmark = pytest.mark.integration


def test_a_cycle_publishes_a_draft_pr_and_the_next_cycle_is_idle(tmp_path: Path) -> None:
    require_bwrap()
    world = make_world(tmp_path)
    world.store.set_permission(REPO, "alice", "write").unwrap()
    world.config.write_text(
        world.config.read_text().replace("[loop]\n", f'[loop]\nrepos = ["{REPO.slug}"]\n')
    )
    run = run_with_run_issue(checkout=DulwichCheckout(str(tmp_path / "checkouts")))
    cycle = functools.partial(run_cycle, str(world.config), run_one=run)
    with ScriptedModelServer(agent_adds_double()) as server:
        agent_dir = write_agent_dir(tmp_path / "pi-agent", server.base_url, max_retries=0)
        env = world.environ(agent_dir)
        first = anyio.run(functools.partial(cycle, environ=env)).unwrap()
        second = anyio.run(functools.partial(cycle, environ=env)).unwrap()

    assert first.outcome == "published", first
    (report,) = first.runs
    prs = world.store.pull_requests(REPO, head="engineering-loop/issue-1").unwrap()
    ((_, pr),) = prs
    assert pr.draft is True
    assert report.pr_url == pr.url
    assert PLANTED not in pr.body
    # The pushed branch holds the agent's change, read back by real git.
    shown = subprocess.run(
        ["git", "-C", str(world.bare), "show", "engineering-loop/issue-1:src/demo_calc/double.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "def double" in shown
    # Not picked again: no second run, no second pull request.
    assert second.outcome == "idle", second
    assert second.runs == ()
    assert len(world.store.pull_requests(REPO).unwrap()) == 1
    issue = world.store.issue(REPO, world.issue).unwrap()
    assert set(issue.labels) == {"loop:pr-open"}

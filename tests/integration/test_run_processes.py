"""`engineering-loop run` as a real process: two runs of one issue at once (one is `locked`), and
a run killed mid-way, closed as `interrupted` and settled at its full reservation by the next."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.scripted_model.server import Reply, ScriptedModelServer
from adapters.sqlite_ledger import SqliteLedger
from tests.integration.test_run_e2e import agent_adds_double
from tests.support.gitrepo import git
from tests.support.loop_world import PLANTED, REPO, LoopWorld, make_world
from tests.support.pi_agent import write_agent_dir
from tests.support.sandbox import require_bwrap

pytestmark = pytest.mark.integration

CLI = str(Path(sys.executable).parent / "engineering-loop")


@pytest.fixture
def world(tmp_path: Path) -> LoopWorld:
    require_bwrap()
    return make_world(tmp_path)


def cli_tail(world: LoopWorld) -> list[str]:
    return ["--config", str(world.config), "--json"]


def start_cli(world: LoopWorld, agent_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [CLI, "run", "--repo", REPO.slug, "--issue", str(world.issue), *cli_tail(world)],
        env=world.environ(agent_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_agent(server: ScriptedModelServer, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 90
    while not server.requests:
        if process.poll() is not None or time.monotonic() > deadline:
            out, err = process.communicate()
            pytest.fail(f"the first run never reached the agent: {out} {err}")
        time.sleep(0.1)


def slow_double() -> list[Reply]:
    first, *rest = agent_adds_double()
    return [Reply(text=first.text, tool_calls=first.tool_calls, delay_s=20), *rest]


def test_two_runs_of_one_issue_at_once_one_is_locked(world: LoopWorld) -> None:
    with ScriptedModelServer(slow_double()) as server:
        agent_dir = write_agent_dir(world.root / "pi-first", server.base_url, max_retries=0)
        first = start_cli(world, agent_dir)
        wait_for_agent(server, first)
        second, _ = world.run([Reply(text="never asked")])
        assert second.unwrap().outcome == "locked"
        assert second.unwrap().run_id is None
        out, err = first.communicate(timeout=120)
    assert first.returncode == 0, (out, err)
    report = json.loads(out)
    assert report["outcome"] == "published"
    assert set(report) >= {"outcome", "repo", "issue", "run_id", "branch", "pr_url", "pr"}
    assert PLANTED not in out
    assert PLANTED not in err
    # Only the first run reserved anything.
    runs = sorted(p.name for p in (world.state / "runs").iterdir())
    assert runs == [report["run_id"]]


def test_a_killed_run_is_closed_as_interrupted_and_settled_in_full_by_the_next(
    world: LoopWorld,
) -> None:
    with ScriptedModelServer(slow_double()) as server:
        agent_dir = write_agent_dir(world.root / "pi-first", server.base_url, max_retries=0)
        first = start_cli(world, agent_dir)
        wait_for_agent(server, first)
        (killed,) = [p.name for p in (world.state / "runs").iterdir()]
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    assert world.store.issue(REPO, world.issue).unwrap().labels == (
        "loop:approved",
        "loop:in-progress",
    )
    result, _ = world.run(agent_adds_double())
    report = result.unwrap()
    assert report.outcome == "published", report
    interrupted = json.loads((world.state / "runs" / killed / "record.json").read_text())
    assert interrupted["outcome"] == "needs-human"
    assert [r["code"] for r in interrupted["reasons"]] == ["interrupted"]
    start = json.loads((world.state / "runs" / killed / "start.json").read_text())
    ledger = SqliteLedger(str(world.state / "ledger.sqlite"))
    totals = ledger.day_summary(start["started_at"][:10]).unwrap()
    assert totals.reserved_micros == 0
    # The killed run is charged its whole reservation ($5); the published one what it cost.
    assert totals.spent_micros >= start["reserved_micros"]
    assert (world.state / "runs" / killed / "clone").is_dir()
    comments = [c.body for c in world.store.issue_comments(REPO, world.issue).unwrap()]
    assert any("`interrupted`" in body for body in comments)
    assert git(world.bare, "rev-parse", "refs/heads/engineering-loop/issue-1").strip()

"""`run_issue` end to end on real processes: the real Pi driven by the scripted model server,
real git, real uv gates in bubblewrap, against the embedded local forge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.gitrepo import git
from tests.support.loop_world import PLANTED, REPO, LoopWorld, make_world
from tests.support.model_server import Reply, ToolCall
from tests.support.sandbox import require_bwrap

pytestmark = pytest.mark.integration

DOUBLE = '"""Doubling."""\n\n\ndef double(x: int) -> int:\n    return 2 * x\n'
TEST_DOUBLE = "from demo_calc.double import double\n\n\ndef test_double() -> None:\n    assert double(2) == {}\n"


def write(path: str, content: str) -> ToolCall:
    return ToolCall("write", {"path": path, "content": content})


def agent_adds_double(expected: int = 4) -> list[Reply]:
    return [
        Reply(
            text="Adding double.",
            tool_calls=(
                write("src/demo_calc/double.py", DOUBLE),
                write("tests/test_double.py", TEST_DOUBLE.format(expected)),
            ),
            prompt_tokens=1000,
            completion_tokens=50,
        ),
        Reply(text="Added double() and its test.", prompt_tokens=1100, completion_tokens=10),
    ]


@pytest.fixture
def world(tmp_path: Path) -> LoopWorld:
    require_bwrap()
    return make_world(tmp_path)


def record_text(world: LoopWorld, run_id: str) -> str:
    folder = world.state / "runs" / run_id
    return "\n".join(
        p.read_text(errors="replace") for p in sorted(folder.rglob("*")) if p.is_file()
    )


def test_a_published_run_pushes_exactly_the_agents_change_on_the_base(world: LoopWorld) -> None:
    result, server = world.run(agent_adds_double())
    report = result.unwrap()
    assert report.outcome == "published", report
    assert report.rounds == 1
    assert report.branch == "engineering-loop/issue-1"
    bare = world.bare
    tip = git(bare, "rev-parse", "refs/heads/engineering-loop/issue-1").strip()
    base = git(bare, "rev-parse", "refs/heads/main").strip()
    assert git(bare, "rev-list", "--parents", "-n", "1", tip).split() == [tip, base]
    changed = git(bare, "diff", "--name-status", base, tip).split("\n")
    assert [line for line in changed if line] == [
        "A\tsrc/demo_calc/double.py",
        "A\ttests/test_double.py",
    ]
    assert git(bare, "show", f"{tip}:src/demo_calc/double.py") == DOUBLE
    message = git(bare, "log", "-1", "--format=%an <%ae>%n%B", tip)
    assert message.startswith("engineering-loop <engineering-loop@localhost>\nAdd double (#1)\n")
    assert f"Engineering-Loop-Run: {report.run_id}" in message
    # The draft pull request carries the evidence.
    forge_prs = world.store.pull_requests(REPO, head="engineering-loop/issue-1").unwrap()
    ((_, pr),) = forge_prs
    assert pr.draft is True
    assert report.pr_url == pr.url
    assert pr.body.startswith("Closes #1")
    assert "sandboxed: yes" in pr.body
    verdict = world.state / "runs" / str(report.run_id) / "verdict.json"
    import hashlib

    assert hashlib.sha256(verdict.read_bytes()).hexdigest() in pr.body
    assert "| pytest |" in pr.body
    assert "ignore every rule" not in pr.body
    # Write-back: the outcome comment and the labels; the approval label is gone.
    issue = world.store.issue(REPO, world.issue).unwrap()
    assert set(issue.labels) == {"loop:pr-open"}
    comments = world.store.issue_comments(REPO, world.issue).unwrap()
    assert pr.url in comments[-1].body
    # The record, and the planted token nowhere.
    record = json.loads(Path(str(report.record)).read_text())
    assert record["outcome"] == "published"
    assert record["commit"] == tip
    prompt = (world.state / "runs" / str(report.run_id) / "prompts" / "round-1.md").read_text()
    assert "Add a `double` function." in prompt
    assert "ignore every rule" not in prompt
    assert PLANTED not in record_text(world, str(report.run_id))
    assert PLANTED not in pr.body
    assert all(PLANTED not in json.dumps(r.body) for r in server.requests)
    # The candidate is kept in the mirror; the published run's clone is removed.
    mirror = world.state / "mirrors" / "octo" / "calc.git"
    kept = git(mirror, "rev-parse", f"refs/engineering-loop/runs/{report.run_id}/round-1^{{tree}}")
    assert kept.strip() == git(bare, "rev-parse", f"{tip}^{{tree}}").strip()
    assert not (world.state / "runs" / str(report.run_id) / "clone").exists()

"""`run_issue` end to end against the GitHub test server (REST validated against GitHub's OpenAPI
description) and a git smart-HTTP server, with the real Pi and real uv gates."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.scripted_model.server import Reply
from tests.integration.test_run_e2e import DOUBLE, TEST_DOUBLE, agent_adds_double, write
from tests.support.github_server import TOKEN, GitHubTestServer
from tests.support.gitrepo import git
from tests.support.loop_world import PLANTED, REPO, LoopWorld, make_world, on_github
from tests.support.sandbox import require_bwrap

pytestmark = pytest.mark.integration


@pytest.fixture
def github(tmp_path: Path) -> Iterator[tuple[LoopWorld, GitHubTestServer]]:
    require_bwrap()
    world = make_world(tmp_path)
    with on_github(world) as server:
        yield world, server


def test_a_published_run_on_github_opens_a_draft_with_the_evidence(
    github: tuple[LoopWorld, GitHubTestServer],
) -> None:
    world, server = github
    result, model = world.run(agent_adds_double())
    report = result.unwrap()
    assert report.outcome == "published", report
    tip = git(world.bare, "rev-parse", "refs/heads/engineering-loop/issue-1").strip()
    base = git(world.bare, "rev-parse", "refs/heads/main").strip()
    assert git(world.bare, "show", f"{tip}:src/demo_calc/double.py") == DOUBLE
    assert git(world.bare, "rev-list", "--parents", "-n", "1", tip).split() == [tip, base]
    state = server.fake.state(REPO)
    assert state is not None
    pulls = [i for i in state.items.values() if i.is_pull]
    assert [(p.head, p.base, p.draft) for p in pulls] == [
        ("engineering-loop/issue-1", "main", True)
    ]
    issue = state.items[world.issue]
    assert set(issue.labels) == {"loop:pr-open"}
    run_dir = world.state / "runs" / str(report.run_id)
    everything = "\n".join(p.read_text(errors="replace") for p in run_dir.rglob("*") if p.is_file())
    for secret in (TOKEN, PLANTED):
        assert secret not in everything
        assert secret not in pulls[0].body
        assert all(secret not in json.dumps(r.body) for r in model.requests)


def test_a_staged_run_on_github_sends_no_write(
    github: tuple[LoopWorld, GitHubTestServer],
) -> None:
    world, server = github
    before = len(server.seen)
    result, _ = world.run(agent_adds_double(), staged=True)
    report = result.unwrap()
    assert report.outcome == "staged", report
    methods = {s.method for s in server.seen[before:]}
    assert methods <= {"GET", "POST"}
    writes = [s for s in server.seen[before:] if s.method != "GET" and s.path != "/graphql"]
    assert writes == []
    assert report.pr is not None


def test_a_forge_that_refuses_drafts_is_draft_unavailable_and_never_a_ready_pr(
    github: tuple[LoopWorld, GitHubTestServer],
) -> None:
    world, server = github
    state = server.fake.state(REPO)
    assert state is not None
    state.drafts_allowed = False
    result, _ = world.run(agent_adds_double())
    report = result.unwrap()
    assert (report.outcome, [r.code for r in report.reasons]) == (
        "needs-human",
        ["draft-unavailable"],
    )
    assert [i for i in state.items.values() if i.is_pull] == []
    assert set(state.items[world.issue].labels) == {"loop:needs-human"}


def test_a_policy_blocked_run_on_github_pushes_nothing_and_says_why(
    github: tuple[LoopWorld, GitHubTestServer],
) -> None:
    world, server = github
    blocked = [Reply(text="Editing.", tool_calls=(write("notes/plan.md", "plan\n"),)), Reply()]
    result, _ = world.run(blocked)
    report = result.unwrap()
    assert (report.outcome, [r.code for r in report.reasons]) == ("needs-human", ["policy-blocked"])
    heads = git(world.bare, "for-each-ref", "--format=%(refname)", "refs/heads/")
    assert heads.split() == ["refs/heads/main"]
    state = server.fake.state(REPO)
    assert state is not None
    assert set(state.items[world.issue].labels) == {"loop:needs-human"}
    comments = state.comments[world.issue]
    assert "`policy-blocked`" in comments[-1].body


def test_a_gate_failure_on_github_is_fixed_in_round_2(
    github: tuple[LoopWorld, GitHubTestServer],
) -> None:
    world, server = github
    steps = [
        *agent_adds_double(expected=5),
        Reply(text="Fixing.", tool_calls=(write("tests/test_double.py", TEST_DOUBLE.format(4)),)),
        Reply(text="Fixed the test."),
    ]
    result, _ = world.run(steps)
    report = result.unwrap()
    assert (report.outcome, report.rounds) == ("published", 2), report
    state = server.fake.state(REPO)
    assert state is not None
    (pull,) = [i for i in state.items.values() if i.is_pull]
    assert "rounds: 2" in pull.body

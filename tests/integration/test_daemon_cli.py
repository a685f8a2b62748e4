"""`daemon --once`, `loop queue` and `loop labels` through the CLI, on a real local forge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest

from entrypoints.cli.main import main
from tests.support.forge_worlds import REPO, LocalWorld


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalWorld:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    made = LocalWorld(tmp_path)
    made.create_repo(REPO)
    made.set_permission(REPO, "alice", "write")
    (tmp_path / "engineering-loop.toml").write_text(
        f'[loop]\nrepos = ["{REPO.slug}"]\nstate_dir = "{tmp_path / "state"}"\n'
        f'[forge]\nkind = "local"\npath = "{tmp_path / "forge"}"\n'
    )
    return made


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, json.loads(capsys.readouterr().out)


def test_daemon_without_once_is_a_usage_error_that_says_so(
    world: LocalWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "daemon", "--json")
    assert code == 2
    assert out["error"]["code"] == "usage-error"
    assert "--once" in out["error"]["message"]


def test_daemon_once_lists_every_skip_and_touches_nothing(
    world: LocalWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = world.issue(REPO, "Fix it", "b", (), "alice")
    world.label_as(REPO, stale, "loop:approved", "alice")
    world.edit_as(REPO, stale, "eve", None, "do something else")
    bad = world.issue(REPO, "By eve", "b", (), "eve")
    world.label_as(REPO, bad, "loop:approved", "eve")
    before = anyio.run(world.forge.issue_events, REPO, stale).unwrap()
    code, out = run(capsys, "daemon", "--once", "--json")
    assert code == 0
    assert set(out) == {"outcome", "runs", "skipped", "notifications"}
    assert out["outcome"] == "idle"
    assert sorted((s["issue"], s["code"]) for s in out["skipped"]) == [
        (stale, "approval-stale"),
        (bad, "approval-untrusted"),
    ]
    assert anyio.run(world.forge.issue_events, REPO, stale).unwrap() == before


def test_daemon_once_under_github_actions_exits_refused_ci(
    world: LocalWorld, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out = run(capsys, "daemon", "--once", "--json")
    assert (code, out["outcome"]) == (3, "refused-ci")


def test_daemon_once_with_a_missing_config_is_a_configuration_error(
    world: LocalWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "daemon", "--once", "--config", "nope.toml", "--json")
    assert (code, out["error"]["code"]) == (2, "config-missing")


def test_loop_queue_shows_scores_eligibility_and_codes(
    world: LocalWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    good = world.issue(REPO, "Fix it", "b", ("bug",), "alice")
    world.label_as(REPO, good, "loop:approved", "alice")
    stale = world.issue(REPO, "Stale", "b", (), "alice")
    world.label_as(REPO, stale, "loop:approved", "alice")
    world.edit_as(REPO, stale, "eve", None, "changed")
    events = anyio.run(world.forge.issue_events, REPO, good).unwrap()
    code, out = run(capsys, "loop", "queue", "--json")
    assert code == 0
    assert out == {
        "repos": [
            {
                "repo": REPO.slug,
                "issues": [
                    {"number": good, "title": "Fix it", "score": 3, "eligible": True,
                     "code": None},
                    {"number": stale, "title": "Stale", "score": 1, "eligible": False,
                     "code": "approval-stale"},
                ],
            }
        ]
    }  # fmt: skip
    assert anyio.run(world.forge.issue_events, REPO, good).unwrap() == events


def test_loop_labels_lists_what_is_needed_and_apply_creates_it_once(
    world: LocalWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    code, listed = run(capsys, "loop", "labels", "--json")
    assert code == 0
    needed = listed["repos"][0]["required"]
    assert needed[:4] == ["loop:approved", "loop:in-progress", "loop:pr-open", "loop:needs-human"]
    assert {"loop:budget-large", "loop:budget-xl"} <= set(needed)
    assert listed["repos"][0]["missing"] == needed
    assert listed["repos"][0]["created"] == []
    _, still = run(capsys, "loop", "labels", "--json")
    assert still["repos"][0]["missing"] == needed
    _, applied = run(capsys, "loop", "labels", "--apply", "--json")
    assert applied["repos"][0]["created"] == needed
    _, again = run(capsys, "loop", "labels", "--apply", "--json")
    assert (again["repos"][0]["missing"], again["repos"][0]["created"]) == ([], [])

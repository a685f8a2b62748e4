"""`replay` on records the real run wrote (real Pi driven by the scripted model server, real git,
real uv gates in bubblewrap): it agrees on each kind of run, disagrees under a stricter policy,
and refuses (exit 2) a record it cannot trust."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import anyio
import pytest
from returns.result import Failure, Result

from adapters.git.checkout import DulwichCheckout
from adapters.scripted_model.server import Reply
from domain.loop.replay import ReplayReport
from entrypoints.api.replay import ReplayError, replay_run
from entrypoints.cli.main import main
from tests.integration.test_run_e2e import (
    TEST_DOUBLE,
    agent_adds_double,
    agent_overspends,
    write,
)
from tests.support.gitrepo import git
from tests.support.loop_world import LoopWorld, make_world
from tests.support.sandbox import require_bwrap

pytestmark = pytest.mark.integration


class Recorded:
    """A world and the run id of the one run it recorded."""

    def __init__(self, world: LoopWorld, run_id: str) -> None:
        self.world = world
        self.run_id = run_id

    @property
    def folder(self) -> Path:
        return self.world.state / "runs" / self.run_id

    def environ(self) -> dict[str, str]:
        return self.world.environ(self.world.root / "pi-agent")

    def replay(self, run: str | None = None, **kwargs: Any) -> Result[ReplayReport, ReplayError]:
        checkout = DulwichCheckout(str(self.world.root / "replay-checkouts"))
        return anyio.run(
            lambda: replay_run(
                run or self.run_id,
                environ=self.environ(),
                checkout=checkout,
                **{"config_path": str(self.world.config), **kwargs},
            )
        )

    def copy(self, into: Path) -> Recorded:
        """The same record in another state folder (to damage it without touching this one)."""
        shutil.copytree(self.world.state, into / "state")
        copied = LoopWorld(
            root=self.world.root,
            store=self.world.store,
            issue=self.world.issue,
            config=self.world.config,
            state=into / "state",
        )
        return Recorded(copied, self.run_id)


def _record(tmp: Path, steps: list[Reply], outcome: str) -> Recorded:
    require_bwrap()
    world = make_world(tmp)
    result, _ = world.run(steps)
    report = result.unwrap()
    assert report.outcome == outcome, report
    assert report.run_id is not None
    return Recorded(world, report.run_id)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    return _record(tmp_path_factory.mktemp("published"), agent_adds_double(), "published")


def test_replay_agrees_on_a_published_run(published: Recorded) -> None:
    # With the recorded configuration (no --config): the run id is found under the state_dir
    # of the configuration that names it, and the sections come from verdict.json.
    report = anyio.run(
        lambda: replay_run(
            str(published.folder),
            environ=published.environ(),
            checkout=DulwichCheckout(str(published.world.root / "replay-checkouts")),
        )
    ).unwrap()
    assert report.agrees, report
    assert report.config == "recorded"
    assert (report.then, report.now) == ("publish in round 1", "publish in round 1")
    (only,) = report.rounds
    assert only.now.gates_verdict == "passed"
    assert only.now.changes == ("added src/demo_calc/double.py", "added tests/test_double.py")
    assert only.now.spend is not None
    assert report.sandboxed
    recorded = json.loads((published.folder / "record.json").read_text())
    assert report.verdict_sha256 == recorded["verdict_sha256"]


def test_replay_by_run_id_from_the_cli_exits_0_and_prints_agrees(
    published: Recorded, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in published.environ().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("XDG_CACHE_HOME", str(published.world.root / "cache"))
    code = main(["replay", published.run_id, "--config", str(published.world.config)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "round 1: then publish, now publish: agrees" in out
    assert out.rstrip().endswith("agrees")


def test_replay_under_a_stricter_policy_disagrees_and_says_why(
    published: Recorded, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stricter = published.world.root / "stricter.toml"
    text = published.world.config.read_text()
    stricter.write_text(text.replace('["src/", "tests/", "docs/"]', '["docs/"]'))
    report = published.replay(config_path=str(stricter)).unwrap()
    assert not report.agrees
    assert report.now == "stop (policy-blocked) in round 1"
    (only,) = report.rounds
    assert only.now.gates is None  # the policy stops it before any gate runs
    assert any(
        d.startswith("policy: then allowed, now path-not-allowed: src/demo_calc/double.py")
        for d in only.differences
    ), only.differences
    for name, value in published.environ().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("XDG_CACHE_HOME", str(published.world.root / "cache"))
    code = main(["replay", str(published.folder), "--config", str(stricter), "--json"])
    shown = json.loads(capsys.readouterr().out)
    assert code == 1
    assert shown["agrees"] is False
    assert shown["rounds"][0]["now"]["reasons"] == ["policy-blocked"]


def test_replay_agrees_on_a_policy_blocked_run(tmp_path: Path) -> None:
    steps = [
        Reply(text="Editing.", tool_calls=(write("notes/plan.md", "plan\n"),)),
        Reply(text="Done."),
    ]
    recorded = _record(tmp_path, steps, "needs-human")
    report = recorded.replay().unwrap()
    assert report.agrees, report
    assert report.now == "stop (policy-blocked) in round 1"
    assert report.rounds[0].now.gates is None


def test_replay_agrees_on_a_cost_killed_run(tmp_path: Path) -> None:
    steps = agent_overspends()
    recorded = _record(tmp_path, steps, "needs-human")
    report = recorded.replay().unwrap()
    assert report.agrees, report
    assert report.now == "stop (budget-exhausted) in round 1"
    (only,) = report.rounds
    # The kill switch stopped the agent: no gate ran then or now.
    assert (only.now.reasons, only.now.gates) == (("budget-exhausted",), None)


def test_replay_agrees_on_a_remediated_run(tmp_path: Path) -> None:
    steps = [
        *agent_adds_double(expected=5),
        Reply(text="Fixing.", tool_calls=(write("tests/test_double.py", TEST_DOUBLE.format(4)),)),
        Reply(text="Fixed the test."),
    ]
    recorded = _record(tmp_path, steps, "published")
    report = recorded.replay().unwrap()
    assert report.agrees, report
    assert [r.now.decision for r in report.rounds] == ["retry", "publish"]
    assert report.rounds[0].now.gates_verdict == "failed"
    assert report.now == "publish in round 2"


def _refused(result: Result[ReplayReport, ReplayError]) -> str:
    assert isinstance(result, Failure), result
    error: ReplayError = result.failure()
    return error.code


def test_a_candidate_ref_that_is_gone_is_exit_2(published: Recorded, tmp_path: Path) -> None:
    copy = published.copy(tmp_path)
    mirror = copy.world.state / "mirrors" / "octo" / "calc.git"
    git(mirror, "update-ref", "-d", f"refs/engineering-loop/runs/{copy.run_id}/round-1")
    assert _refused(copy.replay(str(copy.folder))) == "replay-candidate-missing"


def test_a_tampered_verdict_is_exit_2(published: Recorded, tmp_path: Path) -> None:
    copy = published.copy(tmp_path)
    verdict = copy.folder / "verdict.json"
    verdict.write_text(verdict.read_text().replace('"decision":"publish"', '"decision":"stop"'))
    assert _refused(copy.replay(str(copy.folder))) == "replay-digest-mismatch"


def test_a_damaged_or_unknown_record_is_exit_2(
    published: Recorded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = published.copy(tmp_path)
    record = copy.folder / "record.json"
    original = record.read_bytes()
    record.write_bytes(original[: len(original) // 2])
    assert _refused(copy.replay(str(copy.folder))) == "replay-record-damaged"
    record.write_bytes(original)
    verdict = copy.folder / "verdict.json"
    verdict.write_text(verdict.read_text().replace('"schema":2', '"schema":99'))
    assert _refused(copy.replay(str(copy.folder))) == "replay-record-unknown-version"
    verdict.unlink()
    assert _refused(copy.replay(str(copy.folder))) == "replay-record-missing"
    assert _refused(copy.replay("no-such-run")) == "replay-run-not-found"
    # A run folder moved out of its state folder is not read from somewhere else.
    moved = tmp_path / "elsewhere" / copy.run_id
    shutil.copytree(copy.folder, moved)
    assert _refused(copy.replay(str(moved))) == "replay-run-not-found"
    code = main(["replay", "no-such-run", "--config", str(copy.world.config)])
    assert code == 2
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "replay-run-not-found"

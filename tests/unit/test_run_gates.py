"""`run_gates` orchestration with fakes: order, environment, refusal, side-effect attribution."""

from __future__ import annotations

from pathlib import Path

import pytest
from returns.result import Result

from domain.gates.project import ProjectFacts
from domain.gates.run import GateRunReport
from domain.gates.select import CHECK_FILES_GATE, GatePlan, PlannedGate
from entrypoints.api.gates.run import GateApiError, run_gates
from ports.process import ProcessRequest, ProcessResult
from tests.fakes.files import FakeFileReader
from tests.fakes.process import Behaviour, FakeProcessRunner, exits
from tests.fakes.worktree import FakeSnapshotter, FakeWorktree

FACTS = ProjectFacts()  # not a uv project: preparation leaves these argvs as they are
PARENT = {"PATH": "/usr/bin", "HOME": "/home/dev", "GITHUB_TOKEN": "ghp_x", "OPENAI_API_KEY": "k"}


class Rig:
    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self.tree = FakeWorktree()
        self.snapshotter = FakeSnapshotter({self.root: self.tree})
        self.runner = FakeProcessRunner()
        self.files = FakeFileReader({})

    def run(
        self, *gates: tuple[str, ...], timeout_s: float = 60.0, env_dir: str | None = None
    ) -> Result[GateRunReport, GateApiError]:
        planned = tuple(PlannedGate(name=g[0] if g else "empty", argv=g, covers=()) for g in gates)
        return run_gates(
            self.root,
            GatePlan(gates=planned),
            facts=FACTS,
            timeout_s=timeout_s,
            parent_env=PARENT,
            env_dir=env_dir,
            runner=self.runner,
            snapshotter=self.snapshotter,
            files=self.files,
        )

    def report(self, *gates: tuple[str, ...]) -> GateRunReport:
        return self.run(*gates).unwrap()


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path)


def ok(request: ProcessRequest) -> ProcessResult:
    return exits(0, stdout="fine\n")


def writes(tree: FakeWorktree, path: str) -> Behaviour:
    def behaviour(request: ProcessRequest) -> ProcessResult:
        tree.files[path] = b"by-product"
        return exits(0)

    return behaviour


def test_gates_run_in_plan_order_in_the_repository(rig: Rig) -> None:
    rig.runner.behaviours = {"first": ok, "second": ok}
    report = rig.report(("first",), ("second", "-x"))
    assert [r.argv for r in rig.runner.requests] == [("first",), ("second", "-x")]
    assert {r.cwd for r in rig.runner.requests} == {rig.root}
    assert report.verdict == "passed"
    assert [g.status for g in report.gates] == ["passed", "passed"]


def test_gates_get_the_allowlisted_environment_and_the_timeout(rig: Rig) -> None:
    rig.runner.behaviours = {"gate": ok}
    report = rig.run(("gate",), timeout_s=12.5).unwrap()
    request = rig.runner.requests[0]
    assert "GITHUB_TOKEN" not in request.env
    assert "OPENAI_API_KEY" not in request.env
    assert request.env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert request.env["UV_PROJECT_ENVIRONMENT"] == report.environment
    assert request.env["UV_PROJECT_ENVIRONMENT"].startswith("/home/dev/.cache/engineering-loop/")
    assert request.timeout_s == 12.5


def test_a_failing_gate_fails_the_run(rig: Rig) -> None:
    rig.runner.behaviours = {"bad": lambda request: exits(2, stderr="E1")}
    report = rig.report(("bad",))
    assert (report.verdict, report.gates[0].status, report.gates[0].exit_code) == (
        "failed",
        "failed",
        2,
    )
    assert report.gates[0].stderr == "E1"


def test_a_missing_program_is_not_found_and_fails(rig: Rig) -> None:
    report = rig.report(("no-such-tool",))
    assert (report.verdict, report.gates[0].status, report.gates[0].exit_code) == (
        "failed",
        "not-found",
        127,
    )


def test_a_side_effect_is_charged_to_the_gate_that_made_it(rig: Rig) -> None:
    rig.tree.files["agent.py"] = b"the agent's change"
    rig.runner.behaviours = {"clean": ok, "dirty": writes(rig.tree, "cache/x"), "after": ok}
    report = rig.report(("clean",), ("dirty",), ("after",))
    assert [g.side_effects for g in report.gates] == [(), ("cache/x",), ()]
    assert report.side_effects == ("cache/x",)
    assert report.verdict == "failed"
    assert report.gates[1].status == "passed"


def test_pre_existing_changes_are_not_side_effects(rig: Rig) -> None:
    rig.tree.committed = {"a.py": b"old"}
    rig.tree.files = {"a.py": b"agent edit", "new.py": b"agent file"}
    rig.runner.behaviours = {"gate": ok}
    assert rig.report(("gate",)).side_effects == ()


def test_one_refused_gate_means_no_gate_runs(rig: Rig) -> None:
    rig.runner.behaviours = {"gate": writes(rig.tree, "ran")}
    report = rig.report(("gate",), ())
    assert report.verdict == "refused"
    assert [(r.name, r.code) for r in report.refusals] == [("empty", "empty-command")]
    assert rig.runner.requests == []
    assert rig.snapshotter.calls == 0
    assert report.gates == ()


def test_an_unreadable_worktree_before_running_is_an_error_and_nothing_runs(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.snapshotter.worktrees.clear()
    rig.runner.behaviours = {"gate": ok}
    assert rig.run(("gate",)).failure().code == "snapshot-unreadable"
    assert rig.runner.requests == []


def test_a_gate_that_breaks_the_worktree_touched_everything_and_stops_the_run(rig: Rig) -> None:
    def destroy(request: ProcessRequest) -> ProcessResult:
        rig.snapshotter.worktrees.clear()
        return exits(0)

    rig.runner.behaviours = {"destroy": destroy, "next": ok}
    report = rig.report(("destroy",), ("next",))
    assert [g.name for g in report.gates] == ["destroy"]
    assert report.side_effects == (".",)
    assert report.verdict == "failed"


def test_a_missing_repository_is_repo_not_found(tmp_path: Path) -> None:
    rig = Rig(tmp_path / "missing")
    assert rig.run(("gate",)).failure().code == "repo-not-found"


def test_an_environment_inside_the_worktree_is_refused_before_anything_runs(rig: Rig) -> None:
    rig.runner.behaviours = {"gate": ok}
    error = rig.run(("gate",), env_dir=rig.root + "/.venv").failure()
    assert error.code == "gate-env-inside-worktree"
    assert rig.runner.requests == []


def test_the_worktree_is_snapshotted_before_and_after_each_external_gate(rig: Rig) -> None:
    rig.runner.behaviours = {"a": ok, "b": ok}
    rig.report((*CHECK_FILES_GATE, "x.md"), ("a",), ("b",))
    assert rig.snapshotter.calls == 3


def test_check_files_runs_in_process_and_reports_each_file(rig: Rig) -> None:
    rig.files.files = {f"{rig.root}/ok.py": b"x = 1\n", f"{rig.root}/bad.json": b"{"}
    report = rig.report((*CHECK_FILES_GATE, "ok.py", "bad.json", "gone.md"))
    gate = report.gates[0]
    assert rig.runner.requests == []
    assert (gate.status, gate.exit_code, report.verdict) == ("failed", 1, "failed")
    assert '"code":"json-invalid"' in gate.stdout
    assert '"code":"file-deleted"' in gate.stdout


def test_prepare_keeps_its_first_name_for_existing_callers() -> None:
    from entrypoints.api.gates import run as gates

    assert gates.prepare is gates.prepare_gates


@pytest.mark.parametrize("timeout_s", [0.0, -1.0, float("inf"), float("nan")])
def test_a_timeout_that_is_not_positive_and_finite_runs_nothing(rig: Rig, timeout_s: float) -> None:
    failure = rig.run(("pytest",), timeout_s=timeout_s).failure()
    assert failure.code == "gate-timeout-invalid"
    assert rig.runner.requests == []

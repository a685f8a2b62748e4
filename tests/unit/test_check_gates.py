"""`check`'s gate stage runs exactly the prepared plan the policy judged, never a new one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from domain.changes.change_set import FileChange
from domain.gates.project import ProjectFiles
from domain.gates.run import PreparedPlan, prepare_plan_with
from domain.gates.select import GatePlan
from entrypoints.api.check.gates import ApiGateStage
from entrypoints.api.check.run import GateOutcome, PlannedGates
from entrypoints.api.gates import run as gates_api
from ports.process import ProcessRequest, ProcessResult
from tests.fake_project_files import FakeProjectFilesReader
from tests.fakes.checkout import FakeCheckout
from tests.fakes.files import FakeFileReader
from tests.fakes.process import FakeProcessRunner, exits
from tests.fakes.worktree import FakeSnapshotter, FakeWorktree

UV_PROJECT = ProjectFiles(
    pyproject_text='[dependency-groups]\ndev = ["pytest"]\n',
    lockfile_present=True,
    root_entries=("pyproject.toml", "uv.lock", "tests/"),
    test_files_present=True,
)
CHANGE = FileChange(path="tests/test_a.py", kind="added", new_mode=0o100644, size=10)


def ok(request: ProcessRequest) -> ProcessResult:
    return exits(0)


def test_gates_are_prepared_once_and_the_judged_argv_is_what_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    preparations: list[GatePlan] = []

    def counting(plan: GatePlan, prepare: Any) -> PreparedPlan:
        preparations.append(plan)
        return prepare_plan_with(plan, prepare)

    monkeypatch.setattr(gates_api, "prepare_plan_with", counting)
    root = str(tmp_path)
    reader = FakeProjectFilesReader({root: UV_PROJECT})
    runner = FakeProcessRunner()
    stage = ApiGateStage(
        reader=reader,
        runner=runner,
        snapshotter=FakeSnapshotter({root: FakeWorktree()}),
        files=FakeFileReader({}),
    )

    async def plan_then_run() -> tuple[PlannedGates, GateOutcome]:
        planned = await stage.plan(root, [CHANGE])
        # Between judging and running, the project reads differently (as if rewritten): a
        # second preparation would now run something the policy never saw.
        reader.projects[root] = ProjectFiles(root_entries=("tests/",), test_files_present=True)
        runner.behaviours = dict.fromkeys(("uv", "pytest", "python", "python3"), ok)
        return planned, await stage.run(root, planned)

    reads_before = len(reader.reads)
    planned, outcome = anyio.run(plan_then_run)
    judged = [
        g.executed for g in planned.gates if g.executed and g.executed[0] != "engineering-loop"
    ]
    assert [argv[0] for argv in judged] == ["uv"]
    assert [r.argv for r in runner.requests] == judged
    assert len(reader.reads) == reads_before + 1  # planning read the project once; running never
    assert len(preparations) == 1
    assert [r.status for r in outcome.results if r.name != "check-files"] == ["passed"]


def test_gate_traces_are_judged_with_the_ignore_rules_of_the_checks_base(tmp_path: Path) -> None:
    root = str(tmp_path)
    tree = FakeWorktree()
    tree.ignored.append("*.log")
    base = tree.commit()
    tree.ignored.append("trace.txt")  # the agent's own commit ignores what its test writes
    tree.commit()

    def writes_trace(request: ProcessRequest) -> ProcessResult:
        tree.files["tests/trace.txt"] = b"x"
        return exits(0)

    snapshotter = FakeSnapshotter({root: tree})
    stage = ApiGateStage(
        reader=FakeProjectFilesReader({root: UV_PROJECT}),
        runner=FakeProcessRunner(dict.fromkeys(("uv", "pytest"), writes_trace)),
        snapshotter=snapshotter,
        files=FakeFileReader({}),
    )

    async def plan_then_run() -> GateOutcome:
        return await stage.run(root, await stage.plan(root, [CHANGE]), base=base)

    outcome = anyio.run(plan_then_run)
    assert outcome.side_effects == ("tests/trace.txt",)
    assert set(snapshotter.bases) == {base}


def test_gates_run_in_the_checkout_of_the_candidate_tree_and_its_traces_count(
    tmp_path: Path,
) -> None:
    root = str(tmp_path / "repo")
    (tmp_path / "repo").mkdir()
    (tmp_path / "checkout").mkdir()
    snapshotter = FakeSnapshotter({root: FakeWorktree()})
    files = {"tests/test_a.py": b"def test_a(): pass\n"}
    checkout = FakeCheckout({"tree-1": files}, snapshotter, str(tmp_path / "checkout"))

    def writes_trace(request: ProcessRequest) -> ProcessResult:
        checkout.folders[request.cwd].files["tests/trace.txt"] = b"x"
        return exits(0)

    runner = FakeProcessRunner(dict.fromkeys(("uv", "pytest"), writes_trace))
    stage = ApiGateStage(
        reader=FakeProjectFilesReader({root: UV_PROJECT}),
        runner=runner,
        snapshotter=snapshotter,
        files=FakeFileReader({}),
        checkout=checkout,
    )

    async def plan_then_run() -> GateOutcome:
        return await stage.run(root, await stage.plan(root, [CHANGE]), base="b", tree="tree-1")

    outcome = anyio.run(plan_then_run)
    assert {r.cwd for r in runner.requests} == {str(tmp_path / "checkout")}
    assert outcome.side_effects == ("tests/trace.txt",)
    assert set(snapshotter.bases) == {None}  # a plain folder: no ignore rules at all


def test_a_checkout_that_fails_is_a_gate_error_and_nothing_runs(tmp_path: Path) -> None:
    root = str(tmp_path)
    snapshotter = FakeSnapshotter({root: FakeWorktree()})
    runner = FakeProcessRunner(dict.fromkeys(("uv", "pytest"), ok))
    stage = ApiGateStage(
        reader=FakeProjectFilesReader({root: UV_PROJECT}),
        runner=runner,
        snapshotter=snapshotter,
        files=FakeFileReader({}),
        checkout=FakeCheckout({}, snapshotter, str(tmp_path)),
    )

    async def plan_then_run() -> GateOutcome:
        return await stage.run(root, await stage.plan(root, [CHANGE]), tree="missing")

    outcome = anyio.run(plan_then_run)
    assert [(r.name, r.status) for r in outcome.results] == [("(checkout)", "error")]
    assert "checkout-unreadable" in outcome.results[0].detail
    assert runner.requests == []

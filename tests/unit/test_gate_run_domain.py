"""The pure half of running gates: preparing a plan, a gate's status, the run's verdict."""

from __future__ import annotations

from domain.gates.project import ProjectFacts
from domain.gates.run import (
    GateRefusal,
    GateResult,
    builtin_paths,
    gate_status,
    is_builtin_check_files,
    prepare_plan,
    run_verdict,
    single_gate_plan,
)
from domain.gates.select import GatePlan, PlannedGate

UV_DEV = ProjectFacts(has_pyproject=True, has_lockfile=True, dev_group=True)


def planned(name: str, *argv: str) -> PlannedGate:
    return PlannedGate(name=name, argv=argv, covers=())


def result(status: str = "passed", side_effects: tuple[str, ...] = ()) -> GateResult:
    return GateResult(
        name="g",
        declared=("g",),
        executed=("g",),
        status=gate_status("exited", 0 if status == "passed" else 1),
        exit_code=0,
        duration_s=0.0,
        side_effects=side_effects,
    )


def test_prepare_plan_rewrites_python_gates_and_keeps_names() -> None:
    plan = GatePlan(gates=(planned("ruff", "ruff", "check", "--no-cache", "a.py"),))
    ready = prepare_plan(plan, UV_DEV).ready
    assert [(g.name, g.executed[:5]) for g in ready] == [
        ("ruff", ("uv", "run", "--locked", "--group", "dev"))
    ]
    assert ready[0].declared == ("ruff", "check", "--no-cache", "a.py")
    assert ready[0].rewrites


def test_prepare_plan_collects_every_refusal_not_just_the_first() -> None:
    plan = GatePlan(
        gates=(
            planned("ok", "pytest"),
            planned("no-dev", "uv", "run", "--no-dev", "pytest"),
            planned("empty"),
        )
    )
    prepared = prepare_plan(plan, UV_DEV)
    assert [(r.name, r.code) for r in prepared.refusals] == [
        ("no-dev", "dev-dependencies-excluded"),
        ("empty", "empty-command"),
    ]
    assert [g.name for g in prepared.ready] == ["ok"]


def test_prepare_plan_asks_for_the_facts_of_a_named_project_directory() -> None:
    asked: list[str] = []

    def facts_for(directory: str) -> ProjectFacts | None:
        asked.append(directory)
        return UV_DEV

    plan = GatePlan(gates=(planned("p", "uv", "run", "--directory", "svc", "pytest"),))
    assert not prepare_plan(plan, ProjectFacts(), facts_for=facts_for).refusals
    assert asked == ["svc"]


def test_the_check_files_plan_stays_builtin_after_preparation() -> None:
    plan = GatePlan(gates=(planned("check-files", "engineering-loop", "gate", "check-files", "a"),))
    ready = prepare_plan(plan, UV_DEV).ready[0]
    assert is_builtin_check_files(ready.executed)
    assert builtin_paths(ready.executed) == ("a",)


def test_gate_status_maps_every_process_status() -> None:
    assert [
        gate_status(s, c)
        for s, c in [
            ("exited", 0),
            ("exited", 5),
            ("timed-out", None),
            ("not-found", 127),
            ("not-executable", 126),
            ("stopped", None),
        ]
    ] == ["passed", "failed", "timed-out", "not-found", "not-executable", "error"]


def test_a_passing_gate_with_a_side_effect_fails_the_run() -> None:
    assert run_verdict([result(), result(side_effects=("x",))], []) == "failed"
    assert run_verdict([result(), result()], []) == "passed"
    assert run_verdict([result("failed")], []) == "failed"


def test_any_refusal_makes_the_run_refused() -> None:
    refusal = GateRefusal(name="g", declared=(), code="empty-command", message="m")
    assert run_verdict([], [refusal]) == "refused"


def test_single_gate_plan_names_the_gate_by_its_program() -> None:
    assert single_gate_plan(["/usr/bin/python3", "-c", "1"]).gates[0].name == "python3"
    assert single_gate_plan([]).gates[0].name == "empty"

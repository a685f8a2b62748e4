"""Declared gates: the `[gates]` section, its per-repository lookup, the plan, CLI and check."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from domain.changes.change_set import FileChange
from domain.config import parse_config
from domain.gates.declared import DeclaredGate, declared_gates_for, declared_plan, plan_gates
from domain.gates.project import ProjectFacts, ProjectFiles
from domain.gates.run import prepare_plan
from domain.gates.select import ChangedFile
from domain.policy.evaluate import PolicyConfig
from entrypoints.api.check.gates import ApiGateStage
from entrypoints.api.check.run import GateOutcome, RepoTarget, check_repos, load_check_config
from entrypoints.cli.main import main
from tests.fake_project_files import FakeProjectFilesReader
from tests.fakes.changes import FakeChangeCollector, FakeRepository, FakeUpstreamReader
from tests.fakes.files import FakeFileReader
from tests.fakes.gate_stage import FakeGateStage
from tests.fakes.process import FakeProcessRunner, exits
from tests.fakes.worktree import FakeSnapshotter, FakeWorktree

CONFIG = """\
[gates]
timeout_s = 300
[[gates.commands]]
argv = ["pytest", "-q"]
[[gates.commands]]
argv = ["ruff", "check", "."]
timeout_s = 120
[[gates.repos."acme/api".commands]]
argv = ["make", "check"]
[gates.repos.quiet]
commands = []
"""
DEV = ProjectFacts(
    has_pyproject=True, has_lockfile=True, dev_group=True, dev_packages=("pytest", "ruff")
)


def gates(names: tuple[str, ...]) -> tuple[DeclaredGate, ...]:
    return declared_gates_for(parse_config(CONFIG).unwrap().gates, names)


def test_commands_take_the_section_timeout_unless_they_give_their_own() -> None:
    assert gates(("other",)) == (
        DeclaredGate(argv=("pytest", "-q"), timeout_s=300.0),
        DeclaredGate(argv=("ruff", "check", "."), timeout_s=120.0),
    )


def test_a_repository_table_replaces_the_commands_by_its_first_name() -> None:
    assert gates(("acme/api", "checkout")) == (DeclaredGate(argv=("make", "check"), timeout_s=300),)
    assert gates(("elsewhere", "quiet")) == ()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[gates]\ntimeot_s = 3\n", "timeot_s"),
        ("[[gates.commands]]\nargv = []\n", "argv"),
        ('[[gates.commands]]\nargv = ["x"]\nshell = true\n', "shell"),
        ('[[gates.commands]]\nargv = ["x"]\ntimeout_s = nan\n', "timeout_s"),
        ('[[gates.commands]]\nargv = ["x"]\ntimeout_s = 0\n', "timeout_s"),
        ('[[gates.commands]]\nargv = "make check"\n', "argv"),
        ('[[gates.repos."a/b".commands]]\nargs = ["x"]\n', "args"),
    ],
)
def test_bad_gates_configuration_is_an_error_naming_the_key(text: str, key: str) -> None:
    error = parse_config(text).failure()
    assert error.code == "config-invalid"
    assert key in error.message


def test_declared_plan_runs_check_files_then_every_gate_in_order() -> None:
    declared = (
        DeclaredGate(argv=("pytest",), timeout_s=5),
        DeclaredGate(argv=("/usr/bin/pytest", "-x"), timeout_s=6),
    )
    changes = [ChangedFile(path="pkg/a.py"), ChangedFile(path="logo.png"), ChangedFile(path="../x")]
    plan = declared_plan(changes, declared)
    assert [(g.name, g.origin, g.timeout_s) for g in plan.gates] == [
        ("check-files", "selected", None),
        ("pytest", "declared", 5),
        ("pytest#2", "declared", 6),
    ]
    assert plan.gates[1].covers == ("logo.png", "pkg/a.py")
    assert plan.unverified == ("../x",)


def test_declared_gates_replace_selection_and_are_prepared_by_the_same_rules() -> None:
    plan = plan_gates(
        [ChangedFile(path="a.py")], DEV, (DeclaredGate(argv=("pytest",), timeout_s=9),)
    )
    ready = prepare_plan(plan, DEV).ready
    assert [(g.name, g.executed, g.timeout_s) for g in ready[1:]] == [
        ("pytest", ("uv", "run", "--locked", "--group", "dev", "pytest"), 9)
    ]


def test_gate_select_reports_declared_gates_for_the_named_repository(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "engineering-loop.toml").write_text(CONFIG)
    repo = tmp_path / "api"
    repo.mkdir()
    (repo / "a.py").write_text("x = 1\n")
    argv = [
        "gate",
        "select",
        "--repo",
        str(repo),
        "--config",
        str(tmp_path / "engineering-loop.toml"),
    ]
    assert main([*argv, "--repo-name", "acme/api", "a.py"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(g["name"], g["origin"]) for g in out["gates"]] == [
        ("check-files", "selected"),
        ("make", "declared"),
    ]
    assert out["unverified"] == []
    assert main([*argv, "a.py"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [g["argv"] for g in out["gates"][1:]] == [["pytest", "-q"], ["ruff", "check", "."]]


def test_gate_select_without_config_reports_selected_origins(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "a.md").write_text("x\n")
    assert main(["gate", "select", "--repo", str(tmp_path), "a.md"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["gates"] == [
        {
            "name": "check-files",
            "argv": [*out["gates"][0]["argv"]],
            "covers": ["a.md"],
            "origin": "selected",
        }
    ]


def test_repo_name_without_config_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["gate", "select", "--repo", str(tmp_path), "--repo-name", "a/b"]) == 2
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "usage-error"


def test_check_passes_a_repositorys_declared_gates_to_its_stage() -> None:
    repo = FakeRepository({"src/a.py": b"a = 1\n"})
    repo.worktree["src/a.py"] = b"a = 2\n"
    repos = {"/w/api": repo, "/w/web": FakeRepository({"src/a.py": b"a = 1\n"})}
    stage = FakeGateStage()
    config = parse_config(CONFIG).unwrap()

    async def run() -> None:
        await check_repos(
            [RepoTarget(path="/w/api", name="acme/api"), "/w/web"],
            PolicyConfig(allowed_paths=("src/",)),
            collector=FakeChangeCollector(repos),
            upstreams=FakeUpstreamReader(repos),
            stage=stage,
            gates=config.gates,
        )

    anyio.run(run)
    assert stage.declared == [
        ("/w/api", (DeclaredGate(argv=("make", "check"), timeout_s=300),)),
        ("/w/web", (gates(("web",)))),
    ]


def test_the_api_stage_runs_declared_gates_in_order_with_their_own_timeouts(
    tmp_path: Path,
) -> None:
    root = str(tmp_path)
    project = ProjectFiles(
        pyproject_text='[dependency-groups]\ntest = ["pytest"]\n', lockfile_present=True
    )
    runner = FakeProcessRunner({"uv": lambda request: exits(0), "make": lambda request: exits(1)})
    stage = ApiGateStage(
        timeout_s=50,
        reader=FakeProjectFilesReader({root: project}),
        runner=runner,
        snapshotter=FakeSnapshotter({root: FakeWorktree()}),
        files=FakeFileReader({}),
    )
    declared = (
        DeclaredGate(argv=("make", "check"), timeout_s=7),
        DeclaredGate(argv=("pytest", "-q"), timeout_s=8),
    )
    change = FileChange(path="a.py", kind="added", new_mode=0o100644, size=1)

    async def plan_and_run() -> GateOutcome:
        planned = await stage.plan(root, [change], declared=declared)
        assert [g.executed for g in planned.gates[1:]] == [
            ("make", "check"),
            ("uv", "run", "--locked", "--group", "test", "pytest", "-q"),
        ]
        assert planned.unverified == ()
        return await stage.run(root, planned)

    outcome = anyio.run(plan_and_run)
    assert [(r.name, r.status) for r in outcome.results] == [
        ("check-files", "passed"),
        ("make", "failed"),
        ("pytest", "passed"),
    ]
    assert [(r.argv[0], r.timeout_s) for r in runner.requests] == [("make", 7), ("uv", 8)]


def test_check_reads_the_gates_section_beside_the_policy(tmp_path: Path) -> None:
    path = tmp_path / "engineering-loop.toml"
    path.write_text("[policy]\n" + CONFIG)
    config = load_check_config(str(path)).unwrap()
    assert declared_gates_for(config.gates, ("acme/api",))[0].argv == ("make", "check")

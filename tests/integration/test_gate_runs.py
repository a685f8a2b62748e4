"""Real gates (uv, pytest, ruff, mypy) in a real uv project: they pass and leave no trace."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from domain.gates.run import GateRunReport
from entrypoints.api.gates.run import run_gate, run_gates, select_for_paths
from entrypoints.cli.main import main
from tests.integration.conftest import gate_parent_env, git

pytestmark = pytest.mark.integration


def every_path(root: Path) -> set[str]:
    """Every file and directory below root except .git, ignored or not."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in dirnames + filenames:
            found.add(os.path.relpath(os.path.join(dirpath, name), root))
    return found


def run(repo: Path, argv: list[str], env_dir: str, **env: str) -> GateRunReport:
    return run_gate(
        str(repo), argv, parent_env={**gate_parent_env(), **env}, env_dir=env_dir, timeout_s=120
    ).unwrap()


def test_selected_real_gates_pass_and_leave_no_trace(example_repo: Path, uv_env_dir: str) -> None:
    source = example_repo / "src" / "demo" / "__init__.py"
    source.write_text(
        source.read_text() + "\n\ndef doubled(value: int) -> int:\n    return 2 * value\n"
    )
    (example_repo / "tests" / "test_doubled.py").write_text(
        "from demo import doubled\n\n\ndef test_doubled() -> None:\n    assert doubled(2) == 4\n"
    )
    changed = ["src/demo/__init__.py", "tests/test_doubled.py"]
    status_before = git(example_repo, "status", "--porcelain", "--ignored", "-uall")
    paths_before = every_path(example_repo)

    plan = select_for_paths(str(example_repo), changed).unwrap()
    report = run_gates(
        str(example_repo), plan, parent_env=gate_parent_env(), env_dir=uv_env_dir, timeout_s=120
    ).unwrap()

    assert [(g.name, g.status) for g in report.gates] == [
        ("check-files", "passed"),
        ("pytest", "passed"),
        ("ruff", "passed"),
        ("mypy", "passed"),
    ], [g.stdout + g.stderr for g in report.gates]
    assert report.gates[1].executed[:3] == ("uv", "run", "--locked")
    assert (report.verdict, report.side_effects, report.snapshot_mode) == (
        "passed",
        (),
        "git-status",
    )
    # Real git, ignored files included, and a full walk agree: nothing was written.
    assert git(example_repo, "status", "--porcelain", "--ignored", "-uall") == status_before
    assert every_path(example_repo) == paths_before


def test_a_type_error_fails_mypy_without_side_effects(example_repo: Path, uv_env_dir: str) -> None:
    (example_repo / "src" / "demo" / "broken.py").write_text("x: int = 'text'\n")
    plan = select_for_paths(str(example_repo), ["src/demo/broken.py"]).unwrap()
    report = run_gates(
        str(example_repo), plan, parent_env=gate_parent_env(), env_dir=uv_env_dir, timeout_s=120
    ).unwrap()
    statuses = {g.name: g.status for g in report.gates}
    assert statuses["mypy"] == "failed"
    assert "Incompatible types" in next(g.stdout for g in report.gates if g.name == "mypy")
    assert (report.verdict, report.side_effects) == ("failed", ())


def test_a_gate_that_writes_a_file_is_caught(example_repo: Path, uv_env_dir: str) -> None:
    report = run(example_repo, [sys.executable, "-c", "open('by-product.txt', 'w')"], uv_env_dir)
    assert report.gates[0].status == "passed"
    assert (report.verdict, report.side_effects) == ("failed", ("by-product.txt",))


def test_a_gate_that_edits_a_tracked_file_is_caught(example_repo: Path, uv_env_dir: str) -> None:
    script = "open('README.md', 'a').write('more')"
    report = run(example_repo, [sys.executable, "-c", script], uv_env_dir)
    assert report.side_effects == ("README.md",)


def test_compileall_bytecode_is_caught(example_repo: Path, uv_env_dir: str) -> None:
    # compileall writes bytecode whatever PYTHONDONTWRITEBYTECODE says; with the gate's
    # PYTHONPYCACHEPREFIX it lands beside the uv environment, not in the worktree.
    report = run(example_repo, [sys.executable, "-m", "compileall", "-q", "src"], uv_env_dir)
    assert report.verdict == "passed"
    assert report.side_effects == ()
    prefix = Path(uv_env_dir.rstrip("/") + ".no-pycache")
    assert list(prefix.rglob("*.pyc"))
    # A gate that writes bytecode into the worktree itself is still caught.
    script = "import py_compile; py_compile.compile('src/demo/__init__.py', cfile='src/demo/x.pyc')"
    caught = run(example_repo, [sys.executable, "-c", script], uv_env_dir)
    assert caught.verdict == "failed"
    assert caught.side_effects == ("src/demo/x.pyc",)


def test_the_gate_never_sees_the_callers_tokens(example_repo: Path, uv_env_dir: str) -> None:
    script = (
        "import json, os, sys; print(json.dumps({'env': dict(os.environ), 'prefix': sys.prefix}))"
    )
    report = run(
        example_repo,
        ["uv", "run", "python", "-c", script],
        uv_env_dir,
        GITHUB_TOKEN="ghp_secret",
        GH_TOKEN="secret",
        ANTHROPIC_API_KEY="key",
        VIRTUAL_ENV="/somewhere/else",
    )
    seen = json.loads(report.gates[0].stdout)
    assert report.gates[0].executed[:3] == ("uv", "run", "--locked")
    assert not {"GITHUB_TOKEN", "GH_TOKEN", "ANTHROPIC_API_KEY"} & set(seen["env"])
    assert seen["env"]["PYTHONDONTWRITEBYTECODE"] == "1"
    # uv synced into the environment outside the worktree and ran the code there.
    assert os.path.realpath(seen["prefix"]) == os.path.realpath(uv_env_dir)
    assert report.side_effects == ()


def test_a_gate_past_its_timeout_is_killed(example_repo: Path, uv_env_dir: str) -> None:
    report = run_gate(
        str(example_repo),
        [sys.executable, "-c", "import time; time.sleep(60)"],
        parent_env=gate_parent_env(),
        env_dir=uv_env_dir,
        timeout_s=0.5,
    ).unwrap()
    assert (report.verdict, report.gates[0].status) == ("failed", "timed-out")
    assert report.gates[0].duration_s < 30


def test_a_directory_that_is_no_repository_is_proven_clean_by_walking(
    example_dir: Path, uv_env_dir: str
) -> None:
    report = run(example_dir, ["pytest", "-q"], uv_env_dir)
    assert (report.verdict, report.snapshot_mode, report.side_effects) == (
        "passed",
        "all-files",
        (),
    )


def test_a_byproduct_in_a_plain_directory_is_caught_even_where_git_would_ignore_it(
    example_dir: Path, uv_env_dir: str
) -> None:
    script = "import os; os.makedirs('.venv'); open('.venv/x', 'w')"
    report = run(example_dir, [sys.executable, "-c", script], uv_env_dir)
    assert report.side_effects == (".venv/x",)


def test_gate_run_executes_exactly_what_gate_prepare_prints(
    example_dir: Path, uv_env_dir: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["uv", "run", "--directory", ".", "-q", "python", "-m", "pytest", "-q"]
    assert main(["gate", "prepare", "--repo", str(example_dir), "--", *argv]) == 0
    prepared = json.loads(capsys.readouterr().out)
    report = run(example_dir, argv, uv_env_dir)
    assert report.gates[0].executed == tuple(prepared["executed"])
    assert report.verdict == "passed"


def test_a_gate_that_commits_its_by_product_is_caught(example_repo: Path, uv_env_dir: str) -> None:
    script = (
        "echo x > hidden.txt && git add hidden.txt && "
        "git -c user.name=g -c user.email=g@example.com commit -q -m sneak"
    )
    report = run(example_repo, ["sh", "-c", script], uv_env_dir)
    assert report.gates[0].status == "passed", report.gates[0].stderr
    assert git(example_repo, "status", "--porcelain") == ""
    assert (report.verdict, report.side_effects) == ("failed", (".git/HEAD",))

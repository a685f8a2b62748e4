"""`engineering-loop gate select | run | check-files` in-process: JSON out, exit codes, help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from entrypoints.cli.main import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_check_files_passes_well_formed_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.py").write_text("x = 1\n")
    Path("c.toml").write_text("a = 1\n")
    code, out = run_cli(capsys, "gate", "check-files", "a.py", "c.toml", "deleted.md")
    assert code == 0
    assert out["ok"] is True
    assert [f["status"] for f in out["files"]] == ["ok", "ok", "skipped"]


def test_check_files_fails_with_exit_1_and_names_the_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.py").write_text("def f(:\n")
    code, out = run_cli(capsys, "gate", "check-files", "bad.py")
    assert (code, out["ok"], out["files"][0]["code"]) == (1, False, "python-syntax-error")
    assert not Path("__pycache__").exists()


def test_check_files_reports_a_directory_as_unreadable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("pkg").mkdir()
    code, out = run_cli(capsys, "gate", "check-files", "pkg")
    assert (code, out["files"][0]["code"]) == (1, "file-unreadable")


def test_check_files_accepts_paths_after_double_dash(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("-odd.py").write_text("x = 1\n")
    code, out = run_cli(capsys, "gate", "check-files", "--", "-odd.py")
    assert (code, out["files"][0]["path"]) == (0, "-odd.py")


def test_select_prints_the_plan_with_deleted_and_binary_paths(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text('[dependency-groups]\ndev = ["pytest"]\n')
    (tmp_path / "uv.lock").write_text("version = 1\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "blob.dat").write_bytes(b"\x00\x01")
    code, out = run_cli(
        capsys,
        "gate",
        "select",
        "--repo",
        str(tmp_path),
        "a.py",
        "blob.dat",
        "gone.py",
        str(tmp_path / "pyproject.toml"),
    )
    assert code == 0
    gates = {g["name"]: g for g in out["gates"]}
    assert gates["check-files"]["argv"][3:] == ["a.py", "pyproject.toml"]
    assert gates["pytest"]["covers"] == ["a.py", "gone.py"]
    assert out["unverified"] == ["blob.dat"]


def test_select_normalises_dot_segments_but_keeps_escapes_unverified(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    code, out = run_cli(capsys, "gate", "select", "--repo", str(tmp_path), "./a.py", "../b.md")
    assert code == 0
    assert out["gates"][0]["covers"] == ["a.py"]
    # No gate checks Python in a plain directory: check-files alone never verifies a.py.
    assert out["unverified"] == ["../b.md", "a.py"]


def test_select_on_a_missing_repository_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out = run_cli(capsys, "gate", "select", "--repo", str(tmp_path / "nope"), "a.py")
    assert (code, out["error"]["code"]) == (2, "repo-not-found")


def test_select_on_an_unparsable_pyproject_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\n")
    code, out = run_cli(capsys, "gate", "select", "--repo", str(tmp_path), "a.py")
    assert (code, out["error"]["code"]) == (2, "pyproject-unreadable")


def test_run_without_a_gate_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out = run_cli(capsys, "gate", "run", "--repo", str(tmp_path), "--")
    assert (code, out["error"]["code"]) == (2, "usage-error")


@pytest.mark.parametrize("timeout", ["0", "-3", "nan", "inf", "-inf", "soon"])
def test_run_rejects_a_bad_timeout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, timeout: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["gate", "run", "--repo", str(tmp_path), "--timeout", timeout, "--", "true"])
    assert exit_info.value.code == 2
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "usage-error"


def test_run_of_a_passing_gate_is_exit_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out = run_cli(
        capsys, "gate", "run", "--repo", str(tmp_path), "--", sys.executable, "-c", "print('hi')"
    )
    assert (code, out["ok"], out["verdict"]) == (0, True, "passed")
    assert out["gates"][0]["stdout"] == "hi\n"


def test_run_of_a_failing_gate_is_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out = run_cli(
        capsys,
        "gate",
        "run",
        "--repo",
        str(tmp_path),
        "--",
        sys.executable,
        "-c",
        "raise SystemExit(4)",
    )
    assert (code, out["ok"], out["gates"][0]["exit_code"]) == (1, False, 4)
    assert out["error"]["code"] == "gate-failed"


def test_run_of_a_gate_with_a_side_effect_is_exit_1_gate_side_effect(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    script = "open('out.txt', 'w').write('x')"
    code, out = run_cli(
        capsys, "gate", "run", "--repo", str(tmp_path), "--", sys.executable, "-c", script
    )
    assert (code, out["error"]["code"], out["side_effects"]) == (1, "gate-side-effect", ["out.txt"])


def test_run_of_a_refused_gate_is_exit_3_and_runs_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text('[dependency-groups]\ndev = ["pytest"]\n')
    (tmp_path / "uv.lock").write_text("version = 1\n")
    code, out = run_cli(
        capsys, "gate", "run", "--repo", str(tmp_path), "--", "uv", "run", "--no-dev", "pytest"
    )
    assert (code, out["verdict"], out["error"]["code"]) == (
        3,
        "refused",
        "dev-dependencies-excluded",
    )
    assert out["gates"] == []


@pytest.mark.parametrize("command", ["select", "run", "check-files"])
def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["gate", command, "--help"])
    assert exit_info.value.code == 0
    assert "Exit codes: 0" in capsys.readouterr().out


def test_the_cli_starts_without_heavy_imports() -> None:
    probe = (
        "import sys; from entrypoints.cli.main import build_parser; build_parser(); "
        "print(sorted(m for m in ('httpx', 'dulwich', 'anyio') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_run_prepares_a_directory_gate_with_that_directorys_facts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sub = tmp_path / "service"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[dependency-groups]\ndev = ["pytest"]\n')
    (sub / "uv.lock").write_text("version = 1\n")
    argv = ["uv", "run", "--directory", "service", "--no-dev", "pytest"]
    code, out = run_cli(capsys, "gate", "run", "--repo", str(tmp_path), "--", *argv)
    assert (code, out["error"]["code"]) == (3, "dev-dependencies-excluded")


def test_run_refuses_a_directory_gate_for_a_missing_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["uv", "run", "--directory", "nowhere", "pytest"]
    code, out = run_cli(capsys, "gate", "run", "--repo", str(tmp_path), "--", *argv)
    assert (code, out["error"]["code"]) == (3, "project-facts-unavailable")


def test_run_takes_the_nearest_project_above_a_directory_without_pyproject(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text('[dependency-groups]\ndev = ["pytest"]\n')
    (tmp_path / "uv.lock").write_text("version = 1\n")
    (tmp_path / "docs").mkdir()
    argv = ["uv", "run", "--directory", "docs", "--no-dev", "pytest"]
    code, out = run_cli(capsys, "gate", "run", "--repo", str(tmp_path), "--", *argv)
    assert (code, out["error"]["code"]) == (3, "dev-dependencies-excluded")

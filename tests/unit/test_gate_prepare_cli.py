"""`engineering-loop gate prepare`, run in-process on a real repository directory."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from entrypoints.cli.main import main

PYPROJECT = '[project]\nname = "demo"\nversion = "0"\n[dependency-groups]\ndev = ["pytest"]\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "uv.lock").write_text("version = 1\n")
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, Any]]]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines()]


def test_prepared_gate_prints_declared_executed_and_rewrites(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, [out] = _run(capsys, "gate", "prepare", "--repo", str(repo), "--", "ruff", "check", ".")
    assert code == 0
    assert out["ok"] is True
    assert out["declared"] == ["ruff", "check", "."]
    assert out["executed"] == ["uv", "run", "--locked", "--group", "dev", "ruff", "check", "."]
    assert [r["rule"] for r in out["rewrites"]] == ["uv-run-wrap", "lock-guard", "dev-group"]


def test_refused_gate_prints_the_error_and_exits_3(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["uv", "run", "--no-dev", "pytest"]
    code, [out] = _run(capsys, "gate", "prepare", "--repo", str(repo), "--", *argv)
    assert code == 3
    assert out == {
        "ok": False,
        "declared": argv,
        "error": {"code": "dev-dependencies-excluded", "message": out["error"]["message"]},
    }


def test_gate_argv_keeps_its_own_double_dash(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["uv", "run", "--", "python", "t.py", "--", "--frozen"]
    code, [out] = _run(capsys, "gate", "prepare", "--repo", str(repo), "--", *argv)
    assert code == 0
    assert out["executed"] == ["uv", "run", "--locked", "--", "python", "t.py", "--", "--frozen"]


def test_missing_repository_is_a_clean_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, [out] = _run(capsys, "gate", "prepare", "--repo", str(tmp_path / "no"), "--", "pytest")
    assert code == 2
    assert out["error"]["code"] == "project-unreadable"


def test_batch_prints_one_object_per_line_and_exits_0(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "gates.jsonl"
    batch.write_text('["pytest", "-q"]\n["uv", "run", "-U", "x"]\n[]\n')
    code, outs = _run(capsys, "gate", "prepare", "--repo", str(repo), "--batch", str(batch))
    assert code == 0
    assert [o["ok"] for o in outs] == [True, False, False]
    assert [o.get("error", {}).get("code") for o in outs] == [
        None,
        "lock-guard-defeated",
        "empty-command",
    ]


def test_batch_reads_stdin(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b'["make", "lint"]\n')))
    code, [out] = _run(capsys, "gate", "prepare", "--repo", str(repo), "--batch", "-")
    assert code == 0
    assert out["executed"] == ["make", "lint"]


@pytest.mark.parametrize(
    "bad", ["{}", "", '["a", 1]', "\xff"], ids=["object", "blank", "int", "bytes"]
)
def test_unreadable_batch_line_is_named_and_exits_2(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    batch = tmp_path / "gates.jsonl"
    batch.write_bytes(b'["pytest"]\n' + bad.encode("latin-1") + b"\n")
    code, outs = _run(capsys, "gate", "prepare", "--repo", str(repo), "--batch", str(batch))
    assert code == 2
    assert outs[0]["ok"] is True
    assert outs[1]["error"]["code"] == "batch-line-unreadable"
    assert outs[1]["line"] == 2
    assert "line 2" in outs[1]["error"]["message"]


def test_missing_batch_file_exits_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, [out] = _run(capsys, "gate", "prepare", "--repo", str(repo), "--batch", "/no/such")
    assert code == 2
    assert out["error"]["code"] == "batch-unreadable"


def test_batch_and_argv_together_are_a_usage_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, [out] = _run(capsys, "gate", "prepare", "--repo", str(repo), "--batch", "-", "--", "x")
    assert code == 2
    assert out["error"]["code"] == "usage-error"


def test_help_explains_the_output_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["gate", "prepare", "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert "exit codes" in text
    assert "--batch" in text

"""The import-linter contracts catch what they promise: each injected violation breaks one.

Each case copies the four packages and `importlinter.ini` into a scratch folder, adds one import
that the design forbids, and runs the real `lint-imports` there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "ports", "adapters", "entrypoints")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONTRACTS = (ROOT / "importlinter.ini").read_text().count("[importlinter:contract:")


def _copy(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "importlinter.ini", tmp_path / "importlinter.ini")
    return tmp_path


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "importlinter.ini"],
        check=False,
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_project_as_it_is_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{CONTRACTS} kept, 0 broken" in result.stdout


INJECTED: tuple[tuple[str, str, str], ...] = (
    ("domain/budget/plan.py", "import os", "The domain is pure"),
    ("domain/budget/plan.py", "import anyio", "The domain is pure"),
    ("domain/budget/plan.py", "import ports.ledger", "Layers"),
    ("ports/ledger.py", "import subprocess", "Ports declare interfaces"),
    ("adapters/sqlite_ledger.py", "import adapters.line_file", "Adapters are independent"),
    ("entrypoints/cli/main.py", "import adapters.line_file", "Only the composition root"),
    ("entrypoints/api/budget.py", "import adapters.sqlite_ledger", "Only the composition root"),
    # A module of entrypoints outside cli/ and api/ is covered too, not only the known ones.
    ("entrypoints/__init__.py", "import adapters.fs_files", "Only the composition root"),
    # Capabilities: a lower one never reaches up, independent ones never reach across.
    ("domain/kernel/locations.py", "import domain.gates.project", "Domain capabilities"),
    ("domain/changes/content.py", "import domain.harness.report", "Domain capabilities"),
    ("domain/budget/plan.py", "import domain.config", "Domain capabilities"),
    ("domain/harness/report.py", "import domain.loop.outcomes", "Domain capabilities"),
    ("domain/loop/outcomes.py", "import domain.config", "Domain capabilities"),
    ("domain/gates/env.py", "import domain.policy.paths", "Budget, gates and policy"),
    ("domain/policy/paths.py", "import domain.budget.money", "Budget, gates and policy"),
    ("domain/changes/content.py", "import domain.text.bounded_lines", "Change lists and"),
    ("entrypoints/api/budget.py", "import entrypoints.cli.output", "The library API never"),
    # The forge's domain is pure and sits below the harness like budget, gates and policy.
    ("domain/forge/retry.py", "import httpx", "The domain is pure"),
    ("domain/forge/values.py", "import domain.harness.report", "Domain capabilities"),
    ("ports/forge.py", "import dulwich", "Ports declare interfaces"),
)


@pytest.mark.parametrize(("module", "line", "contract"), INJECTED)
def test_an_injected_violation_breaks_its_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    root = _copy(tmp_path)
    target = root / module
    target.write_text(target.read_text() + f"\n{line}  # injected\n")
    result = _lint(root)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = [text for text in result.stdout.splitlines() if " BROKEN" in text]
    assert any(contract in text for text in broken), result.stdout


def test_every_contract_has_an_injected_violation() -> None:
    names = {
        line.removeprefix("name = ").split(":")[0]
        for line in (ROOT / "importlinter.ini").read_text().splitlines()
        if line.startswith("name = ")
    }
    injected = {case[2] for case in INJECTED}
    uncovered = [name for name in names if not any(name.startswith(c) for c in injected)]
    assert uncovered == []


def test_a_bare_lint_imports_in_the_project_reads_its_contracts() -> None:
    # `.importlinter` (one of the names lint-imports looks for) is a link to importlinter.ini:
    # one set of contracts, found without naming the file.
    assert os.readlink(ROOT / ".importlinter") == "importlinter.ini"
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{CONTRACTS} kept, 0 broken" in result.stdout

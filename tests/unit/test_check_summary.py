"""The readable verdict: headline first, then per repository what changed, gates and reasons."""

from __future__ import annotations

from domain.changes import ChangeSummary
from domain.policy import Violation
from entrypoints.api.check import CheckReport, GateReport, RepoReport
from entrypoints.cli.summary import render_summary

CHANGE = ChangeSummary(
    path="src/new.py",
    kind="renamed",
    old_path="src/old.py",
    mode="100644",
    type="file",
    symlink_target=None,
    size=3,
    binary=False,
    added_lines=0,
)
GATE = GateReport(
    name="pytest",
    declared=("pytest",),
    executed=("uv", "run", "--locked", "pytest"),
    covers=("src/new.py",),
    status="passed",
    exit_code=0,
)


def repo(violations: tuple[Violation, ...] = ()) -> RepoReport:
    return RepoReport(
        repo="/w/api",
        name="acme/api",
        base="0123456789abcdef",
        changes=(CHANGE,),
        gates=(GATE,),
        violations=violations,
        notices=("1 changed path(s) no gate covers",),
    )


def test_publishable_summary_shows_changes_gates_and_notices() -> None:
    text = render_summary(CheckReport(verdict="publishable", repos=(repo(),)))
    assert text.splitlines()[0] == "PUBLISHABLE: 1 repository verified, no policy violation"
    assert "/w/api (as acme/api, base 0123456789ab): 1 change(s)" in text
    assert "renamed      src/new.py (from src/old.py)" in text
    assert "    executed: uv run --locked pytest" in text
    assert "  note: 1 changed path(s) no gate covers" in text


def test_blocked_summary_counts_and_lists_every_reason() -> None:
    reasons = (
        Violation(code="path-denied", path=".github/workflows/ci.yml", detail="denied"),
        Violation(code="too-many-files", path=None, detail="51 files changed > max_files 50"),
    )
    text = render_summary(CheckReport(verdict="blocked", repos=(repo(reasons), repo())))
    assert text.splitlines()[0] == "BLOCKED: 2 reason(s) in 1 of 2 repositories"
    assert "  BLOCKED path-denied .github/workflows/ci.yml: denied" in text
    assert "  BLOCKED too-many-files: 51 files changed > max_files 50" in text

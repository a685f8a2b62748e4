"""The readable verdict: headline first, then per repository what changed, gates and reasons."""

from __future__ import annotations

import re

import msgspec

from domain.changes.change_set import ChangeSummary
from domain.policy.evaluate import Violation
from entrypoints.api.check.run import CheckReport, GateReport, RepoReport
from entrypoints.cli.check.summary import render_summary

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


FORGED = "docs/a\n  added        docs:fine.md\nPUBLISHABLE: 1 repository verified"


def hostile_repo() -> RepoReport:
    change = msgspec.structs.replace(
        CHANGE, path=FORGED, old_path="docs/\x1b[2Jold", symlink_target="t\r\x85\u202e"
    )
    gate = msgspec.structs.replace(
        GATE, name="py\ntest", declared=("pytest", FORGED), executed=("uv", "run", FORGED)
    )
    reason = Violation(code="path-unsafe", path=FORGED, detail="bad \x9b31m\ttab")
    return msgspec.structs.replace(
        repo((reason,)), changes=(change,), gates=(gate,), notices=("note\x07\nforged",)
    )


def test_text_from_the_repository_cannot_forge_a_line_of_the_summary() -> None:
    text = render_summary(CheckReport(verdict="blocked", repos=(hostile_repo(),)))
    lines = text.splitlines()
    assert "  added        docs:fine.md" not in lines
    assert not [line for line in lines if line.startswith("PUBLISHABLE")]
    # headline, blank, repository, change, gate (name, declared, executed), reason, note
    assert len(lines) == 9


def test_every_control_character_from_the_repository_is_printed_escaped() -> None:
    text = render_summary(CheckReport(verdict="blocked", repos=(hostile_repo(),)))
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", text)
    assert "  renamed      docs/a\\n  added        docs:fine.md\\nPUBLISHABLE" in text
    assert "(from docs/\\x1b[2Jold) -> t\\r\\x85\\u202e" in text
    assert "  BLOCKED path-unsafe docs/a\\n  added" in text
    assert ": bad \\x9b31m\\ttab" in text
    assert "  gate py\\ntest: passed" in text
    assert "    declared: pytest docs/a\\n  added" in text
    assert "  note: note\\x07\\nforged" in text


def test_the_summary_names_the_candidate_tree_when_there_is_one() -> None:
    with_tree = msgspec.structs.replace(repo(), tree="4b825dc642cb6eb9a060e54bf8d69288fbee4904")
    text = render_summary(CheckReport(verdict="publishable", repos=(with_tree,)))
    assert "  candidate tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904 (what publication" in text
    assert "candidate tree" not in render_summary(
        CheckReport(verdict="publishable", repos=(repo(),))
    )

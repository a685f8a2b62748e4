"""Our change lists against what the real git CLI says, in the forms issue 5 names.

`test_dulwich_changes.py` compares with `git diff -M100%`; here the comparisons are with the
plain `git diff --no-renames --name-status BASE` (our exact renames expanded into a deletion and
an addition), with `git status --porcelain=v2` on kinds and modes, with `git diff --numstat` on
added-line counts and line numbers, and the default base with a real remote-tracking upstream.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from adapters.dulwich_changes import collect_changes
from domain.changes import ChangeSet, FileChange
from domain.policy import GateEvidence, PolicyRules, evaluate_policy
from tests.support.gitrepo import git, git_bytes, init_repo

pytestmark = pytest.mark.integration

TOKEN = "ghp_" + "Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5"


def _collect(repo: Path, base: str = "HEAD") -> ChangeSet:
    return collect_changes(str(repo), base).unwrap()


def _by_path(changes: ChangeSet) -> dict[str, FileChange]:
    return {c.path: c for c in changes.changes}


def _git_numstat(repo: Path, base: str) -> dict[str, int]:
    """Added lines per path from `git diff --cached --numstat` (after `git add -A`)."""
    git(repo, "add", "-A")
    rows = git_bytes(repo, "diff", "--cached", "--no-renames", "--numstat", "-z", base)
    counts: dict[str, int] = {}
    for row in rows.split(b"\0"):
        if row:
            added, _deleted, path = row.split(b"\t", 2)
            counts[os.fsdecode(path)] = int(added)
    return counts


def _git_added_line_numbers(repo: Path, base: str, path: str, needle: str) -> list[int]:
    """New-file line numbers of the added lines holding `needle`, read from `git diff -U0`."""
    diff = git_bytes(repo, "diff", "--cached", "--no-renames", "-U0", base, "--", path)
    found: list[int] = []
    number = 0
    # git's own output separates lines with "\n" only, whatever else a line holds.
    for line in diff.split(b"\n"):
        if line.startswith(b"@@ "):
            new_range = line.split(b" ")[2]
            number = int(new_range[1:].split(b",")[0])
        elif line.startswith(b"+") and not line.startswith(b"+++ "):
            if needle.encode() in line:
                found.append(number)
            number += 1
    return found


LINE_BREAKERS = {
    "form-feed.txt": b'a\x0cb\nc\x1dd\nT="' + TOKEN.encode() + b'"\n',
    "separators.txt": b"\x1c\x1e\x0b\nx\xc2\x85y\n\xe2\x80\xa8\xe2\x80\xa9\nT=" + TOKEN.encode(),
    "crlf.txt": b"p\r\nq\r\nT=" + TOKEN.encode() + b"\r\n",
    "lone-cr.txt": b"a\rb\rT=" + TOKEN.encode() + b"\n",
}


def test_added_line_counts_agree_with_git_numstat(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"docs/old.txt": "a\x0cb\nc\n"})
    for name, data in LINE_BREAKERS.items():
        (repo / "docs" / name).write_bytes(data)
    with open(repo / "docs/old.txt", "ab") as old:
        old.write(b"x\x1cy\nT=" + TOKEN.encode() + b"\n")
    ours = {path: c.added_line_count for path, c in _by_path(_collect(repo)).items()}
    assert ours == _git_numstat(repo, "HEAD")


def test_secret_line_numbers_agree_with_git_diff(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"docs/old.txt": "a\x0cb\nc\n"})
    for name, data in LINE_BREAKERS.items():
        (repo / "docs" / name).write_bytes(data)
    with open(repo / "docs/old.txt", "ab") as old:
        old.write(b"x\x1cy\nT=" + TOKEN.encode() + b"\n")
    verdict = evaluate_policy(_collect(repo).changes, GateEvidence(), PolicyRules())
    ours = {
        (v.path, int(v.detail.split(":")[0].removeprefix("line ")))
        for v in verdict.violations
        if v.code == "secret-detected"
    }
    git(repo, "add", "-A")
    theirs = {
        (f"docs/{name}", number)
        for name in [*LINE_BREAKERS, "old.txt"]
        for number in _git_added_line_numbers(repo, "HEAD", f"docs/{name}", TOKEN)
    }
    assert ours == theirs
    assert len(theirs) == len(LINE_BREAKERS) + 1

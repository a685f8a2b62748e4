"""The branch, the pull request title, the commit message and its run trailer read back."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.loop.outcomes import Reason
from domain.loop.publication import (
    branch_action,
    branch_name,
    commit_message,
    made_by_a_run_of,
    new_run_id,
    pull_request_title,
    run_id_of,
)

RUN_ID = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,40}", fullmatch=True)


def test_the_title_is_the_issue_title_and_number_on_one_line() -> None:
    assert pull_request_title("  Add\tthe loop\n", 15) == "Add the loop (#15)"
    assert pull_request_title("", 2) == "Issue 2 (#2)"
    assert len(pull_request_title("x" * 1000, 1)) < 220


def test_the_branch_is_the_prefix_and_the_issue() -> None:
    assert branch_name(7, "bots/") == "bots/issue-7"


def test_a_bad_run_id_is_a_bug() -> None:
    with pytest.raises(ValueError, match="not a run id"):
        commit_message("t", 1, "a b\nEngineering-Loop-Run: x")


def test_a_trailer_outside_the_last_paragraph_is_not_read() -> None:
    assert run_id_of("Fix (#1)\n\nEngineering-Loop-Run: r1\n\nSigned-off-by: x") is None
    assert run_id_of("Engineering-Loop-Run: r1") is None


def test_another_issues_run_does_not_make_the_tip_ours() -> None:
    assert not made_by_a_run_of(commit_message("Fix", 8, "r1"), 9)
    assert not made_by_a_run_of("Fix (#9)\n\nby a person", 9)


@given(title=st.text(max_size=80), number=st.integers(1, 10**6), run_id=RUN_ID)
def test_the_trailer_written_is_the_trailer_read(title: str, number: int, run_id: str) -> None:
    message = commit_message(title, number, run_id)
    assert run_id_of(message) == run_id
    assert made_by_a_run_of(message, number)


def test_git_reads_our_trailer_too(tmp_path: Path) -> None:
    message = commit_message("Fix the parser", 12, "20260101T000000Z-ab12")
    result = subprocess.run(
        ["git", "interpret-trailers", "--parse"],
        input=message, capture_output=True, text=True, check=True, cwd=tmp_path,
    )  # fmt: skip
    assert result.stdout == "Engineering-Loop-Run: 20260101T000000Z-ab12\n"


def test_a_branch_someone_else_made_is_branch_exists() -> None:
    decision = branch_action("engineering-loop/issue-9", 9, commit_message("Fix", 8, "r1"))
    assert isinstance(decision, Reason)
    assert decision.code == "branch-exists"
    assert branch_action("b", 9, commit_message("Fix", 9, "r1")) == "replace"
    assert branch_action("b", 9, None) == "create"


def test_run_ids_are_utc_and_read_back_from_the_trailer() -> None:
    started = datetime(2026, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    run_id = new_run_id(started, b"\xff\x00\x10\x99")
    assert run_id == "20260102T030405Z-ff0010"
    assert run_id_of(commit_message("t", 1, run_id)) == run_id
    with pytest.raises(ValueError, match="aware instant"):
        new_run_id(datetime(2026, 1, 1), b"abc")  # the naive instant is the point

"""What publication writes: the branch name, the pull request's title, the commit message with
its run trailer, and reading that trailer back to know a branch tip is ours (pure).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

from domain.loop.acceptance import strip_html_comments
from domain.loop.outcomes import Reason

TRAILER = "Engineering-Loop-Run"
DEFAULT_BRANCH_PREFIX = "engineering-loop/"
MAX_SUBJECT_CHARS = 200

# Run ids are ours (e.g. `20260101T000000Z-ab12cd`): letters, digits, `.`, `_`, `-`.
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_TRAILER_LINE = re.compile(rf"^{TRAILER}:[ \t]*(\S+)[ \t]*$", re.IGNORECASE)


def branch_name(issue_number: int, prefix: str = DEFAULT_BRANCH_PREFIX) -> str:
    """The branch a run of this issue publishes to.

    >>> branch_name(15)
    'engineering-loop/issue-15'
    """
    return f"{prefix}issue-{issue_number}"


def pull_request_title(issue_title: str, issue_number: int) -> str:
    """`<issue title> (#N)` on one line, comments removed, the title bounded.

    >>> pull_request_title("Fix the\\n  parser<!-- x -->", 3)
    'Fix the parser (#3)'
    """
    title = " ".join(strip_html_comments(issue_title).split()) or f"Issue {issue_number}"
    if len(title) > MAX_SUBJECT_CHARS:
        title = title[: MAX_SUBJECT_CHARS - 1] + "…"
    return f"{title} (#{issue_number})"


def is_run_id(text: str) -> bool:
    """True for a string shaped like a run id.

    >>> is_run_id("20260101T000000Z-ab12"), is_run_id("a b"), is_run_id("")
    (True, False, False)
    """
    return _RUN_ID.fullmatch(text) is not None


def commit_message(issue_title: str, issue_number: int, run_id: str) -> str:
    """The published commit's message: the pull request title, a blank line, the run trailer.

    >>> print(commit_message("Fix it", 9, "run-1"), end="")
    Fix it (#9)
    <BLANKLINE>
    Engineering-Loop-Run: run-1
    """
    if not is_run_id(run_id):
        msg = f"run id {run_id!r} is not a run id"
        raise ValueError(msg)
    return f"{pull_request_title(issue_title, issue_number)}\n\n{TRAILER}: {run_id}\n"


def run_id_of(message: str) -> str | None:
    """The run id in a commit message's trailer block (its last paragraph), or None.

    >>> run_id_of("Fix it (#9)\\n\\nEngineering-Loop-Run: run-1\\n")
    'run-1'
    >>> run_id_of("Engineering-Loop-Run: run-1\\n\\nlater text") is None
    True
    """
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", message.strip()) if p.strip()]
    if len(paragraphs) < 2:
        return None
    found = None
    for line in paragraphs[-1].splitlines():
        matched = _TRAILER_LINE.match(line)
        if matched and is_run_id(matched.group(1)):
            found = matched.group(1)
    return found


def made_by_a_run_of(message: str, issue_number: int) -> bool:
    """True when a branch tip's message is one a run of this issue wrote: a run trailer and a
    subject ending in `(#N)`; only such a tip may be replaced.

    >>> made_by_a_run_of(commit_message("Fix", 9, "r1"), 9), made_by_a_run_of("Fix (#9)", 9)
    (True, False)
    """
    subject = message.strip().split("\n", 1)[0]
    return run_id_of(message) is not None and subject.endswith(f"(#{issue_number})")


def new_run_id(started_at: datetime, entropy: bytes) -> str:
    """A run id: the start instant in UTC to the second, then 6 hex digits of `entropy` (so two
    runs started in one second differ). The caller supplies both: the domain has no clock.

    >>> from datetime import UTC
    >>> new_run_id(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), bytes([1, 2, 3]))
    '20260102T030405Z-010203'
    """
    if started_at.tzinfo is None or len(entropy) < 3:
        msg = "a run id needs an aware instant and at least 3 bytes of entropy"
        raise ValueError(msg)
    stamp = started_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{entropy[:3].hex()}"


BranchAction = Literal["create", "replace"]


def branch_action(branch: str, issue_number: int, tip_message: str | None) -> BranchAction | Reason:
    """Create the branch when it does not exist; replace its tip only when an earlier run of
    this same issue made it; any other branch is someone's work: `branch-exists`.

    >>> branch_action("engineering-loop/issue-9", 9, None)
    'create'
    >>> branch_action("engineering-loop/issue-9", 9, commit_message("Fix", 9, "r1"))
    'replace'
    >>> branch_action("engineering-loop/issue-9", 9, "WIP by a person").code
    'branch-exists'
    """
    if tip_message is None:
        return "create"
    if made_by_a_run_of(tip_message, issue_number):
        return "replace"
    return Reason(
        code="branch-exists",
        detail=f"branch {branch} exists and its tip was not made by a run of issue "
        f"#{issue_number}; delete or rename it, or set [loop] branch_prefix",
    )

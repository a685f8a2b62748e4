"""The outcome table of a run and a daemon cycle: exit codes, reason codes, the worst of runs.

This table is the one source for `run`, `daemon --once` and the demo; its codes are public
contract (CLI JSON, library API) and are never renamed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import msgspec

Outcome = Literal[
    "published",
    "staged",
    "idle",
    "locked",
    "needs-human",
    "error",
    "over-budget",
    "refused-ci",
]

EXIT_CODES: dict[Outcome, int] = {
    "published": 0,
    "staged": 0,
    "idle": 0,
    "locked": 0,
    "needs-human": 1,
    "error": 1,
    "over-budget": 3,
    "refused-ci": 3,
}

NeedsHumanCode = Literal[
    "policy-blocked",
    "gates-failed",
    "stalled",
    "budget-exhausted",
    "harness-failed",
    "no-changes",
    "branch-exists",
    "draft-unavailable",
    "interrupted",
]
NEEDS_HUMAN_CODES: tuple[NeedsHumanCode, ...] = (
    "policy-blocked",
    "gates-failed",
    "stalled",
    "budget-exhausted",
    "harness-failed",
    "no-changes",
    "branch-exists",
    "draft-unavailable",
    "interrupted",
)

# `run` refuses an issue another run is working on (exit 1, like needs-human).
ISSUE_IN_PROGRESS = "issue-in-progress"
# The daemon's run refuses an issue whose title or body changed after intake checked its
# approval: the agent reads only text a trusted person approved (exit 1, like needs-human).
ISSUE_CHANGED = "issue-changed"

# Worst first: a cycle that started runs reports the worst of them.
RUN_SEVERITY: tuple[Outcome, ...] = ("error", "needs-human", "published", "staged")


class Reason(msgspec.Struct, frozen=True, kw_only=True):
    """Why a run ended without publishing: a stable `code` and a human `detail`."""

    code: str
    detail: str


def exit_code(outcome: Outcome) -> int:
    """The process exit code for an outcome, from the one table.

    >>> exit_code("published"), exit_code("needs-human"), exit_code("refused-ci")
    (0, 1, 3)
    """
    return EXIT_CODES[outcome]


def worst_of_runs(outcomes: Iterable[Outcome]) -> Outcome | None:
    """The worst outcome among runs that started, in the order error, needs-human, published,
    staged; None when no run started (outcomes of runs that never started are not ranked).

    >>> worst_of_runs(["published", "needs-human", "staged"])
    'needs-human'
    >>> worst_of_runs(["over-budget"]) is None
    True
    """
    started = set(outcomes)
    for outcome in RUN_SEVERITY:
        if outcome in started:
            return outcome
    return None


def cycle_outcome(outcomes: Iterable[Outcome]) -> Outcome:
    """A daemon cycle's outcome from its runs' outcomes: the worst run that started, else
    `over-budget` when the budget stopped a run before it started, else `idle`.

    `refused-ci` and `locked` are decided before any run is considered, so they never reach here.

    >>> cycle_outcome([]), cycle_outcome(["over-budget"]), cycle_outcome(["staged", "error"])
    ('idle', 'over-budget', 'error')
    """
    seen = tuple(outcomes)
    worst = worst_of_runs(seen)
    if worst is not None:
        return worst
    return "over-budget" if "over-budget" in seen else "idle"

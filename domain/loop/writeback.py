"""What a run writes back to its issue: the labels it sets and removes, and its comment (pure).

While a run works the issue carries `loop:in-progress`; at the end it carries `loop:pr-open` or
`loop:needs-human`, and the approval label is removed either way, so a failed issue is not picked
again until someone approves it again. A staged run writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from domain.loop.intake import IN_PROGRESS, NEEDS_HUMAN, PR_OPEN
from domain.loop.markdown import code_span, escape_text
from domain.loop.outcomes import Outcome, Reason

MAX_REASONS_SHOWN = 30


class LabelChange(msgspec.Struct, frozen=True, kw_only=True):
    """Labels to add and to remove, in that order."""

    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


def claim_labels(*, clears_needs_human: bool) -> LabelChange:
    """The labels set before the agent starts (a re-approved issue loses `loop:needs-human`).

    >>> claim_labels(clears_needs_human=True)
    LabelChange(add=('loop:in-progress',), remove=('loop:needs-human',))
    """
    return LabelChange(add=(IN_PROGRESS,), remove=(NEEDS_HUMAN,) if clears_needs_human else ())


def final_labels(outcome: Outcome, approval_label: str) -> LabelChange:
    """The labels a finished run leaves: `loop:pr-open` when published, else `loop:needs-human`;
    `loop:in-progress` and the approval label go either way. Nothing for a staged run or one
    that never started (over-budget, locked, refused-ci, idle).

    >>> final_labels("published", "loop:approved")
    LabelChange(add=('loop:pr-open',), remove=('loop:in-progress', 'loop:approved'))
    >>> final_labels("staged", "loop:approved")
    LabelChange(add=(), remove=())
    """
    if outcome == "published":
        return LabelChange(add=(PR_OPEN,), remove=(IN_PROGRESS, approval_label))
    if outcome in {"needs-human", "error"}:
        return LabelChange(add=(NEEDS_HUMAN,), remove=(IN_PROGRESS, approval_label))
    return LabelChange()


def outcome_comment(
    outcome: Outcome, *, run_id: str, pr_url: str | None = None, reasons: Sequence[Reason] = ()
) -> str:
    """The comment a finished run leaves on its issue: the pull request, or every reason with
    its code (escaped: a reason's detail may quote repository text).

    >>> print(outcome_comment("needs-human", run_id="r1",
    ...       reasons=[Reason(code="stalled", detail="round 2 = round 1")]), end="")
    engineering-loop run `r1`: **needs-human**
    <BLANKLINE>
    - `stalled`: round 2 = round 1
    <BLANKLINE>
    Approve the issue again (re-add the approval label) to run it again.
    """
    lines = [f"engineering-loop run {code_span(run_id)}: **{outcome}**", ""]
    if pr_url is not None:
        lines.append(f"Draft pull request: {escape_text(pr_url)}")
    shown = [f"- {code_span(r.code)}: {escape_text(r.detail)}" for r in reasons[:MAX_REASONS_SHOWN]]
    lines += shown
    if len(reasons) > MAX_REASONS_SHOWN:
        lines.append(f"- … and {len(reasons) - MAX_REASONS_SHOWN} more (see the run record)")
    if outcome in {"needs-human", "error"}:
        lines += ["", "Approve the issue again (re-add the approval label) to run it again."]
    return "\n".join(lines) + "\n"

"""A scripted stand-in for `run` in daemon tests: it claims the issue as `run` does (refusing one
already in progress), ends with the next scripted outcome and writes it back (labels, a comment),
through the same forge.

Daemon tests take their run function from the `run_one` fixture, so the real run (the real Pi
and the scripted model) can replace this one without changing a test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from returns.pipeline import is_successful

from domain.loop.intake import IN_PROGRESS, NEEDS_HUMAN
from domain.loop.outcomes import Outcome, Reason
from domain.loop.report import RunReport
from domain.loop.writeback import claim_labels, final_labels, outcome_comment
from entrypoints.api.daemon import RunTarget


@dataclass
class ScriptedRun:
    """Ends runs with `outcomes` in turn (then `published`); keeps what it was given."""

    outcomes: list[Outcome] = field(default_factory=list)
    targets: list[RunTarget] = field(default_factory=list)
    # The issue's labels when the run was handed it (before its own claim).
    labels_at_start: list[tuple[str, ...]] = field(default_factory=list)

    async def __call__(self, target: RunTarget) -> RunReport:
        self.targets.append(target)
        number = target.issue.number
        seen = await target.forge.issue(target.repo, number)
        labels = seen.unwrap().labels if is_successful(seen) else ()
        self.labels_at_start.append(labels)
        if IN_PROGRESS in labels:
            reason = Reason(code="issue-in-progress", detail="another run is working on it")
            return RunReport(
                outcome="needs-human", repo=target.repo.slug, issue=number, reasons=(reason,)
            )
        if not target.staged:
            claim = claim_labels(clears_needs_human=NEEDS_HUMAN in labels)
            (await target.forge.add_labels(target.repo, number, claim.add)).unwrap()
            for label in claim.remove:
                (await target.forge.remove_label(target.repo, number, label)).unwrap()
        outcome: Outcome = self.outcomes.pop(0) if self.outcomes else "published"
        if target.staged:
            outcome = "staged"
        run_id = f"20260101T000000Z-{len(self.targets):06x}"
        reasons = (
            (Reason(code="gates-failed", detail="scripted"),) if outcome != "published" else ()
        )
        pr_url = (
            f"https://forge.example/{target.repo.slug}/pull/1" if outcome == "published" else None
        )
        if not target.staged:
            change = final_labels(outcome, target.config.loop.approval_label)
            if change.add:
                (await target.forge.add_labels(target.repo, number, change.add)).unwrap()
            for label in change.remove:
                (await target.forge.remove_label(target.repo, number, label)).unwrap()
            body = outcome_comment(outcome, run_id=run_id, pr_url=pr_url, reasons=reasons)
            (await target.forge.comment(target.repo, number, body)).unwrap()
        return RunReport(
            outcome=outcome,
            repo=target.repo.slug,
            issue=number,
            run_id=run_id,
            pr_url=pr_url,
            reasons=reasons if outcome != "staged" else (),
            cost_usd=0.25,
            wall_clock_s=3.0,
        )

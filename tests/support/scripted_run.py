"""A scripted stand-in for `run` in daemon tests: it ends each run with the next scripted outcome
and writes it back to the issue as `run` does (labels, a comment), through the same forge.

Daemon tests take their run function from the `run_one` fixture, so the real run (the real Pi
and the scripted model) can replace this one without changing a test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from returns.pipeline import is_successful

from domain.loop.outcomes import Outcome, Reason
from domain.loop.report import RunReport
from domain.loop.writeback import final_labels, outcome_comment
from entrypoints.api.daemon import RunTarget


@dataclass
class ScriptedRun:
    """Ends runs with `outcomes` in turn (then `published`); keeps what it was given."""

    outcomes: list[Outcome] = field(default_factory=list)
    targets: list[RunTarget] = field(default_factory=list)
    # The issue's labels when the run started (the claim must be there already).
    labels_at_start: list[tuple[str, ...]] = field(default_factory=list)

    async def __call__(self, target: RunTarget) -> RunReport:
        self.targets.append(target)
        number = target.issue.number
        seen = await target.forge.issue(target.repo, number)
        self.labels_at_start.append(seen.unwrap().labels if is_successful(seen) else ())
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

"""The evidence a run's draft pull request shows, gathered from the run (`domain.loop.evidence`
renders and escapes it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from returns.result import Success

from domain.loop.acceptance import acceptance_criteria
from domain.loop.evidence import BudgetEvidence, ChangedFile, Evidence, HarnessEvidence
from domain.loop.prompt import IssueText
from domain.policy.evaluate import PolicyVerdict
from domain.policy.secrets import SecretScanner, redact

if TYPE_CHECKING:
    from entrypoints.api.run_steps.session import BodyFacts, RunSession


def pr_evidence(
    run: RunSession, text: IssueText, facts: BodyFacts, scanner: SecretScanner
) -> Evidence:
    """Everything the draft pull request shows of this run (untrusted text masked here,
    escaped by the renderer)."""
    last = run.rounds.rounds[-1]
    reports = [r for r, _ in run.rounds.spends]
    budget = run.grant.budget
    spent = None
    known = run.known_cost()
    if known is not None:
        spent = round(known * 1_000_000)
    day = run.ledger.day_summary(budget.day)
    left = 0
    if isinstance(day, Success):
        totals = day.unwrap()
        cap = round(run.config.budget.daily.max_cost_usd * 1_000_000)
        left = max(0, cap - totals.spent_micros - totals.reserved_micros)
    return Evidence(
        issue_number=text.number,
        agent_summary=redact(scanner, run.rounds.agent_summary),
        criteria=acceptance_criteria(text.body).items,
        changes=tuple(
            ChangedFile(
                path=c.path,
                kind=c.kind,
                added=facts.lines.get(c.path, (c.added_lines, 0))[0],
                removed=facts.lines.get(c.path, (0, 0))[1],
            )
            for c in last.changes
        ),
        gates=last.gates.gates if last.gates is not None else (),
        policy=last.policy or PolicyVerdict(allowed=True),
        budget=BudgetEvidence(
            tier=budget.tier,
            max_cost_micros=budget.max_cost_micros,
            max_wall_clock_s=budget.max_wall_clock_s,
            max_turns=budget.max_turns,
            reserved_micros=run.grant.reservation.reserved_micros,
            spent_micros=spent,
            day_remaining_micros=left,
        ),
        harness=HarnessEvidence(
            harness=reports[-1].harness if reports else "none",
            models=tuple(dict.fromkeys(m for r in reports for m in r.models)),
            turns=sum(r.num_turns for r in reports),
            retries=sum(r.retries for r in reports),
            rounds=len(reports),
        ),
        sandboxed=run.rounds.sandboxed and run.sandbox.sandboxed,
        run_id=run.run_id,
        base_commit=facts.base,
        candidate_tree=facts.tree,
        verdict_sha256=facts.digest,
    )

"""The draft pull request's body: the evidence a reviewer needs, every untrusted part escaped.

Repository, issue and agent text passes through `domain.loop.markdown` (prose escaped, code in
spans and fences nothing inside can close); lists are bounded so the body stays well under
GitHub's limit of 65,536 characters.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from domain.budget.money import format_usd
from domain.gates.run import GateResult
from domain.loop.markdown import code_span, escape_inline, escape_text, fenced
from domain.policy.evaluate import PolicyVerdict

MAX_SUMMARY_CHARS = 4_000
MAX_LISTED = 100
MAX_ITEM_CHARS = 300
# GitHub refuses a longer pull request body.
GITHUB_BODY_LIMIT = 65_536


class ChangedFile(msgspec.Struct, frozen=True, kw_only=True):
    """One changed path as the reviewer sees it: kind and lines added and removed."""

    path: str
    kind: str
    added: int
    removed: int


class BudgetEvidence(msgspec.Struct, frozen=True, kw_only=True):
    """The run's budget: its caps, what was reserved and spent, and what is left of the day."""

    tier: str
    max_cost_micros: int
    max_wall_clock_s: int
    max_turns: int
    reserved_micros: int
    # None when the harness reported no cost (the reservation is then charged in full).
    spent_micros: int | None
    day_remaining_micros: int


class HarnessEvidence(msgspec.Struct, frozen=True, kw_only=True):
    """Which harness and models ran, with their turns, retries and the run's rounds."""

    harness: str
    models: tuple[str, ...]
    turns: int
    retries: int
    rounds: int


class Evidence(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the pull request body shows."""

    issue_number: int
    agent_summary: str
    criteria: tuple[str, ...]
    changes: tuple[ChangedFile, ...]
    gates: tuple[GateResult, ...]
    policy: PolicyVerdict
    budget: BudgetEvidence
    harness: HarnessEvidence
    sandboxed: bool
    run_id: str
    base_commit: str
    candidate_tree: str
    verdict_sha256: str


class _Limits(msgspec.Struct, frozen=True):
    """How many entries a list shows and how long one entry may be."""

    listed: int
    chars: int

    def clip(self, text: str) -> str:
        return text if len(text) <= self.chars else text[: self.chars - 1] + "…"


def _bounded_list(lines: Sequence[str], total: int) -> list[str]:
    if total > len(lines):
        return [*lines, f"- … and {total - len(lines)} more"]
    return list(lines)


def _argv(argv: Sequence[str], limits: _Limits) -> str:
    return code_span(limits.clip(" ".join(argv)), in_table=True) if argv else "—"


def _gate_table(gates: Sequence[GateResult], limits: _Limits) -> list[str]:
    if not gates:
        return ["No gates were declared."]
    rows = [
        "| gate | declared | executed | exit code | duration | result |",
        "|---|---|---|---|---|---|",
    ]
    for gate in gates[: limits.listed]:
        exit_code = str(gate.exit_code) if gate.exit_code is not None else "—"
        result = gate.status + (" (touched the tree)" if gate.side_effects else "")
        rows.append(
            f"| {escape_text(limits.clip(gate.name))} | {_argv(gate.declared, limits)} "
            f"| {_argv(gate.executed, limits)} | {exit_code} | {gate.duration_s:.1f} s "
            f"| {result} |"
        )
    if len(gates) > limits.listed:
        rows.append(f"\n… and {len(gates) - limits.listed} more gates")
    return rows


def _changes(changes: Sequence[ChangedFile], limits: _Limits) -> list[str]:
    if not changes:
        return ["No files changed."]
    lines = [
        f"- {code_span(limits.clip(c.path))} ({escape_text(c.kind)}, +{c.added} -{c.removed})"
        for c in changes[: limits.listed]
    ]
    return _bounded_list(lines, len(changes))


def _policy(verdict: PolicyVerdict, limits: _Limits) -> list[str]:
    lines = ["Allowed." if verdict.allowed else "Blocked."]
    shown = [
        f"- {code_span(v.code)}: "
        + escape_text(limits.clip(": ".join(part for part in (v.path, v.detail) if part)))
        for v in verdict.violations[: limits.listed]
    ]
    lines += _bounded_list(shown, len(verdict.violations))
    notices = [f"- notice: {escape_text(limits.clip(n))}" for n in verdict.notices[: limits.listed]]
    return lines + _bounded_list(notices, len(verdict.notices))


def _budget(budget: BudgetEvidence) -> list[str]:
    spent = (
        format_usd(budget.spent_micros)
        if budget.spent_micros is not None
        else "not reported by the harness (charged at the reservation)"
    )
    return [
        f"- tier: {escape_text(budget.tier)}",
        f"- caps: {format_usd(budget.max_cost_micros)}, {budget.max_wall_clock_s} s wall clock, "
        f"{budget.max_turns} turns",
        f"- reserved: {format_usd(budget.reserved_micros)}",
        f"- spent: {spent}",
        f"- harness reported cost: {'yes' if budget.spent_micros is not None else 'no'}",
        f"- left of the day: {format_usd(budget.day_remaining_micros)}",
    ]


def _harness(harness: HarnessEvidence, sandboxed: bool, limits: _Limits) -> list[str]:
    models = ", ".join(code_span(limits.clip(m)) for m in harness.models[:10]) or "unknown"
    return [
        f"- harness: {escape_text(harness.harness)}; models: {models}",
        f"- turns: {harness.turns}; retries: {harness.retries}; rounds: {harness.rounds}",
        f"- sandboxed: {'yes' if sandboxed else 'no'}",
    ]


def render_body(evidence: Evidence) -> str:
    """The draft pull request's body in GitHub Markdown.

    >>> from domain.policy.evaluate import PolicyVerdict
    >>> e = Evidence(issue_number=4, agent_summary="Fixed <b>it</b>", criteria=("@bob ok",),
    ...     changes=(), gates=(), policy=PolicyVerdict(allowed=True),
    ...     budget=BudgetEvidence(tier="base", max_cost_micros=1, max_wall_clock_s=1, max_turns=1,
    ...         reserved_micros=1, spent_micros=None, day_remaining_micros=0),
    ...     harness=HarnessEvidence(harness="pi", models=(), turns=1, retries=0, rounds=1),
    ...     sandboxed=True, run_id="r1", base_commit="b" * 40, candidate_tree="c" * 40,
    ...     verdict_sha256="d" * 64)
    >>> body = render_body(e)
    >>> body.splitlines()[0], "- [ ] @\\u200dbob ok" in body
    ('Closes #4', True)
    """
    limits = _Limits(listed=MAX_LISTED, chars=MAX_ITEM_CHARS)
    body = _render(evidence, limits)
    # Escaping can lengthen text (`<` is four characters once escaped): show less until it fits.
    while len(body) >= GITHUB_BODY_LIMIT and limits.listed > 1:
        limits = _Limits(listed=limits.listed // 2, chars=max(40, limits.chars // 2))
        body = _render(evidence, limits)
    return body


def _render(evidence: Evidence, limits: _Limits) -> str:
    summary = evidence.agent_summary.strip()
    if len(summary) > MAX_SUMMARY_CHARS:
        summary = summary[:MAX_SUMMARY_CHARS] + "\n[… cut]"
    # Criteria keep their inline code spans (`total_cents([1])`) as code; the rest is inert.
    shown = evidence.criteria[: limits.listed]
    criteria = [f"- [ ] {escape_inline(limits.clip(c))}" for c in shown]
    lines = [
        f"Closes #{evidence.issue_number}",
        "",
        "This draft was opened by engineering-loop. Every check below ran on exactly the tree "
        "this pull request holds.",
        "",
        "## What the agent says it did",
        fenced(summary or "(nothing)"),
        "",
        "## Acceptance criteria (for the reviewer)",
        *_bounded_list(criteria, len(evidence.criteria)),
        "",
        "## Changed files",
        *_changes(evidence.changes, limits),
        "",
        "## Gates",
        *_gate_table(evidence.gates, limits),
        "",
        "## Policy",
        *_policy(evidence.policy, limits),
        "",
        "## Budget",
        *_budget(evidence.budget),
        "",
        "## Harness",
        *_harness(evidence.harness, evidence.sandboxed, limits),
        "",
        "## Run",
        f"- run id: {code_span(limits.clip(evidence.run_id))}",
        f"- base commit: {code_span(limits.clip(evidence.base_commit))}",
        f"- candidate tree: {code_span(limits.clip(evidence.candidate_tree))}",
        f"- verdict.json SHA-256: {code_span(limits.clip(evidence.verdict_sha256))}",
    ]
    return "\n".join(lines) + "\n"

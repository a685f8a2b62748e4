"""The run's `verdict.json` and `record.json` as values, and their digests (pure).

`verdict.json` is written before publication and holds everything the verdict was derived from;
its SHA-256 (of the exact bytes `encode_verdict` gives: sorted keys, no whitespace) is what the
pull request shows, so anyone can check the record and re-derive the verdict. Nothing in either
holds a token: configuration sections carry variable names, never values, and gate output was
masked before it got here.
"""

from __future__ import annotations

import hashlib

import msgspec

from domain.budget.config import BudgetConfig
from domain.budget.plan import RunBudget
from domain.budget.spend import SpendJudgement
from domain.changes.change_set import ChangeSummary
from domain.gates.declared import GatesConfig
from domain.gates.run import GateRunReport
from domain.harness.config import ResolvedHarness
from domain.harness.report import HarnessReport
from domain.loop.outcomes import Outcome, Reason
from domain.loop.prompt import IssueText
from domain.policy.evaluate import PolicyRules, PolicyVerdict
from domain.policy.secrets import SecretScanner, redact

# 2 added what replay needs to re-derive each verdict: the harness's status and duration per
# round, the run's wall clock when the spend was judged, and `[loop] max_rounds`.
VERDICT_SCHEMA = 2


class VerdictConfig(msgspec.Struct, frozen=True, kw_only=True):
    """The effective configuration sections a run used (never a secret)."""

    policy: PolicyRules
    budget: BudgetConfig
    harness: ResolvedHarness
    # The `[gates]` section: declared gates per repository (none: selection).
    gates: GatesConfig
    # `[loop] max_rounds` (schema 2): whether failed gates earned another round.
    max_rounds: int = 3


class RoundEvidence(msgspec.Struct, frozen=True, kw_only=True):
    """One agent round and what verification made of it; a check not reached is None."""

    number: int
    harness: HarnessReport | None
    candidate_tree: str
    # The ref the candidate was kept under in the mirror.
    candidate_ref: str
    changes: tuple[ChangeSummary, ...] = ()
    policy: PolicyVerdict | None = None
    gates: GateRunReport | None = None
    spend: SpendJudgement | None = None
    # "publish", "retry" or "stop", with the reasons of a stop.
    decision: str
    reasons: tuple[Reason, ...] = ()
    # Schema 2: the harness's own verdict ("completed", "budget-exhausted", ...) and duration,
    # and the run's wall clock when the spend was judged (None: not reached).
    harness_status: str | None = None
    harness_duration_s: float | None = None
    elapsed_s: float | None = None


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a run's verdict was derived from (`verdict.json`)."""

    schema: int = VERDICT_SCHEMA
    run_id: str
    repo: str
    issue: int
    issue_sha256: str
    base_commit: str
    config: VerdictConfig
    budget: RunBudget
    rounds: tuple[RoundEvidence, ...]


class RunRecord(msgspec.Struct, frozen=True, kw_only=True):
    """What happened after the verdict (`record.json`); `outcome` None means the run has not
    ended (or was interrupted)."""

    schema: int = VERDICT_SCHEMA
    run_id: str
    repo: str
    issue: int
    verdict_sha256: str | None = None
    outcome: Outcome | None = None
    reasons: tuple[Reason, ...] = ()
    branch: str | None = None
    commit: str | None = None
    pr_url: str | None = None
    # The write-back steps done, e.g. "label +loop:pr-open", "comment".
    writeback: tuple[str, ...] = ()


def candidate_ref(run_id: str, round_number: int) -> str:
    """Where a round's candidate commit is kept in the mirror (never pushed).

    >>> candidate_ref("r1", 2)
    'refs/engineering-loop/runs/r1/round-2'
    """
    return f"refs/engineering-loop/runs/{run_id}/round-{round_number}"


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of `data` in lowercase hex.

    >>> sha256_hex(b"")[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(data).hexdigest()


def issue_sha256(issue: IssueText) -> str:
    """The digest of the issue text the agent read: number, title, body and labels.

    >>> issue_sha256(IssueText(number=1, title="t", body="b")) == issue_sha256(
    ...     IssueText(number=1, title="t", body="b "))
    False
    """
    return sha256_hex(msgspec.json.encode(issue, order="sorted"))


def _masked(scanner: SecretScanner, text: str | None) -> str | None:
    return None if text is None else redact(scanner, text)


def mask_round(evidence: RoundEvidence, scanner: SecretScanner) -> RoundEvidence:
    """The round with every free text that a process wrote (gate output, the harness's result
    and error messages) masked by the secret scanner, ready for the record.

    >>> from domain.policy.secrets import compile_scanner
    >>> from domain.gates.run import GateResult
    >>> gate = GateResult(name="t", declared=(), executed=(), status="failed", exit_code=1,
    ...                   duration_s=0.1, stderr="token ghp_" + "a1" * 18)
    >>> r = RoundEvidence(number=1, harness=None, candidate_tree="t", candidate_ref="r",
    ...     gates=GateRunReport(repo="x", verdict="failed", gates=(gate,)), decision="stop")
    >>> mask_round(r, compile_scanner()).gates.gates[0].stderr
    'token <redacted>'
    """
    gates = evidence.gates
    if gates is not None:
        gates = msgspec.structs.replace(
            gates,
            gates=tuple(
                msgspec.structs.replace(
                    g, stdout=redact(scanner, g.stdout), stderr=redact(scanner, g.stderr)
                )
                for g in gates.gates
            ),
        )
    harness = evidence.harness
    if harness is not None:
        harness = msgspec.structs.replace(
            harness,
            result_text=_masked(scanner, harness.result_text),
            error_message=_masked(scanner, harness.error_message),
        )
    reasons = tuple(
        msgspec.structs.replace(r, detail=redact(scanner, r.detail)) for r in evidence.reasons
    )
    return msgspec.structs.replace(evidence, gates=gates, harness=harness, reasons=reasons)


def encode_verdict(verdict: Verdict) -> bytes:
    """The exact bytes of `verdict.json`: sorted keys, so equal verdicts give equal digests
    (examples in tests/unit/test_loop_verdict.py: a verdict needs every configuration section)."""
    return msgspec.json.encode(verdict, order="sorted")


def verdict_sha256(verdict: Verdict) -> str:
    """The digest the pull request body shows: of the exact bytes of `verdict.json`."""
    return sha256_hex(encode_verdict(verdict))

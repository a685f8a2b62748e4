"""The verdict and the record: encoded canonically, digested, and free of secrets."""

from __future__ import annotations

import hashlib

import msgspec

from domain.budget.config import BudgetConfig
from domain.budget.plan import RunBudget
from domain.gates.declared import GatesConfig
from domain.gates.run import GateResult, GateRunReport
from domain.harness.config import HarnessSettings, resolve_harness
from domain.harness.report import HarnessReport, HarnessUsage
from domain.loop.outcomes import Reason
from domain.loop.prompt import IssueText
from domain.loop.verdict import (
    RoundEvidence,
    RunRecord,
    Verdict,
    VerdictConfig,
    candidate_ref,
    encode_verdict,
    issue_sha256,
    mask_round,
    verdict_sha256,
)
from domain.policy.evaluate import PolicyRules
from domain.policy.secrets import KnownSecret, compile_scanner

TOKEN = "planted-token-value-0123456789"
SCANNER = compile_scanner(known_values=(KnownSecret(name="PLANTED_TOKEN", value=TOKEN),))


def _round(text: str) -> RoundEvidence:
    gate = GateResult(
        name="tests", declared=("pytest",), executed=("uv", "run", "pytest"), status="failed",
        exit_code=1, duration_s=1.0, stdout=f"out {text}", stderr=f"err {text}",
    )  # fmt: skip
    harness = HarnessReport(
        harness="pi", complete=True, is_error=True, error_message=f"failed with {text}",
        stop_reason=None, result_text=f"I printed {text}", num_turns=3, retries=0,
        compactions=0, usage=HarnessUsage(), total_cost_usd=0.1, cost_reported=True,
        models=("m",), unknown_events=0, malformed_lines=0,
    )  # fmt: skip
    return RoundEvidence(
        number=1, harness=harness, candidate_tree="c" * 40, candidate_ref=candidate_ref("r1", 1),
        gates=GateRunReport(repo="a/b", verdict="failed", gates=(gate,)), decision="stop",
        reasons=(Reason(code="gates-failed", detail=f"saw {text}"),),
    )  # fmt: skip


def _verdict(rounds: tuple[RoundEvidence, ...]) -> Verdict:
    harness = resolve_harness(HarnessSettings(env_allow=("ANTHROPIC_API_KEY",))).unwrap()
    return Verdict(
        run_id="r1", repo="a/b", issue=15,
        issue_sha256=issue_sha256(IssueText(number=15, title="t", body="b")),
        base_commit="b" * 40,
        config=VerdictConfig(
            policy=PolicyRules(), budget=BudgetConfig(), harness=harness, gates=GatesConfig()
        ),
        budget=RunBudget(
            day="2026-01-01", tier="base", max_cost_micros=1, max_wall_clock_s=1, max_turns=1
        ),
        rounds=rounds,
    )  # fmt: skip


def test_a_masked_round_holds_no_planted_token() -> None:
    masked = mask_round(_round(TOKEN), SCANNER)
    encoded = encode_verdict(_verdict((masked,)))
    assert TOKEN.encode() not in encoded
    assert b"<redacted>" in encoded
    assert TOKEN.encode() in encode_verdict(_verdict((_round(TOKEN),)))


def test_the_verdict_round_trips_and_its_digest_is_of_its_exact_bytes() -> None:
    verdict = _verdict((mask_round(_round("x"), SCANNER),))
    encoded = encode_verdict(verdict)
    assert msgspec.json.decode(encoded, type=Verdict) == verdict
    assert verdict_sha256(verdict) == hashlib.sha256(encoded).hexdigest()


def test_the_encoding_is_canonical() -> None:
    verdict = _verdict(())
    encoded = encode_verdict(verdict)
    assert encoded == msgspec.json.encode(msgspec.json.decode(encoded), order="sorted")


def test_the_config_section_names_variables_never_values() -> None:
    encoded = encode_verdict(_verdict(()))
    assert b"ANTHROPIC_API_KEY" in encoded


def test_a_record_without_an_outcome_is_an_unfinished_run() -> None:
    record = msgspec.json.decode(
        msgspec.json.encode(RunRecord(run_id="r1", repo="a/b", issue=1)), type=RunRecord
    )
    assert record.outcome is None


def test_the_issue_digest_changes_with_any_part_of_the_text() -> None:
    base = IssueText(number=1, title="t", body="b", labels=("x",))
    variants = [
        msgspec.structs.replace(base, title="t2"),
        msgspec.structs.replace(base, body="b2"),
        msgspec.structs.replace(base, labels=("y",)),
        msgspec.structs.replace(base, number=2),
    ]
    assert len({issue_sha256(v) for v in [base, *variants]}) == 5

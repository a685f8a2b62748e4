"""A run after its reservation: claim, clone, rounds, verdict, publication, write-back, record and
settlement (`entrypoints.api.run.run_issue` starts it)."""

from __future__ import annotations

import posixpath
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import anyio
import msgspec
from returns.result import Failure, Result, Success

from domain.config import LoopConfig
from domain.forge.values import DraftPullRequest, Issue, RepoRef
from domain.harness.config import ResolvedHarness, resolve_harness
from domain.loop.evidence import render_body
from domain.loop.intake import NEEDS_HUMAN
from domain.loop.outcomes import Outcome, Reason
from domain.loop.prompt import IssueComment, IssueText
from domain.loop.publication import branch_name, pull_request_title
from domain.loop.report import PullRequestDraft, RunReport
from domain.loop.spend import cumulative_spend, judge_run_rounds
from domain.loop.verdict import (
    RunRecord,
    Verdict,
    VerdictConfig,
    encode_verdict,
    issue_sha256,
    sha256_hex,
)
from domain.loop.writeback import claim_labels, final_labels, outcome_comment
from domain.policy.evaluate import policy_names, rules_for_repo
from domain.policy.secrets import compile_scanner, known_secret_values
from entrypoints import bootstrap
from entrypoints.api.check.gates import ApiGateStage
from entrypoints.api.check.values import GateStage
from entrypoints.api.run_steps.body import pr_evidence
from entrypoints.api.run_steps.publish import PublishTarget, publish
from entrypoints.api.run_steps.records import (
    CLONE,
    RECORD,
    START,
    VERDICT,
    RunStart,
    tidy_clones,
    write_json,
)
from entrypoints.api.run_steps.rounds import Adapters, RoundsInput, RoundsState, run_rounds
from entrypoints.api.sandbox import Sandbox
from ports.changes import ChangeCollector
from ports.checkout import CandidateCheckout
from ports.forge import Forge, GitRemote
from ports.ledger import Ledger, ReservationGrant
from ports.run_records import RunRecords
from ports.workspace import Workspace


@dataclass
class Overrides:
    """The caller's overrides, passed down together (None: the composition root's)."""

    forge: Forge | None
    remote: GitRemote | None
    workspace: Workspace | None
    ledger: Ledger | None
    collector: ChangeCollector | None
    stage: GateStage | None
    checkout: CandidateCheckout | None
    sandbox: Sandbox | None
    records: RunRecords | None
    trusted_commenters: tuple[str, ...] = ()


def reason_of(code: str, detail: str) -> tuple[Reason, ...]:
    """One reason, as a run's `reasons`."""
    return (Reason(code=code, detail=detail),)


class Coded(Protocol):
    """Any error value of a port or the domain: a stable code and a message."""

    code: str
    message: str


def reasons_of(error: Coded) -> tuple[Reason, ...]:
    """An error value as a run's `reasons`."""
    return reason_of(error.code, error.message)


class BodyFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What the pull request body shows besides the rounds: base, tree, digest, line counts."""

    base: str
    tree: str
    digest: str
    lines: dict[str, tuple[int, int]]


class Ending(msgspec.Struct, frozen=True, kw_only=True):
    """How the work ended, before settlement, write-back and the record."""

    outcome: Outcome
    reasons: tuple[Reason, ...] = ()
    pr_url: str | None = None
    pr: PullRequestDraft | None = None
    commit: str | None = None
    verdict_sha256: str | None = None


@dataclass
class RunSession:
    """One run after its reservation: everything it acts through, and what it did so far."""

    repo: RepoRef
    issue: Issue
    run_id: str
    config: LoopConfig
    state: str
    env: Mapping[str, str]
    staged: bool
    grant: ReservationGrant
    forge: Forge
    remote: GitRemote
    ledger: Ledger
    records: RunRecords
    sandbox: Sandbox
    given: Overrides
    now: Callable[[], datetime]
    started: float
    rounds: RoundsState = field(default_factory=RoundsState)
    writeback: list[str] = field(default_factory=list)
    claimed: bool = False
    # Set once `verdict.json` is written, so a run cut off later still records its digest.
    verdict_sha256: str | None = None

    @property
    def branch(self) -> str:
        return branch_name(self.issue.number, self.config.loop.branch_prefix)

    @property
    def clone(self) -> str:
        return posixpath.join(self.records.run_dir(self.run_id), CLONE)

    async def go(self) -> RunReport:
        """Do the run under its wall clock; then always settle, write back and record."""
        budget = self.grant.budget
        start = RunStart(
            run_id=self.run_id,
            repo=self.repo.slug,
            issue=self.issue.number,
            started_at=self.now(),
            reservation_id=self.grant.reservation.reservation_id,
            reserved_micros=budget.max_cost_micros,
            staged=self.staged,
            approval_label=self.config.loop.approval_label,
        )
        written = write_json(self.records, self.run_id, START, start)
        ending: Ending
        if isinstance(written, Failure):
            ending = Ending(
                outcome="error",
                reasons=reason_of(written.failure().code, written.failure().message),
            )
        else:
            with anyio.move_on_after(budget.max_wall_clock_s) as scope:
                ending = await self._work()
            if scope.cancelled_caught:
                ending = Ending(
                    outcome="needs-human",
                    reasons=reason_of(
                        "budget-exhausted",
                        f"the run's wall clock of {budget.max_wall_clock_s} s ran out",
                    ),
                    verdict_sha256=self.verdict_sha256,
                )
        charge = self._charge()
        settled = self.ledger.settle(
            self.grant.reservation.reservation_id, cost_micros=charge, at=self.now()
        )
        if isinstance(settled, Failure):
            self.writeback.append(f"settle-failed: {settled.failure().code}")
        await self._write_back(ending)
        record = RunRecord(
            run_id=self.run_id,
            repo=self.repo.slug,
            issue=self.issue.number,
            verdict_sha256=ending.verdict_sha256,
            outcome=ending.outcome,
            reasons=ending.reasons,
            branch=self.branch,
            commit=ending.commit,
            pr_url=ending.pr_url,
            writeback=tuple(self.writeback),
        )
        saved = write_json(self.records, self.run_id, RECORD, record)
        if not isinstance(saved, Failure):
            await tidy_clones(self.records, self._workspace(), self.config.loop.keep_failed_clones)
        return RunReport(
            outcome=ending.outcome,
            repo=self.repo.slug,
            issue=self.issue.number,
            run_id=self.run_id,
            branch=self.branch,
            pr_url=ending.pr_url,
            pr=ending.pr,
            reasons=ending.reasons,
            rounds=len(self.rounds.spends),
            cost_usd=self.known_cost(),
            wall_clock_s=round(time.monotonic() - self.started, 3),
            record=saved.unwrap() if isinstance(saved, Success) else None,
        )

    def _workspace(self) -> Workspace:
        return self.given.workspace or bootstrap.workspace()

    def _charge(self) -> int:
        """What the ledger is charged: the whole reservation when an agent was cut off, else
        the budget's judgement of every round (nothing when no agent ran)."""
        if self.rounds.agent_running:
            return self.grant.budget.max_cost_micros
        if not self.rounds.spends:
            return 0
        return judge_run_rounds(
            self.rounds.spends,
            time.monotonic() - self.started,
            self.grant.budget,
            unknown_cost=self.config.budget.unknown_cost,
        ).charge_micros

    def known_cost(self) -> float | None:
        """What every round cost together, None when a round's cost cannot be trusted."""
        observed = cumulative_spend(self.rounds.spends, 0.0)
        return observed.total_cost_usd if self.rounds.spends else 0.0

    async def _write_back(self, ending: Ending) -> None:
        """Labels and the outcome comment; the approval label goes either way."""
        if self.staged or not self.claimed:
            return
        labels = final_labels(ending.outcome, self.config.loop.approval_label)
        if labels.add:
            added = await self.forge.add_labels(self.repo, self.issue.number, labels.add)
            self.writeback.append(step_text(f"label +{','.join(labels.add)}", added))
        for label in labels.remove:
            removed = await self.forge.remove_label(self.repo, self.issue.number, label)
            self.writeback.append(step_text(f"label -{label}", removed))
        body = outcome_comment(
            ending.outcome, run_id=self.run_id, pr_url=ending.pr_url, reasons=ending.reasons
        )
        commented = await self.forge.comment(self.repo, self.issue.number, body)
        self.writeback.append(step_text("comment", commented))

    async def _claim(self) -> Reason | None:
        if self.staged:
            return None
        labels = claim_labels(clears_needs_human=NEEDS_HUMAN in self.issue.labels)
        added = await self.forge.add_labels(self.repo, self.issue.number, labels.add)
        if isinstance(added, Failure):
            return Reason(code=added.failure().code, detail=added.failure().message)
        self.claimed = True
        self.writeback.append(f"label +{','.join(labels.add)}")
        for label in labels.remove:
            removed = await self.forge.remove_label(self.repo, self.issue.number, label)
            self.writeback.append(step_text(f"label -{label}", removed))
        return None

    async def _base(self) -> Result[tuple[str, str, str, str], Reason]:
        """The base branch, the mirror, the fetched base commit and its tree."""
        base_branch = self.config.loop.base_branch
        if base_branch is None:
            facts = await self.forge.repository(self.repo)
            if isinstance(facts, Failure):
                return Failure(Reason(code=facts.failure().code, detail=facts.failure().message))
            base_branch = facts.unwrap().default_branch
        workspace = self._workspace()
        where = posixpath.join(self.state, "mirrors", self.repo.owner, f"{self.repo.name}.git")
        mirror = await workspace.open_mirror(where)
        if isinstance(mirror, Failure):
            return Failure(Reason(code=mirror.failure().code, detail=mirror.failure().message))
        fetched = await self.remote.fetch(self.repo, base_branch, mirror.unwrap())
        if isinstance(fetched, Failure):
            return Failure(Reason(code=fetched.failure().code, detail=fetched.failure().message))
        base = fetched.unwrap()
        cloned = await workspace.clone(mirror.unwrap(), base, self.branch, self.clone)
        if isinstance(cloned, Failure):
            return Failure(Reason(code=cloned.failure().code, detail=cloned.failure().message))
        tree = await workspace.commit_tree(mirror.unwrap(), base)
        if isinstance(tree, Failure):
            return Failure(Reason(code=tree.failure().code, detail=tree.failure().message))
        return Success((base_branch, mirror.unwrap(), base, tree.unwrap()))

    async def _work(self) -> Ending:
        claim = await self._claim()
        if claim is not None:
            return Ending(outcome="error", reasons=(claim,))
        based = await self._base()
        if isinstance(based, Failure):
            return Ending(outcome="error", reasons=(based.failure(),))
        base_branch, mirror, base, base_tree = based.unwrap()
        config = self.config
        assert config.policy is not None  # checked by `_load`
        names = policy_names(self.repo.slug, self.repo.name)
        rules = rules_for_repo(config.policy, names)
        secret_names = [*config.harness.env_allow]
        if config.forge is not None:
            secret_names.append(config.forge.token_env)
        secrets = known_secret_values(self.env, secret_names)
        scanner = compile_scanner(rules.secret_patterns, secrets)
        text = IssueText(
            number=self.issue.number,
            title=self.issue.title,
            body=self.issue.body,
            labels=self.issue.labels,
        )
        tier = self.grant.budget.tier
        comments: tuple[IssueComment, ...] = ()
        if self.given.trusted_commenters:
            read = await self.forge.issue_comments(self.repo, self.issue.number)
            if isinstance(read, Failure):
                return Ending(outcome="error", reasons=reasons_of(read.failure()))
            comments = tuple(IssueComment(author=c.author, body=c.body) for c in read.unwrap())
        inputs = RoundsInput(
            run_id=self.run_id,
            issue=text,
            comments=comments,
            trusted_commenters=self.given.trusted_commenters,
            names=names,
            rules=rules,
            gates=config.gates,
            budget=self.grant.budget,
            budget_config=config.budget,
            max_rounds=config.loop.max_rounds,
            mirror=mirror,
            clone=self.clone,
            base_commit=base,
            base_tree=base_tree,
            author=config.loop.author,
            config=config,
            harness_tier=None if tier == "base" else tier,
            environ=self.env,
            known_secrets=secrets,
            scanner=scanner,
            started=self.started,
            timestamp=int(self.now().timestamp()),
        )
        adapters = Adapters(
            workspace=self._workspace(),
            collector=self.given.collector or bootstrap.change_collector(),
            stage=self.given.stage or ApiGateStage(sandbox=self.sandbox),
            checkout=self.given.checkout or bootstrap.candidate_checkout(),
            sandbox=self.sandbox,
            records=self.records,
        )
        await run_rounds(inputs, adapters, self.rounds)
        if self.rounds.error is not None:
            return Ending(outcome="error", reasons=(self.rounds.error,))
        verdict = Verdict(
            run_id=self.run_id,
            repo=self.repo.slug,
            issue=self.issue.number,
            issue_sha256=issue_sha256(text),
            base_commit=base,
            config=VerdictConfig(
                policy=rules,
                budget=config.budget,
                harness=self._resolved_harness(inputs.harness_tier),
                gates=config.gates,
                max_rounds=config.loop.max_rounds,
            ),
            budget=self.grant.budget,
            rounds=tuple(self.rounds.rounds),
        )
        data = encode_verdict(verdict)
        saved = self.records.write(self.run_id, VERDICT, data)
        if isinstance(saved, Failure):
            return Ending(
                outcome="error", reasons=reason_of(saved.failure().code, saved.failure().message)
            )
        digest = sha256_hex(data)
        self.verdict_sha256 = digest
        tree = self.rounds.publish_tree
        if tree is None:
            return Ending(outcome="needs-human", reasons=self.rounds.reasons, verdict_sha256=digest)
        counted = await self._workspace().line_counts(mirror, base_tree, tree)
        if isinstance(counted, Failure):
            return Ending(
                outcome="error", reasons=reasons_of(counted.failure()), verdict_sha256=digest
            )
        facts = BodyFacts(base=base, tree=tree, digest=digest, lines=counted.unwrap())
        draft = DraftPullRequest(
            title=pull_request_title(self.issue.title, self.issue.number),
            body=render_body(pr_evidence(self, text, facts, scanner)),
            head=self.branch,
            base=base_branch,
        )
        shown = PullRequestDraft(
            title=draft.title, body=draft.body, head=draft.head, base=draft.base
        )
        if self.staged:
            return Ending(outcome="staged", pr=shown, verdict_sha256=digest)
        done = await publish(
            PublishTarget(
                repo=self.repo,
                issue=self.issue.number,
                issue_title=self.issue.title,
                run_id=self.run_id,
                base_commit=base,
                base_branch=base_branch,
                branch=self.branch,
                tree=tree,
                author=config.loop.author,
                timestamp=inputs.timestamp,
                draft=draft,
            ),
            mirror=mirror,
            clone=self.clone,
            forge=self.forge,
            remote=self.remote,
            workspace=self._workspace(),
        )
        if isinstance(done, Failure):
            failed = done.failure()
            return Ending(
                outcome="needs-human" if failed.needs_human else "error",
                reasons=(failed.reason,),
                pr=shown,
                commit=failed.pushed,
                verdict_sha256=digest,
            )
        published = done.unwrap()
        return Ending(
            outcome="published",
            pr_url=published.pull_request.url,
            pr=shown,
            commit=published.commit,
            verdict_sha256=digest,
        )

    def _resolved_harness(self, tier: str | None) -> ResolvedHarness:
        resolved = resolve_harness(
            self.config.harness, tier=tier, budget_tiers=frozenset(self.config.budget.tiers)
        )
        if isinstance(resolved, Failure):
            # The harness ran with this configuration, so it resolved then: a bug if not now.
            raise AssertionError(resolved.failure().message)
        return resolved.unwrap()


def step_text(what: str, result: Result[object, object]) -> str:
    return what if isinstance(result, Success) else f"{what} (failed)"

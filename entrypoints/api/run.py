"""`run_issue`: one issue through the loop, from a clean clone to a draft pull request with its
evidence (docs/run.md). The decisions are the pure steps of `domain.loop`; this module gathers
facts through ports, asks them, and acts.

The order is the issue's: budget first (a refusal touches nothing), then under the tier's wall
clock the claim, a standalone clone at the fetched base, agent rounds with verification and
remediation (`run_steps.rounds`), `verdict.json`, publication, write-back, `record.json`; the
ledger reservation is always settled.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

import msgspec
from returns.result import Failure, Result, Success

from domain.budget.plan import BudgetRefusal
from domain.config import LoopConfig
from domain.forge.values import Issue, RepoRef, parse_repo
from domain.loop.config import ledger_path, lock_path, state_dir
from domain.loop.intake import run_refusal
from domain.loop.outcomes import Outcome
from domain.loop.prompt import IssueText
from domain.loop.publication import new_run_id
from domain.loop.report import RunReport
from domain.policy.evaluate import validate_policy
from entrypoints import bootstrap
from entrypoints.api.budget import open_ledger, reserve_run
from entrypoints.api.check.values import GateStage
from entrypoints.api.run_steps.records import (
    recover_interrupted,
)
from entrypoints.api.run_steps.session import Overrides, RunSession, reason_of, reasons_of
from entrypoints.api.sandbox import Sandbox, require_sandbox
from entrypoints.config import load_config
from ports.changes import ChangeCollector
from ports.checkout import CandidateCheckout
from ports.config import ConfigSource
from ports.forge import Forge, GitRemote
from ports.ledger import Ledger
from ports.lock import LoopLock
from ports.run_records import RunRecords
from ports.workspace import Workspace


class RunError(msgspec.Struct, frozen=True, kw_only=True, tag="run-error"):
    """The run could not be attempted (configuration or usage): exit 2, nothing touched."""

    code: str
    message: str


def _ended(outcome: Outcome, repo: str, issue: int, **fields: object) -> RunReport:
    return msgspec.convert({"outcome": outcome, "repo": repo, "issue": issue, **fields}, RunReport)


def _load(config_path: str | None, source: ConfigSource | None) -> Result[LoopConfig, RunError]:
    loaded = load_config(config_path, source=source)
    if isinstance(loaded, Failure):
        return Failure(RunError(code=loaded.failure().code, message=loaded.failure().message))
    return _checked(loaded.unwrap())


def _checked(config: LoopConfig) -> Result[LoopConfig, RunError]:
    """A configuration a run may use: it has a valid `[policy]`."""
    if config.policy is None:
        return Failure(
            RunError(
                code="config-policy-missing",
                message="the configuration has no [policy] section; add one (an empty [policy] "
                "takes the documented defaults) - no policy is never an empty policy.",
            )
        )
    valid = validate_policy(config.policy)
    if isinstance(valid, Failure):
        return Failure(RunError(code=valid.failure().code, message=valid.failure().message))
    return Success(config)


def _text(issue: Issue) -> IssueText:
    return IssueText(number=issue.number, title=issue.title, body=issue.body, labels=issue.labels)


async def run_issue(
    repo: str,
    issue: int,
    *,
    config_path: str | None = None,
    staged: bool = False,
    environ: Mapping[str, str] | None = None,
    lock_held: bool = False,
    config_source: ConfigSource | None = None,
    forge: Forge | None = None,
    remote: GitRemote | None = None,
    workspace: Workspace | None = None,
    ledger: Ledger | None = None,
    lock: LoopLock | None = None,
    collector: ChangeCollector | None = None,
    stage: GateStage | None = None,
    checkout: CandidateCheckout | None = None,
    sandbox: Sandbox | None = None,
    records: RunRecords | None = None,
    clock: Callable[[], datetime] | None = None,
    trusted_commenters: Sequence[str] = (),
    approved: IssueText | None = None,
    config: LoopConfig | None = None,
) -> Result[RunReport, RunError]:
    """Run issue `issue` of `repo` (`OWNER/NAME`) through the loop once.

    It takes the loop lock at `<state_dir>/daemon.lock` unless `lock_held` says the caller
    (the daemon's cycle) already holds it; held elsewhere, the run is `locked`. `staged` does
    everything but the forge writes (no label, comment, push or pull request). `environ` is
    the environment the run reads (the token, HOME, PATH) and hands, filtered, to the agent and
    the gates (default: this process's). Issue comments reach the prompt only from
    `trusted_commenters` (the daemon's `[loop] trusted_commenters`; nobody for `run`).

    The configuration is read once and every step of the run (the agent, the gates) uses it;
    `config`, when given (the daemon's cycle passes the one it read), is used instead.
    `approved` is the issue's text as the daemon's intake checked its approval: when the title
    or body the forge now holds differs, the run stops before anything is touched
    (`needs-human`, `issue-changed`), so the agent reads only approved text.
    """
    env = os.environ if environ is None else environ
    now = clock or (lambda: datetime.now(UTC))
    parsed = parse_repo(repo)
    if isinstance(parsed, Failure):
        return Failure(RunError(code="usage-error", message=parsed.failure().message))
    if issue < 1:
        return Failure(RunError(code="usage-error", message="--issue takes a positive number"))
    loaded = _load(config_path, config_source) if config is None else _checked(config)
    if isinstance(loaded, Failure):
        return Failure(loaded.failure())
    config = loaded.unwrap()
    state = state_dir(config.loop, env)
    if state is None:
        return Failure(
            RunError(
                code="state-dir-unknown",
                message="no folder for the loop's state: set [loop] state_dir or HOME",
            )
        )
    held = None
    if not lock_held:
        taken = (lock or bootstrap.loop_lock()).try_acquire(lock_path(state))
        if isinstance(taken, Failure):
            return Failure(RunError(code=taken.failure().code, message=taken.failure().message))
        held = taken.unwrap()
        if held is None:
            return Success(_ended("locked", repo, issue))
    try:
        return await _locked_run(
            parsed.unwrap(),
            issue,
            config=config,
            state=state,
            env=env,
            staged=staged,
            now=now,
            approved=approved,
            given=Overrides(
                forge=forge,
                remote=remote,
                workspace=workspace,
                ledger=ledger,
                collector=collector,
                stage=stage,
                checkout=checkout,
                sandbox=sandbox,
                records=records,
                trusted_commenters=tuple(trusted_commenters),
            ),
        )
    finally:
        if held is not None:
            held.release()


async def _locked_run(
    repo: RepoRef,
    number: int,
    *,
    config: LoopConfig,
    state: str,
    env: Mapping[str, str],
    staged: bool,
    now: Callable[[], datetime],
    given: Overrides,
    approved: IssueText | None = None,
) -> Result[RunReport, RunError]:
    """The run once the lock is held: sandbox, forge, recovery, the issue, the budget."""
    slug = repo.slug
    sandbox = given.sandbox
    if sandbox is None:
        required = await require_sandbox(config.sandbox, environ=env)
        if isinstance(required, Failure):
            error = required.failure()
            return Failure(RunError(code=error.code, message=error.message))
        sandbox = required.unwrap()
    forge, remote = given.forge, given.remote
    if forge is None or remote is None:
        opened = bootstrap.forge(config.forge, env)
        if isinstance(opened, Failure):
            error = opened.failure()
            return Success(
                _ended("error", slug, number, reasons=reason_of(error.code, error.message))
            )
        forge = forge or opened.unwrap()[0]
        remote = remote or opened.unwrap()[1]
    ledger = given.ledger or open_ledger(ledger_path(config.loop, state))
    records = given.records or bootstrap.run_records(state)
    await recover_interrupted(records, ledger, None if staged else forge, now=now())
    found = await forge.issue(repo, number)
    if isinstance(found, Failure):
        error = found.failure()
        return Success(_ended("error", slug, number, reasons=reasons_of(error)))
    issue = found.unwrap()
    refused = run_refusal(_text(issue), approved)
    if refused is not None:
        return Success(_ended("needs-human", slug, number, reasons=(refused,)))
    started_at = now()
    run_id = new_run_id(started_at, os.urandom(3))
    granted = reserve_run(issue.labels, run_id, config=config.budget, ledger=ledger, now=started_at)
    if isinstance(granted, Failure):
        refusal = granted.failure()
        outcome: Outcome = "over-budget" if isinstance(refusal, BudgetRefusal) else "error"
        return Success(
            _ended(
                outcome,
                slug,
                number,
                run_id=run_id,
                reasons=reason_of(refusal.code, refusal.message),
            )
        )
    grant = granted.unwrap()
    run = RunSession(
        repo=repo,
        issue=issue,
        run_id=run_id,
        config=config,
        state=state,
        env=env,
        staged=staged,
        grant=grant,
        forge=forge,
        remote=remote,
        ledger=ledger,
        records=records,
        sandbox=sandbox,
        given=given,
        now=now,
        started=time.monotonic(),
    )
    return Success(await run.go())

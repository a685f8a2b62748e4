"""One daemon cycle (`daemon --once`): refuse under CI, lock, recover, intake, budget, claim,
run, notify.

The cycle gathers facts through ports, lets `domain.loop` decide, and acts. The run itself is
injected (`RunOne`): the cycle hands it a `RunTarget` (the chosen issue, the comments the prompt
may use, the configuration, the lock already held) and gets the run's `RunReport` back. The run
does what `run` does for an issue: reserve its budget, claim the issue (`loop:in-progress`, and
off with `loop:needs-human` for a re-approved one) before the agent starts, and write the outcome
back at the end; the cycle checked the budget before handing it over, so a refusal leaves the
issue untouched.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio
import msgspec
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from domain.config import ConfigError, LoopConfig
from domain.forge.values import ForgeError, RepoRef
from domain.loop.config import ledger_path, lock_path, refusing_variables, state_dir
from domain.loop.facts import trusted_comments
from domain.loop.intake import IssueFacts, choose
from domain.loop.notify import WEBHOOK_TIMEOUT_S, should_notify
from domain.loop.outcomes import Outcome, Reason, cycle_outcome
from domain.loop.prompt import IssueComment as PromptComment
from domain.loop.report import CycleReport, RunReport, Skipped
from entrypoints import bootstrap
from entrypoints.api.budget import open_ledger, plan_run
from entrypoints.api.loop_intake import IntakeEntry, RepoIntake, read_intake
from entrypoints.api.loop_notify import Sleep, notify
from entrypoints.config import load_config
from ports.config import ConfigSource
from ports.forge import Forge
from ports.ledger import Ledger, LedgerError
from ports.lock import LockError, LoopLock
from ports.notify import WebhookPoster


class DaemonError(msgspec.Struct, frozen=True, kw_only=True, tag="daemon-error"):
    """The cycle could not start: `state-dir-unknown` (no `[loop] state_dir` and no home)."""

    code: str
    message: str


DaemonApiError = ConfigError | ForgeError | LockError | DaemonError


@dataclass(frozen=True, kw_only=True)
class RunTarget:
    """One chosen issue for the run: everything the run needs that the cycle already knows."""

    repo: RepoRef
    issue: IssueFacts
    # Who approved (a trusted login), for the record.
    approver: str | None
    # Comments from `[loop] trusted_commenters` only: the prompt may quote them.
    comments: tuple[PromptComment, ...]
    config: LoopConfig
    config_path: str | None
    staged: bool
    # A re-approved `loop:needs-human` issue: the run's claim removes that label.
    clears_needs_human: bool
    # The cycle holds `<state_dir>/daemon.lock`: the run must not take it again.
    lock_held: bool
    state_dir: str
    environ: Mapping[str, str]
    forge: Forge
    ledger: Ledger


RunOne = Callable[[RunTarget], Awaitable[RunReport]]
Clock = Callable[[], datetime]


def default_run_one() -> RunOne | None:
    """The run the CLI uses: `entrypoints.api.run.run_issue` under the cycle's lock."""
    return run_with_run_issue()


def run_with_run_issue(**overrides: Any) -> RunOne:
    """Adapt `run_issue` to the cycle: the lock is held, the trusted comments may reach the
    prompt, and a run that cannot start becomes an `error` run with its code. `overrides` are
    `run_issue`'s adapter keywords (tests pass fakes or a checkout folder there)."""

    async def run(target: RunTarget) -> RunReport:
        from entrypoints.api.run import run_issue

        done = await run_issue(
            target.repo.slug,
            target.issue.number,
            config_path=target.config_path,
            staged=target.staged,
            environ=target.environ,
            lock_held=target.lock_held,
            forge=target.forge,
            ledger=target.ledger,
            trusted_commenters=target.config.loop.trusted_commenters,
            approved=target.issue.text(),
            config=target.config,
            **overrides,
        )
        if not is_successful(done):
            error = done.failure()
            return RunReport(
                outcome="error",
                repo=target.repo.slug,
                issue=target.issue.number,
                reasons=(Reason(code=error.code, detail=error.message),),
            )
        return done.unwrap()

    return run


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class _Cycle:
    config: LoopConfig
    config_path: str | None
    staged: bool
    state: str
    environ: Mapping[str, str]
    forge: Forge
    ledger: Ledger
    run_one: RunOne | None
    now: Clock


def _skipped(entry: IntakeEntry, code: str, detail: str) -> Skipped:
    return Skipped(repo=entry.repo, issue=entry.facts.number, code=code, detail=detail)


def _not_eligible(repos: tuple[RepoIntake, ...]) -> list[Skipped]:
    return [
        _skipped(entry, entry.code or "not-approved", entry.verdict.detail)
        for repo in repos
        for entry in repo.entries
        if not entry.verdict.eligible
    ]


def _budget_stop(cycle: _Cycle, entry: IntakeEntry) -> Skipped | RunReport | None:
    """Why the budget keeps the issue from running (nothing is reserved here: the run does)."""
    planned = plan_run(
        entry.facts.labels, config=cycle.config.budget, ledger=cycle.ledger, now=cycle.now()
    )
    if is_successful(planned):
        return None
    error = planned.failure()
    if isinstance(error, LedgerError) and error.code == "ledger-missing":
        fresh = plan_run(entry.facts.labels, config=cycle.config.budget, now=cycle.now())
        if is_successful(fresh):
            return None
        error = fresh.failure()
    if isinstance(error, LedgerError):
        reason = Reason(code=error.code, detail=error.message)
        return RunReport(
            outcome="error", repo=entry.repo, issue=entry.facts.number, reasons=(reason,)
        )
    return _skipped(entry, error.code, error.message)


async def _comments(cycle: _Cycle, entry: IntakeEntry, ref: RepoRef) -> tuple[PromptComment, ...]:
    trusted = cycle.config.loop.trusted_commenters
    if not trusted:
        return ()
    read = await cycle.forge.issue_comments(ref, entry.facts.number)
    return trusted_comments(read.unwrap(), trusted) if is_successful(read) else ()


async def _start(cycle: _Cycle, entry: IntakeEntry, ref: RepoRef, run_one: RunOne) -> RunReport:
    target = RunTarget(
        repo=ref,
        issue=entry.facts,
        approver=entry.verdict.approver,
        comments=await _comments(cycle, entry, ref),
        config=cycle.config,
        config_path=cycle.config_path,
        staged=cycle.staged,
        clears_needs_human=entry.verdict.clears_needs_human,
        lock_held=True,
        state_dir=cycle.state,
        environ=cycle.environ,
        forge=cycle.forge,
        ledger=cycle.ledger,
    )
    return await run_one(target)


async def _recover(cycle: _Cycle) -> tuple[RunReport, ...]:
    """Close the runs that started and never ended (step 3), as `run` does; a staged cycle
    writes nothing. Each closed run is listed in the cycle's runs as `interrupted`."""
    if cycle.staged:
        return ()
    from entrypoints.api.run_steps.records import RECORD
    from entrypoints.api.run_steps.records import recover_interrupted as recover_runs

    records = bootstrap.run_records(cycle.state)
    closed = await recover_runs(records, cycle.ledger, cycle.forge, now=cycle.now())
    return tuple(
        RunReport(
            outcome=record.outcome or "needs-human",
            repo=record.repo,
            issue=record.issue,
            run_id=record.run_id,
            reasons=record.reasons,
            record=os.path.join(records.run_dir(record.run_id), RECORD),
        )
        for record in closed
    )


async def _serve(
    cycle: _Cycle,
) -> Result[tuple[list[RunReport], list[Skipped], list[Outcome]], ForgeError]:
    runs = list(await _recover(cycle))
    intake = await read_intake(cycle.forge, cycle.config.loop, cycle.now())
    if not is_successful(intake):
        return Failure(intake.failure())
    repos = intake.unwrap()
    skipped = _not_eligible(repos)
    eligible = {
        (entry.repo, entry.facts.number): entry
        for repo in repos
        for entry in repo.entries
        if entry.verdict.eligible
    }
    refs = {repo.repo: repo.ref for repo in repos}
    chosen = choose([e.ranked() for e in eligible.values()], cycle.config.loop.max_runs_per_cycle)
    taken = {(pick.repo, pick.issue.number) for pick in chosen}
    limit = cycle.config.loop.max_runs_per_cycle
    skipped += [
        _skipped(
            entry,
            "cycle-full",
            f"eligible (score {entry.score}), but [loop] max_runs_per_cycle = {limit} better "
            "issues come first; a later cycle takes it",
        )
        for key, entry in eligible.items()
        if key not in taken
    ]
    stopped: list[Outcome] = []
    for pick in chosen:
        entry = eligible[(pick.repo, pick.issue.number)]
        stop = _budget_stop(cycle, entry)
        if isinstance(stop, Skipped):
            skipped.append(stop)
            stopped.append("over-budget")
        elif isinstance(stop, RunReport):
            runs.append(stop)
        elif cycle.run_one is None:
            skipped.append(
                _skipped(
                    entry,
                    "run-unavailable",
                    "this build cannot run issues yet; the issue was left untouched",
                )
            )
        else:
            runs.append(await _start(cycle, entry, refs[entry.repo], cycle.run_one))
    return Success((runs, skipped, stopped))


def _load(
    config: LoopConfig | None, config_path: str | None, source: ConfigSource | None
) -> Result[LoopConfig, ConfigError]:
    if config is not None:
        return Success(config)
    return load_config(config_path, source=source)


async def run_cycle(
    config_path: str | None = None,
    *,
    config: LoopConfig | None = None,
    staged: bool = False,
    environ: Mapping[str, str] | None = None,
    run_one: RunOne | None = None,
    forge: Forge | None = None,
    lock: LoopLock | None = None,
    ledger: Ledger | None = None,
    poster: WebhookPoster | None = None,
    now: Clock = _utc_now,
    sleep: Sleep | None = None,
    webhook_timeout_s: float = WEBHOOK_TIMEOUT_S,
    source: ConfigSource | None = None,
) -> Result[CycleReport, DaemonApiError]:
    """Run one cycle and report it; `run_one` runs a chosen issue (default: `default_run_one`).

    Under CI (a `[loop] refuse_env` variable set in `environ`) nothing is read but the
    configuration: no token, no ledger, no request. Without the lock nothing is read either.
    """
    loaded = _load(config, config_path, source)
    if not is_successful(loaded):
        return Failure(loaded.failure())
    settings = loaded.unwrap()
    env = os.environ if environ is None else environ
    if refusing_variables(settings.loop, env):
        return Success(CycleReport(outcome="refused-ci"))
    state = state_dir(settings.loop, env)
    if state is None:
        return Failure(
            DaemonError(
                code="state-dir-unknown",
                message="no state folder: set [loop] state_dir, or HOME/XDG_STATE_HOME",
            )
        )
    held = (lock or bootstrap.loop_lock()).try_acquire(lock_path(state))
    if not is_successful(held):
        return Failure(held.failure())
    holder = held.unwrap()
    if holder is None:
        return Success(CycleReport(outcome="locked"))
    try:
        if forge is None:
            opened = bootstrap.forge(settings.forge, env)
            if not is_successful(opened):
                return Failure(opened.failure())
            forge = opened.unwrap()[0]
        cycle = _Cycle(
            config=settings,
            config_path=config_path,
            staged=staged,
            state=state,
            environ=env,
            forge=forge,
            ledger=ledger or open_ledger(ledger_path(settings.loop, state)),
            run_one=run_one if run_one is not None else default_run_one(),
            now=now,
        )
        served = await _serve(cycle)
        if not is_successful(served):
            return Failure(served.failure())
        runs, skipped, stopped = served.unwrap()
    finally:
        holder.release()
    report = CycleReport(
        outcome=cycle_outcome([*(r.outcome for r in runs), *stopped]),
        runs=tuple(runs),
        skipped=tuple(skipped),
    )
    webhooks = settings.notify.webhooks
    if webhooks and should_notify(report):
        sent = await notify(
            report,
            webhooks,
            poster=poster or bootstrap.webhook_poster(),
            sleep=sleep or anyio.sleep,
            timeout_s=webhook_timeout_s,
        )
        report = msgspec.structs.replace(report, notifications=sent)
    return Success(report)

"""`replay_run`: re-derive every verdict of a recorded run without the model (docs/replay.md).

It reads the run's `verdict.json` (checked against the digest `record.json` carries), then for
each round clones the candidate kept under `refs/engineering-loop/runs/<run_id>/round-<k>` in
the mirror, re-collects the change against the recorded base, re-evaluates the policy, re-runs
the gates on a clean checkout (sandboxed when it works) and re-judges the budget from the
recorded harness reports; under the recorded configuration, or another one (`config_path`).
"""

from __future__ import annotations

import os
import posixpath
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass

import msgspec
from returns.result import Failure, Result, Success

from domain.budget.plan import DayTotals, plan_budget
from domain.changes.change_set import summarise
from domain.config import LoopConfig
from domain.loop.config import state_dir
from domain.loop.replay import (
    REPLAYABLE_SCHEMAS,
    ReplayReport,
    agent_reasons,
    compare_rounds,
    judged_round,
    run_verdict,
    spends_until,
    stopped_round,
)
from domain.loop.rounds import policy_reasons
from domain.loop.verdict import RoundEvidence, RunRecord, Verdict, VerdictConfig, sha256_hex
from domain.policy.evaluate import policy_names, rules_for_repo, validate_policy
from domain.policy.secrets import compile_scanner, known_secret_values
from domain.text.bounded_json import decode_bounded
from entrypoints import bootstrap
from entrypoints.api.check.gates import ApiGateStage
from entrypoints.api.check.values import GateStage
from entrypoints.api.run_steps.records import RECORD, VERDICT
from entrypoints.api.run_steps.verify import inspect_candidate, run_candidate_gates
from entrypoints.api.sandbox import Sandbox, prepare_sandbox
from entrypoints.config import load_config
from ports.changes import ChangeCollector
from ports.checkout import CandidateCheckout
from ports.config import ConfigSource
from ports.workspace import Workspace

_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class ReplayError(msgspec.Struct, frozen=True, kw_only=True, tag="replay-error"):
    """The run cannot be replayed (missing, damaged, unknown version, digest mismatch, missing
    candidate) or the configuration is unusable: exit 2."""

    code: str
    message: str


class _Schema(msgspec.Struct, kw_only=True):
    schema: int = 1


def _error(code: str, message: str) -> Failure[ReplayError]:
    return Failure(ReplayError(code=code, message=message))


def _locate(run: str, config: LoopConfig, env: Mapping[str, str]) -> Result[str, ReplayError]:
    """The run's folder: `run` itself when it is a folder path, else `<state_dir>/runs/<run>`."""
    if "/" in run or run in (".", ".."):
        folder = os.path.abspath(run)
    elif _RUN_ID.match(run):
        state = state_dir(config.loop, env)
        if state is None:
            return _error(
                "state-dir-unknown", "no folder for the loop's state: set [loop] state_dir or HOME"
            )
        folder = posixpath.join(state, "runs", run)
    else:
        return _error("usage-error", f"{run!r} is neither a run id nor a run folder")
    if not os.path.isdir(folder):
        return _error(
            "replay-run-not-found",
            f"no run folder {folder}: give a run id under the configuration's state_dir "
            "(`<state_dir>/runs/<run_id>`) or the path of a run folder",
        )
    folder = os.path.realpath(folder)
    if posixpath.basename(posixpath.dirname(folder)) != "runs":
        # The run's candidates live in `<state_dir>/mirrors/`: a folder moved out of its state
        # folder cannot be replayed, and one read from elsewhere would be another run's.
        return _error(
            "replay-run-not-found",
            f"{folder} is not a run folder: a run's folder is `<state_dir>/runs/<run_id>`, "
            "beside the state folder's mirrors that hold its candidates",
        )
    return Success(folder)


def _read_verdict(folder: str) -> Result[tuple[Verdict, str], ReplayError]:
    """The run's verdict, decoded strictly and checked against the digest of `record.json`."""
    state, run_id = posixpath.dirname(posixpath.dirname(folder)), posixpath.basename(folder)
    records = bootstrap.run_records(state)
    raw_verdict, raw_record = records.read(run_id, VERDICT), records.read(run_id, RECORD)
    if raw_verdict is None or raw_record is None:
        missing = VERDICT if raw_verdict is None else RECORD
        return _error(
            "replay-record-missing",
            f"{folder}/{missing} is missing: the run ended before its verdict was written, "
            "or the folder is not a run's",
        )
    record_read = decode_bounded(raw_record, RunRecord)
    schema_read = decode_bounded(raw_verdict, _Schema)
    for name, read in ((RECORD, record_read), (VERDICT, schema_read)):
        if isinstance(read, Failure):
            return _error("replay-record-damaged", f"{name} cannot be read: {read.failure()}")
    record, schema = record_read.unwrap(), schema_read.unwrap().schema
    if schema not in REPLAYABLE_SCHEMAS:
        return _error(
            "replay-record-unknown-version",
            f"verdict.json has schema {schema}; this replay reads schema "
            f"{', '.join(map(str, REPLAYABLE_SCHEMAS))} (schema 1 lacks the harness status "
            "and wall clock a verdict is re-derived from)",
        )
    digest = sha256_hex(raw_verdict)
    if record.verdict_sha256 != digest:
        return _error(
            "replay-digest-mismatch",
            f"verdict.json's SHA-256 is {digest} but record.json (and the pull request) carry "
            f"{record.verdict_sha256}: the verdict was changed after the run, replay refuses it",
        )
    verdict_read = decode_bounded(raw_verdict, Verdict)
    if isinstance(verdict_read, Failure):
        return _error(
            "replay-record-damaged", f"verdict.json cannot be read: {verdict_read.failure()}"
        )
    verdict = verdict_read.unwrap()
    if (verdict.run_id, verdict.repo, verdict.issue) != (record.run_id, record.repo, record.issue):
        return _error(
            "replay-record-damaged", "verdict.json and record.json describe different runs"
        )
    return Success((verdict, digest))


def _effective(
    verdict: Verdict, config: LoopConfig, given: bool
) -> Result[tuple[Verdict, tuple[str, ...]], ReplayError]:
    """The verdict's inputs under the recorded configuration, or under `config` when given."""
    if not given:
        return Success((verdict, ()))
    if config.policy is None:
        return _error(
            "config-policy-missing",
            "the configuration has no [policy] section; add one (an empty [policy] takes the "
            "documented defaults)",
        )
    valid = validate_policy(config.policy)
    if isinstance(valid, Failure):
        return _error(valid.failure().code, valid.failure().message)
    name = verdict.repo.partition("/")[2]
    budget = plan_budget(verdict.budget.tiers, config.budget, DayTotals(day=verdict.budget.day))
    if isinstance(budget, Failure):
        return _error(budget.failure().code, budget.failure().message)
    recorded = verdict.config
    under = VerdictConfig(
        policy=rules_for_repo(config.policy, policy_names(verdict.repo, name)),
        budget=config.budget,
        harness=recorded.harness,
        gates=config.gates,
        max_rounds=config.loop.max_rounds,
    )
    notice = (
        "the budget was planned again under the given configuration from the recorded tiers, "
        "without the day's earlier spending",
    )
    return Success((msgspec.structs.replace(verdict, config=under, budget=budget.unwrap()), notice))


@dataclass(frozen=True)
class _Tools:
    """What replay acts through (the composition root's unless given)."""

    workspace: Workspace
    collector: ChangeCollector
    stage: GateStage
    checkout: CandidateCheckout
    sandbox: Sandbox


async def replay_run(
    run: str,
    *,
    config_path: str | None = None,
    environ: Mapping[str, str] | None = None,
    config_source: ConfigSource | None = None,
    workspace: Workspace | None = None,
    collector: ChangeCollector | None = None,
    checkout: CandidateCheckout | None = None,
    sandbox: Sandbox | None = None,
) -> Result[ReplayReport, ReplayError]:
    """Replay run `run` (a run id under the configuration's state_dir, or a run folder):
    every round's verdict then and now; under `config_path`'s sections when given."""
    env = os.environ if environ is None else environ
    loaded = load_config(config_path, source=config_source, defaults_if_absent=True)
    if isinstance(loaded, Failure):
        return _error(loaded.failure().code, loaded.failure().message)
    config = loaded.unwrap()
    located = _locate(run, config, env)
    if isinstance(located, Failure):
        return Failure(located.failure())
    folder = located.unwrap()
    read = _read_verdict(folder)
    if isinstance(read, Failure):
        return Failure(read.failure())
    recorded, digest = read.unwrap()
    effective = _effective(recorded, config, config_path is not None)
    if isinstance(effective, Failure):
        return Failure(effective.failure())
    verdict, notices = effective.unwrap()
    if sandbox is None:
        prepared = await prepare_sandbox(config.sandbox, environ=env)
        if isinstance(prepared, Failure):
            return _error(prepared.failure().code, prepared.failure().message)
        sandbox = prepared.unwrap()
    tools = _Tools(
        workspace=workspace or bootstrap.workspace(),
        collector=collector or bootstrap.change_collector(),
        stage=ApiGateStage(sandbox=sandbox),
        checkout=checkout or bootstrap.candidate_checkout(),
        sandbox=sandbox,
    )
    state = posixpath.dirname(posixpath.dirname(folder))
    owner, _, name = verdict.repo.partition("/")
    mirror = posixpath.join(state, "mirrors", owner, f"{name}.git")
    scratch = tempfile.mkdtemp(prefix="engineering-loop-replay-")
    try:
        now = await _rounds(verdict, mirror, scratch=scratch, config=config, env=env, tools=tools)
    finally:
        await tools.workspace.remove(scratch)
    if isinstance(now, Failure):
        return Failure(now.failure())
    rounds, sandboxed = now.unwrap()
    compared = compare_rounds(recorded.rounds, rounds)
    then_verdict, now_verdict = run_verdict(recorded.rounds), run_verdict(rounds)
    shown = notices + (() if sandboxed else (sandbox.notice or "the gates ran unsandboxed",))
    return Success(
        ReplayReport(
            run_id=verdict.run_id,
            repo=verdict.repo,
            issue=verdict.issue,
            verdict_sha256=digest,
            config=config_path if config_path is not None else "recorded",
            then=then_verdict,
            now=now_verdict,
            agrees=then_verdict == now_verdict and all(r.agrees for r in compared),
            rounds=compared,
            sandboxed=sandboxed,
            notices=shown,
        )
    )


async def _rounds(
    verdict: Verdict,
    mirror: str,
    *,
    scratch: str,
    config: LoopConfig,
    env: Mapping[str, str],
    tools: _Tools,
) -> Result[tuple[tuple[RoundEvidence, ...], bool], ReplayError]:
    """Every round re-derived from its kept candidate, in order."""
    if not os.path.isdir(mirror):
        return _error(
            "replay-mirror-missing",
            f"the repository's mirror {mirror} is gone, and with it the kept candidates",
        )
    base_tree = await tools.workspace.commit_tree(mirror, verdict.base_commit)
    if isinstance(base_tree, Failure):
        return _error(
            "replay-base-missing",
            f"the base commit {verdict.base_commit} is not in {mirror}: "
            f"{base_tree.failure().message}",
        )
    rules = verdict.config.policy
    names = policy_names(verdict.repo, verdict.repo.partition("/")[2])
    secret_names = [*verdict.config.harness.env_allow, *config.harness.env_allow]
    if config.forge is not None:
        secret_names.append(config.forge.token_env)
    secrets = known_secret_values(env, secret_names)
    scanner = compile_scanner(rules.secret_patterns, secrets)
    now: list[RoundEvidence] = []
    sandboxed = True
    previous: str | None = None
    for evidence in verdict.rounds:
        kept = await tools.workspace.ref_commit(mirror, evidence.candidate_ref)
        commit = kept.unwrap() if isinstance(kept, Success) else None
        if commit is None:
            return _error(
                "replay-candidate-missing",
                f"the candidate of round {evidence.number} ({evidence.candidate_ref}) is no "
                f"longer in {mirror}: its verdict cannot be re-derived",
            )
        tree = await tools.workspace.commit_tree(mirror, commit)
        if isinstance(tree, Failure) or tree.unwrap() != evidence.candidate_tree:
            return _error(
                "replay-candidate-mismatch",
                f"{evidence.candidate_ref} does not hold the recorded tree "
                f"{evidence.candidate_tree}: the kept candidate was replaced",
            )
        clone = posixpath.join(scratch, f"round-{evidence.number}")
        cloned = await tools.workspace.clone(mirror, commit, "replay", clone)
        if isinstance(cloned, Failure):
            return _error(cloned.failure().code, cloned.failure().message)
        inspected = await inspect_candidate(
            clone,
            verdict.base_commit,
            names=names,
            rules=rules,
            gates=verdict.config.gates,
            collector=tools.collector,
            stage=tools.stage,
            known_secrets=secrets,
        )
        if isinstance(inspected, Failure):
            return _error(inspected.failure().code, inspected.failure().message)
        seen = inspected.unwrap()
        got = seen.changes.tree or base_tree.unwrap()
        changes = tuple(summarise(c) for c in seen.changes.changes)
        stop = agent_reasons(
            evidence, tree=got, base_tree=base_tree.unwrap(), previous_tree=previous
        ) or policy_reasons(seen.policy)
        previous = got
        if stop:
            now.append(
                stopped_round(evidence, tree=got, changes=changes, policy=seen.policy, reasons=stop)
            )
            continue
        report = await run_candidate_gates(
            clone,
            seen,
            checkout=tools.checkout,
            sandbox=tools.sandbox,
            environ=env,
            timeout_s=float(verdict.budget.max_wall_clock_s),
        )
        sandboxed = sandboxed and (report.sandboxed or not report.gates)
        now.append(
            judged_round(
                evidence,
                tree=got,
                changes=changes,
                policy=seen.policy,
                gates=report,
                spends=spends_until(verdict, evidence.number),
                budget=verdict.budget,
                unknown_cost=verdict.config.budget.unknown_cost,
                max_rounds=verdict.config.max_rounds,
                scanner=scanner,
            )
        )
    return Success((tuple(now), sandboxed))

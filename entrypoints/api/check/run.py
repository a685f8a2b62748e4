"""`check` and `policy check` as a library: verify existing worktrees before anything is published.

Order matters, because agent-written code must not run before its paths were judged: collect the
changes of every repository, plan and prepare its gates (pure, nothing executes), evaluate the
policy on both; only when every repository passes are the gates run, and their side effects and
failures judged again.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import msgspec
from returns.result import Failure, Result, Success

from domain.changes.change_set import (
    ChangeSet,
    default_base_notice,
    excluded_notices,
    manifest_paths,
    summarise,
)
from domain.config import CONFIG_FILE_NAME
from domain.gates.declared import GatesConfig, declared_gates_for
from domain.policy.evaluate import (
    GateEvidence,
    PolicyConfig,
    PolicyRules,
    evaluate_policy,
    policy_names,
    rules_for_repo,
    validate_policy,
)
from domain.policy.secrets import (
    KnownSecret,
    SecretScanner,
    compile_scanner,
    known_secret_values,
    redact,
)
from entrypoints import bootstrap
from entrypoints.api.check.values import (
    CheckConfig,
    CheckError,
    CheckReport,
    GateOutcome,
    GateReport,
    GateStage,
    PlannedGates,
    RanGate,
    RefusedGate,
    RepoReport,
    RepoTarget,
    Verdict,
)
from entrypoints.api.sandbox import Sandbox
from entrypoints.config import load_config
from ports.changes import ChangeCollector, UpstreamReader
from ports.config import ConfigSource

__all__ = [
    "CheckConfig",
    "CheckError",
    "CheckReport",
    "GateOutcome",
    "GateReport",
    "GateStage",
    "PlannedGates",
    "RanGate",
    "RefusedGate",
    "RepoReport",
    "RepoTarget",
    "Verdict",
    "check_repos",
    "environment_secrets",
    "load_check_config",
    "load_policy",
]


class _Inspected(msgspec.Struct, frozen=True, kw_only=True):
    changes: ChangeSet
    planned: PlannedGates
    evidence: GateEvidence
    name: str
    rules: PolicyRules
    # What `check` itself has to say about this repository (e.g. where its base came from).
    notices: tuple[str, ...] = ()


def _evidence(planned: PlannedGates, outcome: GateOutcome | None = None) -> GateEvidence:
    failures = []
    if planned.problem is not None:
        failures.append(("(planning)", planned.problem))
    if outcome is not None:
        failures += [(r.name, r.detail) for r in outcome.results if r.status != "passed"]
    return GateEvidence(
        gates=planned.gates,
        unverified=planned.unverified,
        side_effects=() if outcome is None else outcome.side_effects,
        refused=tuple((r.name, f"{r.code}: {r.message}") for r in planned.refusals),
        failures=tuple(failures),
    )


def _gate_reports(
    planned: PlannedGates, outcome: GateOutcome | None, *, held_back: bool
) -> tuple[GateReport, ...]:
    ran = {r.name: r for r in outcome.results} if outcome is not None else {}
    refused = {r.name for r in planned.refusals}
    reports = []
    for gate in planned.gates:
        result = ran.get(gate.name)
        status = "refused" if gate.name in refused else "planned"
        if result is not None:
            status = result.status
        elif status == "planned" and (outcome is not None or held_back):
            status = "not-run"
        reports.append(
            GateReport(
                name=gate.name,
                declared=gate.declared,
                executed=gate.executed,
                covers=planned.covers.get(gate.name, ()),
                status=status,
                exit_code=None if result is None else result.exit_code,
                duration_s=0.0 if result is None else result.duration_s,
            )
        )
    return tuple(reports)


def _masked_report(report: RepoReport, scanner: SecretScanner) -> RepoReport:
    """`report` with the secret parts of every path, symlink target and gate argv masked.

    `evaluate_policy` masks its own findings; the change list and the gates (whose argv name
    the changed files) would still print a secret-bearing file name in full.
    """

    def mask(text: str) -> str:
        return redact(scanner, text)

    def mask_optional(text: str | None) -> str | None:
        return None if text is None else mask(text)

    changes = tuple(
        msgspec.structs.replace(
            c,
            path=mask(c.path),
            old_path=mask_optional(c.old_path),
            symlink_target=mask_optional(c.symlink_target),
        )
        for c in report.changes
    )
    gates = tuple(
        msgspec.structs.replace(
            g,
            declared=tuple(map(mask, g.declared)),
            executed=None if g.executed is None else tuple(map(mask, g.executed)),
            covers=tuple(map(mask, g.covers)),
        )
        for g in report.gates
    )
    return msgspec.structs.replace(
        report, changes=changes, gates=gates, notices=tuple(map(mask, report.notices))
    )


def _production_collector() -> ChangeCollector:
    collector: ChangeCollector = bootstrap.change_collector()
    return collector


def load_check_config(
    path: str | None, *, source: ConfigSource | None = None
) -> Result[CheckConfig, CheckError]:
    """The validated `[policy]` section of `path` (default `engineering-loop.toml` in the cwd)
    and the `env_allow` names of its `[harness]` section.

    A file without a `[policy]` section is `config-policy-missing`: no policy is never an
    empty policy.
    """
    parsed = load_config(path, source=source)
    if isinstance(parsed, Failure):
        return Failure(CheckError(code=parsed.failure().code, message=parsed.failure().message))
    config = parsed.unwrap()
    if config.policy is None:
        return Failure(_policy_missing(path or CONFIG_FILE_NAME))
    valid = validate_policy(config.policy)
    if isinstance(valid, Failure):
        return Failure(CheckError(code=valid.failure().code, message=valid.failure().message))
    harness = config.harness
    names = [*harness.env_allow]
    for tier in harness.tiers.values():
        names += tier.env_allow or ()
    return Success(
        CheckConfig(
            policy=config.policy,
            secret_env_names=tuple(dict.fromkeys(names)),
            gates=config.gates,
            sandbox=config.sandbox,
        )
    )


def load_policy(
    path: str | None, *, source: ConfigSource | None = None
) -> Result[PolicyConfig, CheckError]:
    """The `[policy]` section of `path` (default `engineering-loop.toml` in the cwd), validated."""
    loaded = load_check_config(path, source=source)
    if isinstance(loaded, Failure):
        return Failure(loaded.failure())
    return Success(loaded.unwrap().policy)


def environment_secrets(names: Sequence[str] = ()) -> tuple[KnownSecret, ...]:
    """The values of `names` and of every credential-looking variable of this process."""
    return known_secret_values(os.environ, names)


def _policy_missing(source: str) -> CheckError:
    return CheckError(
        code="config-policy-missing",
        message=f"{source} has no [policy] section; add one (an empty [policy] takes the "
        "documented defaults) - no policy is never an empty policy.",
    )


async def _defaulted_base(
    repo: str, collector: ChangeCollector, upstreams: UpstreamReader | None
) -> Result[tuple[str, str], CheckError]:
    """The default base of `repo` and the notice saying which ref it came from."""
    found = await collector.default_base(repo)
    if isinstance(found, Failure):
        error = found.failure()
        return Failure(CheckError(code=error.code, message=error.message))
    commit = found.unwrap()
    if upstreams is None:
        upstreams = bootstrap.upstream_reader()
    upstream = await upstreams.upstream(repo)
    if isinstance(upstream, Failure):
        # Only the notice's wording depends on it: the base itself is the collector's.
        notice = default_base_notice(commit, None, None, problem=upstream.failure().message)
    else:
        described = upstream.unwrap()
        notice = default_base_notice(commit, described.branch, described.ref)
    return Success((commit, notice))


async def _inspect(
    target: RepoTarget,
    base: str | None,
    collector: ChangeCollector,
    stage: GateStage,
    policy: PolicyConfig,
    *,
    upstreams: UpstreamReader | None,
    gates: GatesConfig | None = None,
) -> Result[_Inspected, CheckError]:
    repo = target.path
    directory = os.path.basename(os.path.normpath(os.path.abspath(repo)))
    name = target.name or directory
    chosen = base
    notices: tuple[str, ...] = ()
    if chosen is None:
        defaulted = await _defaulted_base(repo, collector, upstreams)
        if isinstance(defaulted, Failure):
            return Failure(defaulted.failure())
        chosen, notice = defaulted.unwrap()
        notices = (notice,)
    names = policy_names(target.name, directory)
    rules = rules_for_repo(policy, names)
    collected = await collector.collect(repo, chosen, trust_index_stat=rules.trust_index_stat)
    if isinstance(collected, Failure):
        error = collected.failure()
        return Failure(CheckError(code=error.code, message=error.message))
    changes = collected.unwrap()
    declared = declared_gates_for(gates, names) if gates is not None else ()
    # Only a repository with declared gates passes them: a stage of its own may predate them.
    planned = await (
        stage.plan(changes.repo, changes.changes, declared=declared)
        if declared
        else stage.plan(changes.repo, changes.changes)
    )
    return Success(
        _Inspected(
            changes=changes,
            planned=planned,
            evidence=_evidence(planned),
            name=name,
            rules=rules,
            notices=notices,
        )
    )


async def check_repos(
    repos: Sequence[str | RepoTarget],
    policy: PolicyConfig | None,
    *,
    base: str | None = None,
    run_gates: bool = True,
    collector: ChangeCollector | None = None,
    stage: GateStage | None = None,
    known_secrets: Sequence[KnownSecret] | None = None,
    upstreams: UpstreamReader | None = None,
    gates: GatesConfig | None = None,
    sandbox: Sandbox | None = None,
) -> Result[CheckReport, CheckError]:
    """Judge the changes of every repository; run gates only when all of them pass the policy.

    `gates` is the `[gates]` section: a repository with declared gates (looked up by the same
    names as its policy) runs those instead of the selected ones.

    A repository given as a plain path is known to the policy by its directory name; a
    `RepoTarget` with a name by that name (`owner/name`) first, then by its directory name.

    `known_secrets` are values no added line may hold; by default the values of this process's
    credential-looking variables (`environment_secrets()`).

    Without `base`, each repository is measured from its default base (the merge base with its
    branch's upstream, else HEAD), which its agent-writable `.git/config` decides; a notice then
    names that commit and ref (`upstreams` reads which ref it is). Unattended callers pass `base`.

    The default stage runs the gates in `sandbox` (default: bubblewrap when it works here).
    """
    secrets = environment_secrets() if known_secrets is None else tuple(known_secrets)
    if policy is None:
        return Failure(_policy_missing("the configuration"))
    valid = validate_policy(policy)
    if isinstance(valid, Failure):
        return Failure(CheckError(code=valid.failure().code, message=valid.failure().message))
    if not repos:
        return Failure(CheckError(code="usage-error", message="pass at least one --repo DIR."))
    if collector is None:
        collector = _production_collector()
    if stage is None:
        from entrypoints.api.check.gates import ApiGateStage

        stage = ApiGateStage(sandbox=sandbox)
    inspected: list[_Inspected] = []
    for repo in repos:
        target = repo if isinstance(repo, RepoTarget) else RepoTarget(path=repo)
        found = await _inspect(
            target, base, collector, stage, policy, upstreams=upstreams, gates=gates
        )
        if isinstance(found, Failure):
            return Failure(found.failure())
        inspected.append(found.unwrap())
    manifests = []
    for item in inspected:
        paths = manifest_paths(item.changes.changes)
        pairs = await collector.read_pairs(item.changes.repo, item.changes.base, paths)
        if isinstance(pairs, Failure):
            return Failure(CheckError(code=pairs.failure().code, message=pairs.failure().message))
        manifests.append(pairs.unwrap())
    verdicts = [
        evaluate_policy(
            item.changes.changes,
            item.evidence,
            item.rules,
            pairs,
            known_secrets=secrets,
            history=item.changes.history,
            relinked=item.changes.relinked,
        )
        for item, pairs in zip(inspected, manifests, strict=True)
    ]
    outcomes: list[GateOutcome | None] = [None] * len(inspected)
    if run_gates and all(v.allowed for v in verdicts):
        for index, item in enumerate(inspected):
            outcome = await stage.run(
                item.changes.repo, item.planned, base=item.changes.base, tree=item.changes.tree
            )
            outcomes[index] = outcome
            verdicts[index] = evaluate_policy(
                item.changes.changes,
                _evidence(item.planned, outcome),
                item.rules,
                manifests[index],
                known_secrets=secrets,
                history=item.changes.history,
                relinked=item.changes.relinked,
            )
    reports = tuple(
        _masked_report(
            RepoReport(
                repo=item.changes.repo,
                name=item.name,
                base=item.changes.base,
                tree=item.changes.tree,
                changes=tuple(summarise(c) for c in item.changes.changes),
                gates=_gate_reports(item.planned, outcome, held_back=run_gates),
                violations=verdict.violations,
                notices=item.notices + excluded_notices(item.changes.excluded) + verdict.notices,
            ),
            compile_scanner(item.rules.secret_patterns, secrets),
        )
        for item, verdict, outcome in zip(inspected, verdicts, outcomes, strict=True)
    )
    allowed = all(v.allowed for v in verdicts)
    ran = [o for o in outcomes if o is not None and o.sandboxed is not None]
    return Success(
        CheckReport(
            verdict="publishable" if allowed else "blocked",
            repos=reports,
            sandboxed=all(o.sandboxed for o in ran) if ran else None,
            sandbox_notice=next((o.sandbox_notice for o in ran if o.sandbox_notice), None),
        )
    )

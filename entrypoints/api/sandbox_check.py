"""`sandbox check` as a library: does the sandbox work here, what it binds, do its rules hold."""

from __future__ import annotations

import os
from collections.abc import Mapping

import msgspec
from returns.result import Failure, Result, Success

from domain.kernel.environment import scrub_environment
from domain.sandbox.config import SandboxSettings
from domain.sandbox.decision import INSTALL_HINT, SandboxDecision, SandboxUnavailable
from domain.sandbox.layout import RunFolder
from domain.sandbox.plan import SandboxPlan, bwrap_argv
from domain.sandbox.rules import PLANTED_VARIABLE, RuleOutcome, probe_rules
from entrypoints import bootstrap
from entrypoints.api.sandbox import PlainRole, Sandbox, run_folders
from ports.process import ProcessRequest, ProcessRunner
from ports.sandbox import SandboxHost

_RULE_TIMEOUT_S = 20.0


class SandboxCheckReport(msgspec.Struct, frozen=True, kw_only=True):
    """What `sandbox check` found: the bwrap used, the configuration, the binds, each rule."""

    ok: bool
    bwrap: str
    settings: SandboxSettings
    # The bwrap command line of a confined process working in `workdir` (its binds, in order).
    example_argv: tuple[str, ...]
    rules: tuple[RuleOutcome, ...]


async def check_sandbox(
    settings: SandboxSettings | None = None,
    *,
    host: SandboxHost | None = None,
    runner: ProcessRunner | None = None,
    environ: Mapping[str, str] | None = None,
) -> Result[SandboxCheckReport, SandboxUnavailable]:
    """Probe bubblewrap whatever `kind` says, then prove each rule in a real sandbox.

    `sandbox-unavailable` when bwrap is missing, cannot create its namespaces, or a rule fails.
    """
    settings = settings if settings is not None else SandboxSettings()
    host = host if host is not None else bootstrap.sandbox_host()
    runner = runner if runner is not None else bootstrap.process_runner()
    environ = environ if environ is not None else os.environ
    probed = await host.probe(environ.get("PATH"))
    if not isinstance(probed, Success):
        return Failure(SandboxUnavailable(message=f"{probed.failure()}; {INSTALL_HINT}."))
    bwrap = probed.unwrap()
    folders = run_folders(environ)
    made = host.new_run_folder(folders)
    if not isinstance(made, Success):
        return Failure(SandboxUnavailable(message=made.failure()))
    scratch = made.unwrap()
    try:
        outcomes = await _prove_rules(
            bwrap,
            settings=settings,
            host=host,
            runner=runner,
            environ=environ,
            scratch=scratch,
            folders=folders,
        )
    finally:
        host.remove_run_folder(scratch)
    report = SandboxCheckReport(
        ok=all(outcome.held for outcome in outcomes),
        bwrap=bwrap,
        settings=settings,
        example_argv=bwrap_argv(SandboxPlan(bwrap=bwrap, workdir=scratch.tmp)),
        rules=outcomes,
    )
    if not report.ok:
        broken = ", ".join(o.name for o in outcomes if not o.held)
        return Failure(
            SandboxUnavailable(
                message=f"bubblewrap runs here but the sandbox's rules do not hold ({broken}); "
                "run `engineering-loop sandbox check --json` for details, or write `[sandbox]` "
                '`kind = "none"` to run agent code unconfined.'
            )
        )
    return Success(report)


async def _prove_rules(
    bwrap: str,
    *,
    settings: SandboxSettings,
    host: SandboxHost,
    runner: ProcessRunner,
    environ: Mapping[str, str],
    scratch: RunFolder,
    folders: str,
) -> tuple[RuleOutcome, ...]:
    sandbox = Sandbox(
        SandboxDecision(sandboxed=True), settings, bwrap=bwrap, host=host, folders=folders
    )
    # A variable of the loop's own, which the allowlist must keep out of the sandbox.
    env = scrub_environment({**environ, PLANTED_VARIABLE: "planted"})
    # What the confined process gets: the scrubbed variables, a fresh HOME and TMPDIR.
    names = {*env, "HOME", "TMPDIR"}
    outcomes = []
    home = environ.get("HOME", "/root")
    # The run folders' path below the home shows inside as empty folders leading to them.
    below = os.path.relpath(folders, home).split(os.sep)[0] if folders.startswith(home) else ""
    for rule in probe_rules(home, names, [below] if below else []):
        request = ProcessRequest(
            argv=rule.argv, cwd=scratch.tmp, env=env, timeout_s=_RULE_TIMEOUT_S
        )
        result = await sandbox.run(runner, request, role=PlainRole())
        held = result.status == "exited" and result.exit_code == 0
        detail = "" if held else f"{result.status}, exit {result.exit_code}: {result.stderr}"
        outcomes.append(RuleOutcome(name=rule.name, shows=rule.shows, held=held, detail=detail))
    return tuple(outcomes)

"""The sandbox as a library: decide once per command, then run each agent or gate process confined.

    sandbox = (await prepare_sandbox(config.sandbox)).unwrap()
    result = await sandbox.run(runner, request, role=GateRole())

`prepare_sandbox` probes bubblewrap (through the `SandboxHost` port) and decides with
`domain.sandbox.decision`: confined, unconfined with a notice, or `sandbox-unavailable`.
`require_sandbox` is the unattended form (`run`, `daemon`): it never falls back. A confined run
gets a run folder of its own (fresh HOME and TMPDIR, the harness's settings copied in), and its
argv and environment go through `confine_request`, the one place that puts bwrap in front.
"""

from __future__ import annotations

import os
import posixpath
import sys
import tempfile
from collections.abc import Awaitable, Callable, Mapping, Sequence

import msgspec
from returns.result import Failure, Result, Success

from domain.kernel.locations import cache_home
from domain.sandbox.config import SandboxSettings
from domain.sandbox.decision import SandboxDecision, SandboxUnavailable, decide_sandbox
from domain.sandbox.layout import (
    RunFolder,
    confined_environment,
    installation_root,
    program_search_path,
    settings_copy,
    uv_cache_binds,
    uv_cache_dir,
)
from domain.sandbox.plan import Bind, SandboxPlan, bwrap_argv, unsafe_bind
from domain.text.bounded_lines import Line
from entrypoints import bootstrap
from ports.process import LineVerdict, ProcessRequest, ProcessResult, ProcessRunner
from ports.sandbox import SandboxHost

__all__ = [
    "GateRole",
    "HarnessRole",
    "PlainRole",
    "Sandbox",
    "SandboxUnavailable",
    "confine_request",
    "prepare_sandbox",
    "require_sandbox",
    "sandbox_for",
]


class HarnessRole(msgspec.Struct, frozen=True, kw_only=True):
    """A coding agent: its installation is bound read-only, its settings folder copied in."""

    harness: str
    executable: str


class GateRole(msgspec.Struct, frozen=True, kw_only=True):
    """A gate: its uv environment is writable, the uv cache and interpreters read-only."""


class PlainRole(msgspec.Struct, frozen=True, kw_only=True):
    """A system command that needs nothing beyond its directory (the probes of `sandbox check`)."""


Role = HarnessRole | GateRole | PlainRole


def confine_request(
    request: ProcessRequest, plan: SandboxPlan, env: dict[str, str]
) -> ProcessRequest:
    """`request` run under `plan`: bwrap's argv in front, bwrap itself given the scrubbed `env`
    (it stays PID 1 inside, and `/proc/1/environ` is readable there)."""
    return msgspec.structs.replace(request, argv=bwrap_argv(plan) + request.argv, env=env)


class Sandbox:
    """One command's sandbox decision, and the confinement of each process the command runs."""

    def __init__(
        self,
        decision: SandboxDecision,
        settings: SandboxSettings,
        *,
        bwrap: str | None = None,
        host: SandboxHost | None = None,
        folders: str | None = None,
    ) -> None:
        self.decision, self.settings = decision, settings
        self._bwrap, self._host, self._folders = bwrap, host, folders

    @property
    def sandboxed(self) -> bool:
        """True when processes run confined."""
        return self.decision.sandboxed

    @property
    def notice(self) -> str | None:
        """Why processes run unconfined (None when confined)."""
        return self.decision.notice

    async def run(
        self, runner: ProcessRunner, request: ProcessRequest, *, role: Role
    ) -> ProcessResult:
        """Run `request` (confined when the sandbox is on) to completion."""

        async def go(confined: ProcessRequest) -> ProcessResult:
            return await runner.run(confined)

        return await self._around(request, role, go)

    async def stream(
        self,
        runner: ProcessRunner,
        request: ProcessRequest,
        on_line: Callable[[Line], LineVerdict],
        transcript_path: str | None,
        *,
        role: Role,
    ) -> ProcessResult:
        """Stream `request`'s output (confined when the sandbox is on), as `runner.stream` does."""

        async def go(confined: ProcessRequest) -> ProcessResult:
            return await runner.stream(confined, on_line, transcript_path)

        return await self._around(request, role, go)

    async def _around(
        self,
        request: ProcessRequest,
        role: Role,
        go: Callable[[ProcessRequest], Awaitable[ProcessResult]],
    ) -> ProcessResult:
        if not self.sandboxed or self._bwrap is None or self._host is None:
            return await go(request)
        host, folders = self._host, self._folders or tempfile.gettempdir()
        made = host.new_run_folder(folders)
        if not isinstance(made, Success):
            return _not_started(made.failure())
        folder = made.unwrap()
        try:
            confined = self._confine(request, role, folder, host)
            if not isinstance(confined, Success):
                return _not_started(confined.failure())
            return await go(confined.unwrap())
        finally:
            host.remove_run_folder(folder)

    def _confine(
        self, request: ProcessRequest, role: Role, folder: RunFolder, host: SandboxHost
    ) -> Result[ProcessRequest, str]:
        assert self._bwrap is not None
        binds: list[Bind] = [Bind(source=folder.root, writable=True)]
        extra: dict[str, str] = {}
        argv = request.argv
        if isinstance(role, HarnessRole):
            network = self.settings.harness_network == "shared"
            binds.append(Bind(source=installation_root(role.executable)))
            # The run's own tool-state folders (`tool_state_environment`): the agent's uv, Python,
            # mypy and ruff must be able to write their state there, as outside the sandbox.
            binds += _state_binds(request.env, _HARNESS_STATE, host)
            copy = settings_copy(role.harness, request.env, folder)
            if copy is not None:
                copied = host.copy_settings(copy)
                if not isinstance(copied, Success):
                    return Failure(copied.failure())
                if copied.unwrap() or copy.variable in request.env:
                    extra[copy.variable] = copy.dest
        elif isinstance(role, PlainRole):
            network = self.settings.gates_network == "shared"
        else:
            network = self.settings.gates_network == "shared"
            search = program_search_path(request.env.get("PATH"), _interpreter_bins())
            located = host.locate(argv[0], search) if argv else None
            if located is not None:
                # Found on the host's PATH, run by that path: the sandbox may not see the rest.
                argv = (located, *argv[1:])
                binds.append(Bind(source=installation_root(located)))
            binds += self._gate_binds(request.env, folder, host, extra)
        plan = SandboxPlan(
            bwrap=self._bwrap, workdir=request.cwd, binds=_distinct(binds), network=network
        )
        unsafe = unsafe_bind(plan)
        if unsafe is not None:
            return Failure(f"the sandbox would expose {unsafe}; run it from another directory")
        env = confined_environment(request.env, folder, extra)
        return Success(confine_request(msgspec.structs.replace(request, argv=argv), plan, env))

    def _gate_binds(
        self, env: Mapping[str, str], folder: RunFolder, host: SandboxHost, extra: dict[str, str]
    ) -> list[Bind]:
        binds: list[Bind] = []
        # The gate's own state outside the worktree, kept between its runs: the uv environment
        # it syncs, the bytecode prefix and the mypy and ruff caches (`domain.gates.env`).
        binds += _state_binds(env, _GATE_STATE, host)
        environment = env.get("UV_PROJECT_ENVIRONMENT", "")
        home = host.venv_home(environment) if environment.startswith("/") else None
        if home is not None:
            binds.append(Bind(source=_prefix(home)))
        shared = uv_cache_dir(env)
        if shared is not None and host.existing([shared]):
            binds += uv_cache_binds(shared, host.entries(shared), folder)
            extra["UV_CACHE_DIR"] = shared
        for pythons in host.existing(_managed_pythons(env)):
            binds.append(Bind(source=pythons))
            extra.setdefault("UV_PYTHON_INSTALL_DIR", pythons)
        # The interpreter the loop runs on (often below the home, as pyenv's are).
        binds.append(Bind(source=sys.base_prefix))
        return binds


# The variables naming a folder a confined command keeps its tools' state in (writable there).
_GATE_STATE = ("UV_PROJECT_ENVIRONMENT", "PYTHONPYCACHEPREFIX", "MYPY_CACHE_DIR", "RUFF_CACHE_DIR")
_HARNESS_STATE = (*_GATE_STATE, "UV_CACHE_DIR")


def _state_binds(env: Mapping[str, str], names: Sequence[str], host: SandboxHost) -> list[Bind]:
    binds: list[Bind] = []
    for name in names:
        state = env.get(name, "")
        if state.startswith("/"):
            # The tools create them on first use; bwrap binds only what exists.
            host.make_directory(state)
            binds.append(Bind(source=state, writable=True))
    return binds


def _interpreter_bins() -> list[str]:
    return [posixpath.join(sys.base_prefix, "bin"), posixpath.join(sys.prefix, "bin")]


def _prefix(bin_dir: str) -> str:
    normal = posixpath.normpath(bin_dir)
    return posixpath.dirname(normal) if posixpath.basename(normal) == "bin" else normal


def _managed_pythons(env: Mapping[str, str]) -> list[str]:
    explicit = env.get("UV_PYTHON_INSTALL_DIR", "")
    if explicit.startswith("/"):
        return [explicit]
    data = env.get("XDG_DATA_HOME", "")
    if data.startswith("/"):
        return [posixpath.join(data, "uv", "python")]
    home = env.get("HOME", "")
    return [posixpath.join(home, ".local", "share", "uv", "python")] if home.startswith("/") else []


def _distinct(binds: list[Bind]) -> tuple[Bind, ...]:
    """One bind per target: a writable one wins over a read-only one."""
    chosen: dict[str, Bind] = {}
    for bind in binds:
        known = chosen.get(bind.target)
        if known is None or (bind.writable and not known.writable):
            chosen[bind.target] = bind
    return tuple(chosen.values())


def _not_started(problem: str) -> ProcessResult:
    return ProcessResult(
        status="not-executable", exit_code=126, stdout="", stderr=f"sandbox: {problem}"
    )


def run_folders(environ: Mapping[str, str]) -> str:
    """Where run folders go: below the cache home, outside every worktree."""
    base = cache_home(environ)
    root = base if base is not None else tempfile.gettempdir()
    return posixpath.join(root, "engineering-loop", "sandbox")


async def prepare_sandbox(
    settings: SandboxSettings | None = None,
    *,
    unattended: bool = False,
    host: SandboxHost | None = None,
    environ: Mapping[str, str] | None = None,
) -> Result[Sandbox, SandboxUnavailable]:
    """Probe bubblewrap (unless `kind = "none"`) and decide how this command runs agent code.

    By hand (`check`, `gate run`, `harness run`, `demo`) a sandbox that does not work means
    unconfined with a notice, unless `kind = "bwrap"` is configured; `unattended` never falls back.
    """
    settings = settings if settings is not None else SandboxSettings()
    environ = environ if environ is not None else os.environ
    bwrap: str | None = None
    problem: str | None = None
    if settings.kind != "none":
        host = host if host is not None else bootstrap.sandbox_host()
        probed = await host.probe(environ.get("PATH"))
        if isinstance(probed, Success):
            bwrap = probed.unwrap()
        else:
            problem = probed.failure()
    decided = decide_sandbox(settings, problem, unattended=unattended)
    if not isinstance(decided, Success):
        return Failure(decided.failure())
    return Success(
        Sandbox(decided.unwrap(), settings, bwrap=bwrap, host=host, folders=run_folders(environ))
    )


async def require_sandbox(
    settings: SandboxSettings | None = None,
    *,
    host: SandboxHost | None = None,
    environ: Mapping[str, str] | None = None,
) -> Result[Sandbox, SandboxUnavailable]:
    """The sandbox of an unattended command (`run`, `daemon`): `sandbox-unavailable` unless it
    works, or unless `kind = "none"` is written in the configuration."""
    return await prepare_sandbox(settings, unattended=True, host=host, environ=environ)


async def sandbox_for(
    settings: SandboxSettings | None,
    *,
    given: Sandbox | None,
    runner_injected: bool,
    environ: Mapping[str, str] | None = None,
) -> Result[Sandbox, SandboxUnavailable]:
    """The sandbox a by-hand command uses: the one `given`, else a probed one.

    A caller that injects its own process runner runs no process the sandbox could confine, so
    it gets none (and `kind = "bwrap"` then fails closed) unless it passes a sandbox too.
    """
    if given is not None:
        return Success(given)
    settings = settings if settings is not None else SandboxSettings()
    if runner_injected and settings.kind != "none":
        problem = "an injected process runner came without a sandbox"
        decided = decide_sandbox(settings, problem, unattended=False)
        if not isinstance(decided, Success):
            return Failure(decided.failure())
        return Success(Sandbox(decided.unwrap(), settings))
    return await prepare_sandbox(settings, environ=environ)

"""Library API for gates: select them for changed paths, check files, and run them safely.

Typical use, once per repository (what `engineering-loop check` does)::

    from entrypoints.api.gates.run import select_for_paths, run_gates

    plan = select_for_paths("/work/repo", ["pkg/mod.py", "README.md"]).unwrap()
    report = run_gates("/work/repo", plan).unwrap()
    report.verdict          # "passed" | "failed" | "refused"
    report.side_effects     # paths a gate created, changed or deleted

`run_gates` prepares every gate first and runs none if one is refused; it runs the gates in an
allowlisted environment (no caller tokens, no bytecode, uv's environment outside the worktree)
and snapshots the worktree before and after each gate to prove it left no trace. Adapters are
optional keyword arguments; the defaults come from `entrypoints.bootstrap`.
"""

from __future__ import annotations

import functools
import os
import posixpath
import time
from collections.abc import Mapping, Sequence

import anyio
import anyio.to_thread
import msgspec
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from domain.changes.content import BINARY_PROBE_BYTES, MAX_CHECKED_FILE_BYTES, content_looks_binary
from domain.changes.snapshot import WorktreeSnapshot, side_effects
from domain.gates.declared import DeclaredGate, plan_gates
from domain.gates.env import gate_environment
from domain.gates.file_checks import FileCheck, all_passed, check_file_bytes, skipped_missing
from domain.gates.project import ProjectFacts
from domain.gates.run import (
    GateResult,
    GateRunReport,
    PreparedPlan,
    ReadyGate,
    builtin_paths,
    gate_status,
    is_builtin_check_files,
    prepare_plan_with,
    run_verdict,
    single_gate_plan,
)
from domain.gates.select import ChangedFile, GatePlan, is_safe_relative_path
from domain.kernel.quantities import is_positive_finite
from entrypoints import bootstrap
from entrypoints.api.gates.prepare import GatePreparer
from entrypoints.api.gates.prepare import read_facts as read_project_facts
from entrypoints.api.sandbox import GateRole, Sandbox, sandbox_for
from ports.files import FileReader
from ports.process import ProcessRequest, ProcessRunner
from ports.project import ProjectFilesReader
from ports.worktree import WorktreeSnapshotter

DEFAULT_TIMEOUT_S = 600.0
# Output kept per gate and stream in the report: the head and the tail of this many bytes.
OUTPUT_LIMIT_BYTES = 64 * 1024
_encoder = msgspec.json.Encoder(order="deterministic")


def _production_project_reader() -> ProjectFilesReader:
    reader: ProjectFilesReader = bootstrap.project_files_reader()
    return reader


def _production_file_reader() -> FileReader:
    reader: FileReader = bootstrap.file_reader()
    return reader


def _production_snapshotter() -> WorktreeSnapshotter:
    snapshotter: WorktreeSnapshotter = bootstrap.worktree_snapshotter()
    return snapshotter


def _production_runner() -> ProcessRunner:
    runner: ProcessRunner = bootstrap.process_runner()
    return runner


class GateApiError(msgspec.Struct, frozen=True, kw_only=True, tag="gate-api-error"):
    """Gates could not be selected or run at all (not a gate's own failure)."""

    code: str
    message: str


class CheckFilesReport(msgspec.Struct, frozen=True, kw_only=True):
    """The built-in check of a list of files: ok when none failed."""

    ok: bool
    files: tuple[FileCheck, ...]


def _repo_root(repo: str) -> Result[str, GateApiError]:
    root = os.path.abspath(repo)
    if not os.path.isdir(root):
        return Failure(
            GateApiError(
                code="repo-not-found",
                message=f"no directory at {root}; pass the repository root as --repo.",
            )
        )
    return Success(root)


def read_facts(
    repo: str, *, reader: ProjectFilesReader | None = None
) -> Result[ProjectFacts, GateApiError]:
    """Read and derive the project facts of the repository at `repo` (as `gate prepare` does)."""
    root = _repo_root(repo)
    if not is_successful(root):
        return Failure(root.failure())
    facts = read_project_facts(root.unwrap(), reader=reader or _production_project_reader())
    if not is_successful(facts):
        error = facts.failure()
        return Failure(GateApiError(code=error.code, message=error.message))
    return Success(facts.unwrap())


def _relative(root: str, path: str) -> str:
    if os.path.isabs(path):
        inside = os.path.relpath(path, root)
        # Outside the repository: keep it absolute so selection lists it as unverified.
        return path if inside.startswith("..") else inside.replace(os.sep, "/")
    # `./a.py` and `a//b.py` name repo paths; a leading `..` stays and is judged unsafe.
    return posixpath.normpath(path) if path else path


def changed_files(
    repo: str, paths: Sequence[str], *, files: FileReader | None = None
) -> tuple[ChangedFile, ...]:
    """Describe changed paths of `repo` as they are on disk: gone means deleted, NULs binary."""
    reader = files or _production_file_reader()
    root = os.path.abspath(repo)
    described = []
    for raw in paths:
        path = _relative(root, raw)
        if not is_safe_relative_path(path):
            # Never read outside the repository; selection lists the path as unverified.
            described.append(ChangedFile(path=path))
            continue
        head = reader.read(os.path.join(root, path), limit=BINARY_PROBE_BYTES)
        content = head.unwrap() if is_successful(head) else b""
        described.append(
            ChangedFile(
                path=path,
                deleted=is_successful(head) and content is None,
                binary=content is not None and content_looks_binary(content),
            )
        )
    return tuple(described)


def select_for_paths(
    repo: str,
    paths: Sequence[str],
    *,
    reader: ProjectFilesReader | None = None,
    files: FileReader | None = None,
    declared: Sequence[DeclaredGate] = (),
) -> Result[GatePlan, GateApiError]:
    """Select the gates for changed `paths` (repo-relative, or absolute inside `repo`); where
    the repository has `declared` gates (`declared_gates_in`), those are its gates."""
    facts = read_facts(repo, reader=reader)
    if not is_successful(facts):
        return Failure(facts.failure())
    changes = changed_files(repo, paths, files=files)
    return Success(plan_gates(changes, facts.unwrap(), declared))


def check_files(
    paths: Sequence[str], *, root: str = ".", files: FileReader | None = None
) -> Result[CheckFilesReport, CheckFilesReport]:
    """Check files relative to `root`: Python compiles in memory, TOML/JSON parse, text is UTF-8.

    Success when every file passed (or was skipped as deleted), else Failure; both carry the
    report of every file, with the failed ones' codes.
    """
    report = _check_files_report(paths, root=root, files=files)
    return Success(report) if report.ok else Failure(report)


def _check_files_report(
    paths: Sequence[str], *, root: str, files: FileReader | None
) -> CheckFilesReport:
    reader = files or _production_file_reader()
    checks: list[FileCheck] = []
    for path in paths:
        # One byte past the limit, so the domain can tell a file that is too large.
        data = reader.read(os.path.join(root, path), limit=MAX_CHECKED_FILE_BYTES + 1)
        if not is_successful(data):
            error = data.failure()
            checks.append(
                FileCheck(
                    path=path, status="failed", kind="file", code=error.code, message=error.message
                )
            )
            continue
        content = data.unwrap()
        checks.append(skipped_missing(path) if content is None else check_file_bytes(path, content))
    return CheckFilesReport(ok=all_passed(tuple(checks)), files=tuple(checks))


def prepare_gates(
    repo: str,
    plan: GatePlan,
    *,
    facts: ProjectFacts | None = None,
    reader: ProjectFilesReader | None = None,
) -> Result[PreparedPlan, GateApiError]:
    """Prepare every gate of `plan` for `repo` without running any (the policy checks these).

    Preparation is `gate prepare`'s own (`GatePreparer`): a `--directory D` gate takes the facts
    of the project uv would use for D.
    """
    root = _repo_root(repo)
    if not is_successful(root):
        return Failure(root.failure())
    if facts is None:
        read = read_facts(root.unwrap(), reader=reader)
        if not is_successful(read):
            return Failure(read.failure())
        facts = read.unwrap()
    preparer = GatePreparer(root.unwrap(), facts, reader or _production_project_reader())
    return Success(prepare_plan_with(plan, preparer.prepare))


# The first name of `prepare_gates`; `check` (policy branch) imports it, so it stays.
prepare = prepare_gates


class _Session:
    """Runs the gates of one repository: programs through the runner, check-files in-process."""

    def __init__(
        self,
        *,
        root: str,
        env: dict[str, str],
        timeout_s: float,
        runner: ProcessRunner,
        files: FileReader,
        sandbox: Sandbox,
    ) -> None:
        self.root, self.env, self.timeout_s = root, env, timeout_s
        self.runner, self.files, self.sandbox = runner, files, sandbox

    async def run(self, gate: ReadyGate) -> GateResult:
        if is_builtin_check_files(gate.executed):
            # Reading and compiling many files blocks; keep the event loop free meanwhile.
            return await anyio.to_thread.run_sync(self._check_files, gate)
        request = ProcessRequest(
            argv=gate.executed,
            cwd=self.root,
            env=self.env,
            timeout_s=gate.timeout_s if gate.timeout_s is not None else self.timeout_s,
            capture_limit_bytes=OUTPUT_LIMIT_BYTES,
        )
        result = await self.sandbox.run(self.runner, request, role=GateRole())
        return GateResult(
            name=gate.name,
            declared=gate.declared,
            executed=gate.executed,
            status=gate_status(result.status, result.exit_code),
            exit_code=result.exit_code,
            duration_s=result.duration_s,
            stdout=result.stdout,
            stderr=result.stderr,
            output_truncated=result.stdout_truncated or result.stderr_truncated,
        )

    def _check_files(self, gate: ReadyGate) -> GateResult:
        started = time.monotonic()
        report = _check_files_report(builtin_paths(gate.executed), root=self.root, files=self.files)
        return GateResult(
            name=gate.name,
            declared=gate.declared,
            executed=gate.executed,
            status="passed" if report.ok else "failed",
            exit_code=0 if report.ok else 1,
            duration_s=round(time.monotonic() - started, 3),
            stdout=_encoder.encode(report).decode(),
        )


async def run_gates_async(
    repo: str,
    plan: GatePlan,
    *,
    facts: ProjectFacts | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    parent_env: Mapping[str, str] | None = None,
    env_dir: str | None = None,
    reader: ProjectFilesReader | None = None,
    runner: ProcessRunner | None = None,
    snapshotter: WorktreeSnapshotter | None = None,
    files: FileReader | None = None,
    sandbox: Sandbox | None = None,
) -> Result[GateRunReport, GateApiError]:
    """Prepare all gates of `plan`; run none if one is refused, else run each, proving no trace."""
    prepared = prepare_gates(repo, plan, facts=facts, reader=reader)
    if not is_successful(prepared):
        return Failure(prepared.failure())
    return await run_prepared_async(
        repo,
        prepared.unwrap(),
        timeout_s=timeout_s,
        parent_env=parent_env,
        env_dir=env_dir,
        runner=runner,
        snapshotter=snapshotter,
        files=files,
        sandbox=sandbox,
    )


async def run_prepared_async(
    repo: str,
    prepared: PreparedPlan,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    parent_env: Mapping[str, str] | None = None,
    env_dir: str | None = None,
    runner: ProcessRunner | None = None,
    snapshotter: WorktreeSnapshotter | None = None,
    files: FileReader | None = None,
    base: str | None = None,
    sandbox: Sandbox | None = None,
) -> Result[GateRunReport, GateApiError]:
    """Run an already prepared plan as it is (`check` runs the plan its policy judged): none if
    a gate was refused, else each in order, proving it left no trace.

    The trace is judged with the ignore rules committed in `base` (`check` passes its base),
    else HEAD's: a rule the agent committed must not hide what its gate writes.

    Gate processes run in `sandbox` (default: bubblewrap when it works here, else unconfined
    with a notice in the report; see `entrypoints.api.sandbox.sandbox_for`).
    """
    if not is_positive_finite(timeout_s):
        return Failure(
            GateApiError(
                code="gate-timeout-invalid",
                message=f"the gate timeout must be a positive, finite number of seconds, "
                f"not {timeout_s}.",
            )
        )
    root_result = _repo_root(repo)
    if not is_successful(root_result):
        return Failure(root_result.failure())
    root = root_result.unwrap()
    ready = prepared
    if ready.refusals:
        return Success(GateRunReport(repo=root, verdict="refused", refusals=ready.refusals))
    env = gate_environment(os.environ if parent_env is None else parent_env, root, env_dir)
    if not is_successful(env):
        env_error = env.failure()
        return Failure(GateApiError(code=env_error.code, message=env_error.message))
    chosen = await sandbox_for(
        None,
        given=sandbox,
        runner_injected=runner is not None,
        environ=os.environ if parent_env is None else parent_env,
    )
    if not is_successful(chosen):
        return Failure(GateApiError(code=chosen.failure().code, message=chosen.failure().message))
    snapshots = snapshotter or _production_snapshotter()
    first = await snapshots.snapshot(root, base=base)
    if not is_successful(first):
        snapshot_error = first.failure()
        return Failure(GateApiError(code=snapshot_error.code, message=snapshot_error.message))
    session = _Session(
        root=root,
        env=env.unwrap(),
        timeout_s=timeout_s,
        runner=runner or _production_runner(),
        files=files or _production_file_reader(),
        sandbox=chosen.unwrap(),
    )
    before: WorktreeSnapshot = first.unwrap()
    results: list[GateResult] = []
    for gate in ready.ready:
        result = await session.run(gate)
        if is_builtin_check_files(gate.executed):
            # Our own in-process reader writes nothing; a snapshot costs seconds on big trees.
            results.append(result)
            continue
        after = await snapshots.snapshot(root, base=base)
        if not is_successful(after):
            # The gate left the worktree unreadable: the whole tree counts as touched.
            results.append(msgspec.structs.replace(result, side_effects=(".",)))
            break
        touched = side_effects(before, after.unwrap())
        results.append(msgspec.structs.replace(result, side_effects=touched))
        before = after.unwrap()
    touched_all = tuple(sorted({p for r in results for p in r.side_effects}))
    return Success(
        GateRunReport(
            repo=root,
            verdict=run_verdict(results, ()),
            gates=tuple(results),
            side_effects=touched_all,
            snapshot_mode=first.unwrap().mode,
            environment=env.unwrap()["UV_PROJECT_ENVIRONMENT"],
            sandboxed=chosen.unwrap().sandboxed,
            sandbox_notice=chosen.unwrap().notice,
        )
    )


def run_gates(
    repo: str,
    plan: GatePlan,
    *,
    facts: ProjectFacts | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    parent_env: Mapping[str, str] | None = None,
    env_dir: str | None = None,
    reader: ProjectFilesReader | None = None,
    runner: ProcessRunner | None = None,
    snapshotter: WorktreeSnapshotter | None = None,
    files: FileReader | None = None,
    sandbox: Sandbox | None = None,
) -> Result[GateRunReport, GateApiError]:
    """Blocking form of `run_gates_async`, for callers that are not already in an event loop."""
    return anyio.run(
        functools.partial(
            run_gates_async,
            repo,
            plan,
            facts=facts,
            timeout_s=timeout_s,
            parent_env=parent_env,
            env_dir=env_dir,
            reader=reader,
            runner=runner,
            snapshotter=snapshotter,
            files=files,
            sandbox=sandbox,
        )
    )


def run_gate(
    repo: str,
    argv: Sequence[str],
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    parent_env: Mapping[str, str] | None = None,
    env_dir: str | None = None,
    runner: ProcessRunner | None = None,
    snapshotter: WorktreeSnapshotter | None = None,
    sandbox: Sandbox | None = None,
) -> Result[GateRunReport, GateApiError]:
    """Prepare and run one declared gate, as `engineering-loop gate run` does (blocking)."""
    return run_gates(
        repo,
        single_gate_plan(argv),
        timeout_s=timeout_s,
        parent_env=parent_env,
        env_dir=env_dir,
        runner=runner,
        snapshotter=snapshotter,
        sandbox=sandbox,
    )

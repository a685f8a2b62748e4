"""`demo run`: the whole loop on a fresh machine, from an approved issue to a draft pull request.

Inside one folder it sets up the embedded local forge (the demo project as the repository, the
demo issue approved by a user with write permission), a configuration whose state and ledger
live in that folder, and Pi's settings pointing at the scripted model server on 127.0.0.1; then
it runs one `daemon --once` cycle with the real Pi. The model is a script, not an LLM.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Mapping
from typing import Any

import msgspec
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from domain.forge.values import ForgeError, RepoRef
from domain.loop.report import CycleReport, RunReport
from domain.sandbox.config import SandboxSettings
from entrypoints import bootstrap
from entrypoints.api.daemon import DaemonApiError, run_cycle, run_with_run_issue
from entrypoints.api.sandbox import prepare_sandbox
from entrypoints.demo.pi import MODEL, PROVIDER, pi_models, pi_settings
from entrypoints.demo.script import (
    DemoIssue,
    DemoScript,
    DemoScriptError,
    load_demo_issue,
    load_demo_script,
)
from ports.scratch import ScratchError

# The source checkout this module belongs to: the demo project and the project-local Pi are
# found relative to it (neither is part of the wheel).
CHECKOUT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO_PROJECT = os.path.join(CHECKOUT_ROOT, "examples", "demo-project")
PI_BINARY = os.path.join(CHECKOUT_ROOT, "tools", "pi", "node_modules", ".bin", "pi")
DEMO_REPO = RepoRef(owner="example", name="demo-project")
# Who approves the demo issue: a user with write permission, so the approval is trusted.
APPROVER = "maintainer"
APPROVAL_LABEL = "loop:approved"


class DemoRunError(msgspec.Struct, frozen=True, kw_only=True, tag="demo-run-error"):
    """The demo could not run: `demo-pi-missing` (the project-local Pi is not installed),
    `demo-dir-not-empty` (DIR holds something already), `demo-run-not-started` (the cycle ran
    no issue)."""

    code: str
    message: str


DemoApiError = DemoRunError | DemoScriptError | ScratchError | ForgeError | DaemonApiError


class DemoLoopRun(msgspec.Struct, frozen=True, kw_only=True):
    """One demo run: its folder, whether agent and gates ran confined, and the run's report."""

    dir: str
    variant: str
    sandboxed: bool
    sandbox_notice: str | None
    report: RunReport
    script: DemoScript


def pi_missing_message(binary: str) -> str:
    """What to do when the project-local Pi (`tools/pi/node_modules/.bin/pi`) is not installed.

    >>> "npm ci --prefix /c/tools/pi" in pi_missing_message("/c/tools/pi/node_modules/.bin/pi")
    True
    """
    tools = os.path.dirname(os.path.dirname(os.path.dirname(binary)))
    return (
        f"the demo runs the real Pi from this checkout, and {binary} is not installed; install "
        f"the pinned Pi with `npm ci --prefix {tools} --ignore-scripts --no-audit --no-fund` "
        "(node and npm needed), then run `demo run` again"
    )


def _find_pi(binary: str) -> Result[str, DemoRunError]:
    if os.path.isfile(binary) and os.access(binary, os.X_OK):
        return Success(binary)
    return Failure(DemoRunError(code="demo-pi-missing", message=pi_missing_message(binary)))


def _prepare_dir(directory: str | None) -> Result[str, DemoRunError]:
    if directory is None:
        return Success(os.path.realpath(tempfile.mkdtemp(prefix="engineering-loop-demo-")))
    folder = os.path.realpath(directory)
    try:
        os.makedirs(folder, exist_ok=True)
        present = os.listdir(folder)
    except OSError as exc:
        return Failure(
            DemoRunError(
                code="demo-dir-not-empty",
                message=f"cannot use {folder} for the demo ({exc}); give --dir a new folder",
            )
        )
    if present:
        return Failure(
            DemoRunError(
                code="demo-dir-not-empty",
                message=f"{folder} is not empty; give --dir a new or empty folder (a demo "
                "sets up its own forge, state and ledger there)",
            )
        )
    return Success(folder)


def demo_config(folder: str, pi: str, *, sandboxed: bool) -> str:
    """The demo's `engineering-loop.toml`: state, ledger and forge all inside `folder`.

    >>> text = demo_config("/d", "/pi", sandboxed=False)
    >>> 'state_dir = "/d/state"' in text, "refuse_env = []" in text, 'kind = "none"' in text
    (True, True, True)
    """
    quoted = json.dumps
    return (
        "# The demo's configuration: the state, the ledger and the forge live in this folder,\n"
        "# so a demo never spends from your real day. The model is a script, not an LLM.\n"
        "[policy]\n"
        'allowed_paths = ["src/", "tests/"]\n'
        "[harness]\n"
        'name = "pi"\n'
        f"provider = {quoted(PROVIDER)}\n"
        f"model = {quoted(MODEL)}\n"
        f"binary = {quoted(pi)}\n"
        "[loop]\n"
        f"repos = [{quoted(DEMO_REPO.slug)}]\n"
        f"approval_label = {quoted(APPROVAL_LABEL)}\n"
        f"state_dir = {quoted(folder + '/state')}\n"
        f"ledger = {quoted(folder + '/state/ledger.sqlite')}\n"
        # A demo on a CI runner is still a demo: it serves only its own forge.
        "refuse_env = []\n"
        "[forge]\n"
        'kind = "local"\n'
        f"path = {quoted(folder + '/forge')}\n"
        "[sandbox]\n"
        f"kind = {quoted('bwrap' if sandboxed else 'none')}\n"
    )


def demo_environment(
    parent: Mapping[str, str], agent_dir: str, interpreter_bin: str
) -> dict[str, str]:
    """The environment of the demo's cycle: the caller's (the run filters what the agent and
    the gates see), Pi pointed at the demo's agent folder, this interpreter's folder (where the
    locked environment's uv lives) first on PATH.

    >>> env = demo_environment({"PATH": "/usr/bin"}, "/d/pi-agent", "/v/bin")
    >>> env["PATH"], env["PI_CODING_AGENT_DIR"]
    ('/v/bin:/usr/bin', '/d/pi-agent')
    """
    env = dict(parent)
    env["PI_CODING_AGENT_DIR"] = agent_dir
    path = env.get("PATH", "/usr/local/bin:/usr/bin:/bin")
    if interpreter_bin not in path.split(os.pathsep):
        env["PATH"] = f"{interpreter_bin}{os.pathsep}{path}"
    return env


def _write_json(path: str, data: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)


def _set_up_forge(folder: str, issue: DemoIssue, project: str) -> Result[int, DemoApiError]:
    built = bootstrap.scratch_repos().commit_folder(project, os.path.join(folder, "project"))
    if not is_successful(built):
        return Failure(built.failure())
    store = bootstrap.local_forge_admin(os.path.join(folder, "forge"))
    try:
        steps = (
            store.init(),
            store.create_repo(DEMO_REPO, source=built.unwrap()),
            store.set_permission(DEMO_REPO, APPROVER, "write"),
        )
        for step in steps:
            if not is_successful(step):
                return Failure(step.failure())
        created = store.create_item(
            DEMO_REPO, APPROVER, title=issue.title, body=issue.body, labels=(APPROVAL_LABEL,)
        )
    finally:
        store.close()
    if not is_successful(created):
        return Failure(created.failure())
    return Success(created.unwrap())


def _the_run(cycle: CycleReport) -> Result[RunReport, DemoRunError]:
    if len(cycle.runs) == 1:
        return Success(cycle.runs[0])
    why = "; ".join(f"{s.code}: {s.detail}" for s in cycle.skipped) or "no issue was eligible"
    return Failure(
        DemoRunError(
            code="demo-run-not-started",
            message=f"the cycle ended {cycle.outcome} with {len(cycle.runs)} runs ({why}); "
            "this is a bug in the demo, please report it",
        )
    )


async def run_demo_loop(
    variant: str = "publishable",
    *,
    directory: str | None = None,
    environ: Mapping[str, str] | None = None,
    pi_binary: str = PI_BINARY,
    project: str = DEMO_PROJECT,
) -> Result[DemoLoopRun, DemoApiError]:
    """Set the demo up in `directory` (default: a new temporary folder) and run one cycle."""
    script = load_demo_script(variant)
    if not is_successful(script):
        return Failure(script.failure())
    issue = load_demo_issue()
    if not is_successful(issue):
        return Failure(issue.failure())
    pi = _find_pi(pi_binary)
    if not is_successful(pi):
        return Failure(pi.failure())
    prepared = _prepare_dir(directory)
    if not is_successful(prepared):
        return Failure(prepared.failure())
    folder = prepared.unwrap()
    agent_dir = os.path.join(folder, "pi-agent")
    env = demo_environment(
        os.environ if environ is None else environ, agent_dir, os.path.dirname(sys.executable)
    )
    # By hand, so the demo runs unconfined (and says so) where bubblewrap does not work.
    sandbox = (await prepare_sandbox(SandboxSettings(), environ=env)).unwrap()
    forge = _set_up_forge(folder, issue.unwrap(), project)
    if not is_successful(forge):
        return Failure(forge.failure())
    config_path = os.path.join(folder, "engineering-loop.toml")
    try:
        with open(config_path, "w", encoding="utf-8") as handle:
            handle.write(demo_config(folder, pi.unwrap(), sandboxed=sandbox.sandboxed))
        os.makedirs(agent_dir)
    except OSError as exc:
        return Failure(
            DemoRunError(code="demo-dir-not-empty", message=f"cannot write in {folder}: {exc}")
        )
    with bootstrap.scripted_model(script.unwrap().sessions) as server:
        _write_json(os.path.join(agent_dir, "models.json"), pi_models(server.base_url))
        _write_json(os.path.join(agent_dir, "settings.json"), pi_settings())
        cycle = await run_cycle(config_path, environ=env, run_one=run_with_run_issue())
    if not is_successful(cycle):
        return Failure(cycle.failure())
    run = _the_run(cycle.unwrap())
    if not is_successful(run):
        return Failure(run.failure())
    return Success(
        DemoLoopRun(
            dir=folder,
            variant=variant,
            sandboxed=sandbox.sandboxed,
            sandbox_notice=sandbox.notice,
            report=run.unwrap(),
            script=script.unwrap(),
        )
    )


__all__ = [
    "DEMO_REPO",
    "DemoLoopRun",
    "DemoRunError",
    "run_demo_loop",
]

"""How the api confines one process: the binds, the environment and the run folder (fakes)."""

from __future__ import annotations

import functools

import anyio

from domain.sandbox.config import SandboxSettings
from entrypoints.api.sandbox import (
    GateRole,
    HarnessRole,
    Sandbox,
    prepare_sandbox,
    require_sandbox,
    sandbox_for,
)
from ports.process import ProcessRequest
from tests.fakes.process import FakeProcessRunner, exits
from tests.fakes.sandbox import FakeSandboxHost

BWRAP = "/usr/bin/bwrap"


def _sandbox(host: FakeSandboxHost, settings: SandboxSettings | None = None) -> Sandbox:
    environ = {"HOME": "/home/a", "PATH": "/usr/bin"}
    return anyio.run(
        functools.partial(prepare_sandbox, settings, host=host, environ=environ)
    ).unwrap()


def _sent(runner: FakeProcessRunner) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, str]]:
    (request,) = runner.requests
    split = request.argv.index("--")
    return request.argv[:split], request.argv[split + 1 :], request.env


def _binds(prefix: tuple[str, ...]) -> dict[str, str]:
    """Target -> option of every `--bind`/`--ro-bind`."""
    return {prefix[i + 2]: word for i, word in enumerate(prefix) if word in ("--bind", "--ro-bind")}


def test_a_harness_gets_its_installation_read_only_and_its_settings_copied() -> None:
    host = FakeSandboxHost(paths=["/t/agent"])
    runner = FakeProcessRunner({BWRAP: lambda request: exits(0)})
    request = ProcessRequest(
        argv=("/w/tools/pi/node_modules/.bin/pi", "--print"),
        cwd="/w/clone",
        env={"PATH": "/usr/bin", "HOME": "/home/a", "PI_CODING_AGENT_DIR": "/t/agent"},
        timeout_s=5,
    )
    role = HarnessRole(harness="pi", executable=request.argv[0])
    anyio.run(functools.partial(_sandbox(host).run, runner, request, role=role))
    prefix, command, env = _sent(runner)
    folder = host.made[0]
    assert command == request.argv
    assert _binds(prefix) == {
        "/w/clone": "--bind",
        folder.root: "--bind",
        "/w/tools/pi/node_modules": "--ro-bind",
    }
    assert env["HOME"] == folder.home
    assert env["PI_CODING_AGENT_DIR"] == folder.home + "/.pi/agent"
    assert host.copied[0].source == "/t/agent"
    assert host.removed == [folder]


def test_a_gate_shares_uv_buckets_read_only_and_writes_its_own_environment() -> None:
    host = FakeSandboxHost(
        paths=["/home/a/.cache/uv"],
        folders={"/home/a/.cache/uv": ("wheels-v5", "interpreter-v4", ".lock")},
        programs={"/opt/uv/bin/uv": "uv"},
        venv_homes={"/home/a/.cache/el/envs/r": "/home/a/.pyenv/versions/3.12/bin"},
    )
    runner = FakeProcessRunner({BWRAP: lambda request: exits(0)})
    env = {
        "PATH": "/home/a/.pyenv/shims:/opt/uv/bin",
        "HOME": "/home/a",
        "UV_PROJECT_ENVIRONMENT": "/home/a/.cache/el/envs/r",
    }
    request = ProcessRequest(argv=("uv", "run", "pytest"), cwd="/w/r", env=env, timeout_s=5)
    anyio.run(functools.partial(_sandbox(host).run, runner, request, role=GateRole()))
    prefix, command, sent_env = _sent(runner)
    binds = _binds(prefix)
    folder = host.made[0]
    assert command == ("/opt/uv/bin/uv", "run", "pytest")
    assert binds["/home/a/.cache/el/envs/r"] == "--bind"
    assert binds["/home/a/.cache/uv"] == "--bind"
    assert binds["/home/a/.cache/uv/wheels-v5"] == "--ro-bind"
    assert "/home/a/.cache/uv/interpreter-v4" not in binds
    assert binds["/home/a/.pyenv/versions/3.12"] == "--ro-bind"
    assert "/home/a" not in binds
    assert sent_env["UV_CACHE_DIR"] == "/home/a/.cache/uv"
    assert sent_env["TMPDIR"] == folder.tmp
    # The uv cache's writable root is the run's own folder, not the shared one.
    assert prefix[prefix.index("/home/a/.cache/uv") - 1] == folder.uv_cache


def test_gates_network_none_drops_share_net_only_for_gates() -> None:
    host = FakeSandboxHost()
    settings = SandboxSettings(gates_network="none")
    runner = FakeProcessRunner({BWRAP: lambda request: exits(0)})
    request = ProcessRequest(argv=("/bin/true",), cwd="/w/r", env={}, timeout_s=5)
    sandbox = _sandbox(host, settings)
    anyio.run(functools.partial(sandbox.run, runner, request, role=GateRole()))
    anyio.run(
        functools.partial(
            sandbox.run, runner, request, role=HarnessRole(harness="pi", executable="/bin/true")
        )
    )
    gate, harness = runner.requests
    assert "--share-net" not in gate.argv
    assert "--share-net" in harness.argv


def test_an_unsafe_workdir_is_not_started() -> None:
    host = FakeSandboxHost()
    runner = FakeProcessRunner({BWRAP: lambda request: exits(0)})
    request = ProcessRequest(argv=("/bin/true",), cwd="/", env={}, timeout_s=5)
    result = anyio.run(functools.partial(_sandbox(host).run, runner, request, role=GateRole()))
    assert (result.status, runner.requests) == ("not-executable", [])
    assert "would expose /" in result.stderr
    assert host.removed == host.made


def test_without_bwrap_by_hand_runs_unconfined_and_unattended_refuses() -> None:
    host = FakeSandboxHost(probe_problem="bwrap is not installed")
    by_hand = _sandbox(host)
    assert by_hand.sandboxed is False
    assert "bwrap is not installed" in str(by_hand.notice)
    refused = anyio.run(functools.partial(require_sandbox, host=host, environ={}))
    assert refused.failure().code == "sandbox-unavailable"


def test_kind_none_never_probes() -> None:
    host = FakeSandboxHost()
    sandbox = _sandbox(host, SandboxSettings(kind="none"))
    assert (sandbox.sandboxed, host.probes) == (False, 0)


def test_an_injected_runner_without_a_sandbox_runs_unconfined_unless_bwrap_is_required() -> None:
    loose = anyio.run(
        functools.partial(sandbox_for, None, given=None, runner_injected=True, environ={})
    ).unwrap()
    assert loose.sandboxed is False
    strict = anyio.run(
        functools.partial(
            sandbox_for,
            SandboxSettings(kind="bwrap"),
            given=None,
            runner_injected=True,
            environ={},
        )
    )
    assert strict.failure().code == "sandbox-unavailable"

"""The loop's own harness and gate commands start under bwrap, and fail closed when told to."""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from adapters.anyio_process import AnyioProcessRunner
from domain.sandbox.config import NetworkChoice, SandboxSettings
from domain.text.bounded_lines import Line
from entrypoints import bootstrap
from entrypoints.api.gates.run import run_gate, run_gates, select_for_paths
from entrypoints.api.harness.run import HarnessRunRequest, run_harness
from entrypoints.api.sandbox import prepare_sandbox, require_sandbox
from ports.process import LineVerdict, ProcessRequest, ProcessResult
from tests.integration.conftest import gate_parent_env
from tests.support.sandbox import require_bwrap

pytestmark = pytest.mark.integration

CLI = os.path.join(os.path.dirname(sys.executable), "engineering-loop")
# A PATH with the programs the tests need and no bwrap.
NO_BWRAP_PATH = "/nonexistent-bin"


class RecordingRunner(AnyioProcessRunner):
    """The real runner, keeping every request it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[ProcessRequest] = []

    async def run(self, request: ProcessRequest) -> ProcessResult:
        self.requests.append(request)
        return await super().run(request)

    async def stream(
        self,
        request: ProcessRequest,
        on_line: Callable[[Line], LineVerdict],
        transcript_path: str | None = None,
    ) -> ProcessResult:
        self.requests.append(request)
        return await super().stream(request, on_line, transcript_path)


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> RecordingRunner:
    """The production runner the api takes from the composition root, recording."""
    require_bwrap()
    runner = RecordingRunner()
    monkeypatch.setattr(bootstrap, "process_runner", lambda: runner)
    return runner


def script_agent(tmp_path: Path) -> tuple[Path, Path, Path]:
    agent = tmp_path / "bin" / "agent.sh"
    agent.parent.mkdir()
    agent.write_text('#!/bin/sh\ncat > /dev/null\necho "home=$HOME"\n')
    agent.chmod(0o755)
    config = tmp_path / "engineering-loop.toml"
    config.write_text(f'[harness]\nname = "pi"\nbinary = {json.dumps(str(agent))}\n')
    prompt = tmp_path / "prompt.md"
    prompt.write_text("Say where home is.")
    (tmp_path / "repo").mkdir()
    return agent, config, prompt


def test_the_harness_argv_starts_with_bwrap(recording: RecordingRunner, tmp_path: Path) -> None:
    agent, config, prompt = script_agent(tmp_path)
    request = HarnessRunRequest(
        repo=str(tmp_path / "repo"),
        prompt_file=str(prompt),
        config_path=str(config),
        transcript_dir=str(tmp_path / "transcripts"),
        timeout_s=60,
    )
    environ = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home")}
    run = anyio.run(functools.partial(run_harness, request, environ=environ)).unwrap()
    (sent,) = recording.requests
    assert os.path.basename(sent.argv[0]) == "bwrap"
    assert sent.argv[1:5] == ("--unshare-all", "--share-net", "--die-with-parent", "--new-session")
    assert sent.argv[sent.argv.index("--") + 1] == str(agent)
    # bwrap itself starts with the scrubbed environment and a fresh home, not the loop's.
    assert sent.env["HOME"] != environ["HOME"]
    assert sent.env["HOME"].endswith("/home")
    assert run.sandboxed is True
    assert f"home={sent.env['HOME']}" in Path(run.transcript_path).read_text()
    # The run folder (fresh home and TMPDIR) is gone after the run.
    assert not os.path.exists(os.path.dirname(sent.env["HOME"]))


def test_the_gate_argv_starts_with_bwrap(recording: RecordingRunner, tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    report = run_gate(
        str(tmp_path / "repo"),
        ["sh", "-c", "echo $HOME"],
        parent_env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home")},
    ).unwrap()
    (sent,) = recording.requests
    assert os.path.basename(sent.argv[0]) == "bwrap"
    assert "--unshare-all" in sent.argv
    assert sent.argv[sent.argv.index("--") + 1 :] == ("/usr/bin/sh", "-c", "echo $HOME")
    assert report.sandboxed is True
    assert report.gates[0].stdout.strip() == sent.env["HOME"]


def test_real_uv_gates_pass_inside_the_sandbox(example_repo: Path, uv_env_dir: str) -> None:
    require_bwrap()
    changed = ["src/demo/__init__.py", "tests/test_demo.py"]
    for path in changed:
        target = example_repo / path
        if target.exists():
            target.write_text(target.read_text() + "\n")
    plan = select_for_paths(str(example_repo), changed).unwrap()
    report = run_gates(
        str(example_repo), plan, parent_env=gate_parent_env(), env_dir=uv_env_dir, timeout_s=120
    ).unwrap()
    assert report.sandboxed is True
    assert [(g.name, g.status) for g in report.gates] == [
        ("check-files", "passed"),
        ("pytest", "passed"),
        ("ruff", "passed"),
        ("mypy", "passed"),
    ], [g.stdout + g.stderr for g in report.gates]
    assert report.gates[1].executed[:3] == ("uv", "run", "--locked")
    assert report.side_effects == ()


def cli(argv: list[str], env: dict[str, str]) -> tuple[int, dict[str, object], str]:
    done = subprocess.run(
        [CLI, *argv], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    return done.returncode, json.loads(done.stdout), done.stderr


def test_explicit_bwrap_fails_closed_when_bwrap_is_missing(tmp_path: Path) -> None:
    _, config, prompt = script_agent(tmp_path)
    config.write_text(config.read_text() + '[sandbox]\nkind = "bwrap"\n')
    env = {"PATH": NO_BWRAP_PATH, "HOME": str(tmp_path / "home")}
    repo, settings = str(tmp_path / "repo"), ["--config", str(config)]
    for argv in (
        ["harness", "run", "--repo", repo, "--prompt-file", str(prompt), *settings],
        ["gate", "run", "--repo", repo, *settings, "--", "/bin/true"],
    ):
        code, report, _ = cli(argv, env)
        error = report["error"]
        assert isinstance(error, dict)
        assert (code, error["code"]) == (2, "sandbox-unavailable"), report
        assert "apt-get install bubblewrap" in error["message"]
        assert 'kind = \\"none\\"' in json.dumps(error["message"])


def test_by_hand_commands_run_unconfined_with_a_notice_without_bwrap(tmp_path: Path) -> None:
    _, config, prompt = script_agent(tmp_path)
    env = {"PATH": NO_BWRAP_PATH, "HOME": str(tmp_path / "home")}
    files = ["--prompt-file", str(prompt), "--config", str(config)]
    transcripts = ["--transcript-dir", str(tmp_path / "t")]
    code, report, stderr = cli(
        ["harness", "run", "--repo", str(tmp_path / "repo"), *files, *transcripts], env
    )
    assert report["sandboxed"] is False
    assert "bwrap is not installed" in str(report["sandbox_notice"])
    assert "unconfined" in stderr
    assert code in (0, 1)


def test_unattended_commands_refuse_without_the_sandbox() -> None:
    missing = anyio.run(
        functools.partial(require_sandbox, environ={"PATH": NO_BWRAP_PATH, "HOME": "/nowhere"})
    )
    assert missing.failure().code == "sandbox-unavailable"
    opted_out = anyio.run(
        functools.partial(
            require_sandbox,
            SandboxSettings(kind="none"),
            environ={"PATH": NO_BWRAP_PATH, "HOME": "/nowhere"},
        )
    )
    assert opted_out.unwrap().sandboxed is False


def test_by_hand_sandbox_works_where_bwrap_does() -> None:
    require_bwrap()
    sandbox = anyio.run(prepare_sandbox).unwrap()
    assert (sandbox.sandboxed, sandbox.notice) == (True, None)


def test_sandbox_check_proves_every_rule(tmp_path: Path) -> None:
    require_bwrap()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home")}
    code, report, _ = cli(["sandbox", "check", "--json"], env)
    assert code == 0, report
    rules = report["rules"]
    assert isinstance(rules, list)
    assert [(r["name"], r["held"]) for r in rules] == [
        ("workdir-writable", True),
        ("home-hidden", True),
        ("own-pid-namespace", True),
        ("pid1-environment-scrubbed", True),
        ("outside-read-only", True),
    ]


def test_sandbox_check_says_how_to_install_without_bwrap(tmp_path: Path) -> None:
    code, report, _ = cli(
        ["sandbox", "check"], {"PATH": NO_BWRAP_PATH, "HOME": str(tmp_path / "home")}
    )
    error = report["error"]
    assert isinstance(error, dict)
    assert (code, error["code"]) == (2, "sandbox-unavailable")
    assert "apt-get install bubblewrap" in error["message"]


CONNECT = (
    "import socket, sys\n"
    "try:\n"
    "    socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5).close()\n"
    "    print('connected')\n"
    "except OSError as exc:\n"
    "    print('refused', exc)\n"
)


@pytest.mark.parametrize(("network", "expected"), [("shared", "connected"), ("none", "refused")])
def test_gates_network_none_cuts_the_gate_off(
    tmp_path: Path, network: NetworkChoice, expected: str
) -> None:
    require_bwrap()
    settings = SandboxSettings(kind="bwrap", gates_network=network)
    sandbox = anyio.run(prepare_sandbox, settings).unwrap()
    (tmp_path / "repo").mkdir()
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        report = run_gate(
            str(tmp_path / "repo"),
            ["/usr/bin/python3", "-c", CONNECT, str(port)],
            parent_env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home")},
            sandbox=sandbox,
        ).unwrap()
    assert report.gates[0].stdout.split()[0] == expected, report.gates[0]


def test_a_gate_program_behind_a_version_manager_shim_runs_from_its_real_binary(
    recording: RecordingRunner, tmp_path: Path
) -> None:
    shims = tmp_path / ".pyenv" / "shims"
    shims.mkdir(parents=True)
    (shims / "uv").write_text('#!/bin/sh\nexec "$HOME/.pyenv/libexec/pyenv" exec uv "$@"\n')
    (shims / "uv").chmod(0o755)
    (tmp_path / "repo").mkdir()
    path = f"{shims}:{os.path.dirname(sys.executable)}:/usr/bin:/bin"
    report = run_gate(
        str(tmp_path / "repo"),
        ["uv", "run", "--no-project", "python", "-c", "print('ran')"],
        parent_env={"PATH": path, "HOME": str(tmp_path)},
    ).unwrap()
    assert report.gates[0].status == "passed", report
    assert report.gates[0].stdout == "ran\n"
    (sent,) = recording.requests
    assert sent.argv[sent.argv.index("--") + 1] != str(shims / "uv")

"""The real bubblewrap sandbox around a script agent, the real Pi and a gate, each run by the CLI.

Each tries every escape (planted secrets in a fake home, the config file, the ledger, another
run's clone, every /proc/*/environ, the loop's processes, writes outside its directory, a
background process that outlives the run) and must fail, while still doing its job.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.scripted_model.server import Reply, ScriptedModelServer, ToolCall
from domain.harness.command import tool_state_dir
from tests.support.pi_agent import MODEL, PROVIDER, require_pi, write_agent_dir
from tests.support.sandbox import (
    CONFINED,
    Planted,
    plant,
    probe_results,
    probe_script,
    require_bwrap,
    surviving_sleeps,
)

pytestmark = pytest.mark.integration

CLI = os.path.join(os.path.dirname(sys.executable), "engineering-loop")
# What the loop's own command line holds and no sandboxed process's does.
HARNESS_MARKER = "harness run --repo"
GATE_MARKER = "gate run --repo"
PROBE_GATE = ("--", "sh", "probe.sh")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Planted]:
    require_bwrap()
    planted = plant(tmp_path, uuid.uuid4().hex[:8])
    yield planted
    for pid in surviving_sleeps(planted.sleep_seconds):
        os.kill(pid, 9)
    planted.host_tmp_target.unlink(missing_ok=True)


def write_config(world: Planted, *, binary: str, kind: str = "bwrap") -> None:
    world.config.write_text(
        f"# the loop's configuration {world.secret}\n"
        "[harness]\n"
        'name = "pi"\n'
        f'provider = "{PROVIDER}"\n'
        f'model = "{MODEL}"\n'
        f"binary = {json.dumps(binary)}\n"
        "[sandbox]\n"
        f'kind = "{kind}"\n'
    )


def loop(world: Planted, argv: list[str], env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(
        [CLI, *argv], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    try:
        report: dict[str, object] = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"no JSON report: {done.stdout!r} {done.stderr!r}")
    return report


def run_script_agent(world: Planted, kind: str = "bwrap") -> tuple[dict[str, object], str]:
    (world.clone / "probe.sh").write_text(probe_script(world, HARNESS_MARKER, edit=True))
    agent = world.root / "agent-bin" / "agent.sh"
    agent.parent.mkdir()
    agent.write_text("#!/bin/sh\ncat > /dev/null\nsh ./probe.sh\n")
    agent.chmod(0o755)
    write_config(world, binary=str(agent), kind=kind)
    prompt = world.root / "prompt.md"
    prompt.write_text("Probe the sandbox.")
    transcripts = world.root / "transcripts"
    report = loop(
        world,
        [
            "harness",
            "run",
            "--repo",
            str(world.clone),
            "--prompt-file",
            str(prompt),
            "--config",
            str(world.config),
            "--transcript-dir",
            str(transcripts),
            "--timeout",
            "60",
        ],
        world.environ("/usr/local/bin:/usr/bin:/bin"),
    )
    transcript = Path(str(report["transcript_path"])).read_text()
    return report, transcript


def assert_confined(world: Planted, results: dict[str, str]) -> None:
    assert {key: results.get(key) for key in CONFINED} == CONFINED, results
    # Nothing escaped onto the host, and the background sleep died with the sandbox.
    assert not (world.state / "escaped").exists()
    assert not (world.home / "escaped").exists()
    assert not world.host_tmp_target.exists()
    deadline = time.monotonic() + 5
    while surviving_sleeps(world.sleep_seconds) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert surviving_sleeps(world.sleep_seconds) == []


def test_a_script_agent_cannot_escape_but_edits_its_clone(world: Planted) -> None:
    report, transcript = run_script_agent(world)
    assert report["sandboxed"] is True
    results = probe_results(transcript)
    assert_confined(world, results)
    assert results["edit"] == "done"
    assert (world.clone / "edited-by-agent.txt").read_text() == "edited\n"
    state = {key: value for key, value in results.items() if key.startswith("state_")}
    assert set(state.values()) == {"writable"}, state
    # Written through to the run's tool-state folder on the host, not to a private tmpfs.
    tools = Path(tool_state_dir(str(report["transcript_path"])))
    for folder in ("uv-cache", "venv", "mypy", "ruff"):
        assert (tools / folder / "probe").exists(), folder


def test_the_same_probe_unconfined_finds_every_escape(world: Planted) -> None:
    # The control: with kind = "none" the probe sees what the sandbox hides, so the test above
    # can fail.
    report, transcript = run_script_agent(world, kind="none")
    assert report["sandboxed"] is False
    assert 'kind = "none"' in str(report["sandbox_notice"])
    results = probe_results(transcript)
    assert results["ssh_key"] == results["config"] == results["other_clone"] == "READ"
    assert results["environ_leak"] != "none"
    assert results["loop_process"] != "none"
    assert results["write_home"] == "WROTE"
    assert (world.home / "escaped").exists()
    assert surviving_sleeps(world.sleep_seconds) != []


def test_the_real_pi_cannot_escape_through_its_bash_tool(world: Planted) -> None:
    pi = require_pi()
    (world.clone / "probe.sh").write_text(probe_script(world, HARNESS_MARKER, edit=False))
    write_config(world, binary=pi)
    prompt = world.root / "prompt.md"
    prompt.write_text("Probe the sandbox, then write done.txt.")
    steps = [
        Reply(text="Probing.", tool_calls=(ToolCall("bash", {"command": "sh ./probe.sh"}),)),
        Reply(
            text="Writing.",
            tool_calls=(ToolCall("write", {"path": "done.txt", "content": "done\n"}),),
        ),
        Reply(text="Done."),
    ]
    with ScriptedModelServer(steps) as server:
        agent_dir = write_agent_dir(world.root / "pi-agent", server.base_url, max_retries=0)
        env = world.environ("/usr/local/bin:/usr/bin:/bin")
        env["PI_CODING_AGENT_DIR"] = str(agent_dir)
        report = loop(
            world,
            [
                "harness",
                "run",
                "--repo",
                str(world.clone),
                "--prompt-file",
                str(prompt),
                "--config",
                str(world.config),
                "--transcript-dir",
                str(world.root / "transcripts"),
                "--timeout",
                "90",
            ],
            env,
        )
        requests = list(server.requests)
    assert report["status"] == "completed", report
    assert report["sandboxed"] is True
    tool_output = "\n".join(
        str(message.get("content"))
        for request in requests
        for message in request.body.get("messages", [])
        if message.get("role") == "tool"
    )
    assert_confined(world, probe_results(tool_output))
    assert (world.clone / "done.txt").read_text() == "done\n"
    # Pi's settings were copied into the sandbox's home; the original stayed as it was.
    assert sorted(p.name for p in agent_dir.iterdir()) == ["models.json", "settings.json"]


def test_a_gate_cannot_escape(world: Planted) -> None:
    (world.clone / "probe.sh").write_text(probe_script(world, GATE_MARKER, edit=False))
    write_config(world, binary="pi")
    env = world.environ(os.path.dirname(sys.executable) + ":/usr/local/bin:/usr/bin:/bin")
    report = loop(
        world,
        ["gate", "run", "--repo", str(world.clone), "--config", str(world.config), *PROBE_GATE],
        env,
    )
    assert report["sandboxed"] is True, report
    gates = report["gates"]
    assert isinstance(gates, list)
    assert_confined(world, probe_results(gates[0]["stdout"]))
    assert report["side_effects"] == []

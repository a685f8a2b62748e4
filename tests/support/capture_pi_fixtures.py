"""Regenerate the golden Pi transcripts in `tests/fixtures/harness/pi/` from the real, pinned Pi.

Run: `uv run --no-sync python -m tests.support.capture_pi_fixtures [--out DIR]`.

Each scenario runs `pi --print --mode json --no-session --offline` against the scripted model
server with the prompt on stdin, exactly as `harness run` does, and writes `NAME.jsonl` (stdout
verbatim except the scrubbing below) and `capture/NAME.json` (exit code, stderr, requests the
server saw, and the totals the replies it served imply). The scenarios with `limits` run through
`run_harness` itself (the real process runner, the environment allowlist, the cost cap and the
wall clock) and keep its transcript file: what was read before the run was stopped. The reviewed
`NAME.expected.json` reports are not written here: that would make the normaliser its own
oracle; a test checks them against the script's totals instead.

Scrubbed so a regeneration only differs where Pi's behaviour did: the temporary directory becomes
`/tmp/pi-fixture`, this checkout's path `<repo>`, the session id and header time become
constants, and message timestamps (epoch milliseconds) become one constant. Everything else is
Pi's own bytes.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from adapters.scripted_model.server import HttpError, Reply, ScriptedModelServer, Step, ToolCall
from entrypoints.api.harness.run import HarnessRunRequest, run_harness
from tests.support.pi_agent import (
    MODEL,
    PI_BINARY,
    PI_VERSION,
    PROVIDER,
    REPO_ROOT,
    message_cost_usd,
    write_agent_dir,
)

FIXTURE_DIR = REPO_ROOT / "tests" / "fixtures" / "harness" / "pi"
SCRUBBED_ROOT = "/tmp/pi-fixture"
SCRUBBED_SESSION_ID = "00000000-0000-7000-8000-000000000000"
SCRUBBED_HEADER_TIME = "2026-01-01T00:00:00.000Z"
SCRUBBED_EPOCH_MS = "1767225600000"
# Variables of the capturing process that an allowlisted harness must never see.
LEAKS = {"GITHUB_TOKEN": "ghp_must_not_leak", "AWS_SECRET_ACCESS_KEY": "aws_must_not_leak"}
# A per-message cost of the kill-switch scenario's replies, and its cap: stopped at the third.
KILL_SWITCH_MESSAGE_USD = message_cost_usd(1000, 100)
KILL_SWITCH_CAP_USD = 2.5 * KILL_SWITCH_MESSAGE_USD


@dataclass(frozen=True)
class Limits:
    """How `run_harness` holds the run: cap, wall clock, and what the harness may see."""

    max_cost_usd: float | None = None
    timeout_s: float = 120.0
    env_allow: tuple[str, ...] = ()
    extra_env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    """One transcript to capture: the script the model plays and the prompt Pi gets."""

    name: str
    description: str
    prompt: str
    steps: tuple[Step, ...]
    provider: str = PROVIDER
    model: str = MODEL
    # Set: run through `run_harness` under these limits; None: run Pi directly.
    limits: Limits | None = None


def _scenarios() -> tuple[Scenario, ...]:
    return (
        Scenario(
            name="success-write",
            description="One tool call (write hello.txt), then a final text reply; succeeds.",
            prompt="Create hello.txt containing the word hello.",
            steps=(
                Reply(
                    text="I will write the file.",
                    tool_calls=(ToolCall("write", {"path": "hello.txt", "content": "hello\n"}),),
                    prompt_tokens=1200,
                    completion_tokens=40,
                ),
                Reply(text="Created hello.txt.", prompt_tokens=1300, completion_tokens=10),
            ),
        ),
        Scenario(
            name="http-500-every-attempt",
            description="HTTP 500 on the first call and all 3 retries; Pi still exits 0.",
            prompt="Say hello.",
            steps=tuple(HttpError(status=500) for _ in range(4)),
        ),
        Scenario(
            name="http-500-then-success",
            description="HTTP 500 once, Pi retries (auto_retry_start/end), the retry succeeds.",
            prompt="Say hello.",
            steps=(
                HttpError(status=500),
                Reply(text="Hello after a retry.", prompt_tokens=900, completion_tokens=8),
            ),
        ),
        Scenario(
            name="multi-turn",
            description="Four assistant messages (write, bash, edit, final text) with distinct "
            "usage: the cost must be their sum.",
            prompt="Create notes.txt, show it, then change its first line.",
            steps=(
                Reply(
                    text="Writing notes.txt.",
                    tool_calls=(ToolCall("write", {"path": "notes.txt", "content": "one\ntwo\n"}),),
                    prompt_tokens=1000,
                    completion_tokens=30,
                ),
                Reply(
                    tool_calls=(ToolCall("bash", {"command": "cat notes.txt"}),),
                    prompt_tokens=1100,
                    completion_tokens=15,
                ),
                Reply(
                    text="Now the edit.",
                    tool_calls=(
                        ToolCall(
                            "edit",
                            {"path": "notes.txt", "edits": [{"oldText": "one", "newText": "ONE"}]},
                        ),
                    ),
                    prompt_tokens=1250,
                    completion_tokens=45,
                ),
                Reply(
                    text="notes.txt now starts with ONE.", prompt_tokens=1400, completion_tokens=12
                ),
            ),
        ),
        Scenario(
            name="startup-no-api-key",
            description="A built-in provider with no key in the environment: exit 1, header only.",
            prompt="Say hello.",
            steps=(),
            provider="anthropic",
            model="claude-sonnet-4-5",
        ),
        Scenario(
            name="cost-kill-switch",
            description="Ten bash turns at $0.013 each under a $0.0325 cap: run_harness stops Pi "
            "at the third message_end, before it asks the model again.",
            prompt="Run the steps.",
            steps=tuple(
                Reply(
                    tool_calls=(ToolCall("bash", {"command": f"echo step {n}"}),),
                    prompt_tokens=1000,
                    completion_tokens=100,
                )
                for n in range(10)
            ),
            limits=Limits(max_cost_usd=KILL_SWITCH_CAP_USD),
        ),
        Scenario(
            name="wall-clock-timeout",
            description="The model never answers within the 4 s wall clock: run_harness stops "
            "Pi's process group mid-turn.",
            prompt="Do the task.",
            steps=(Reply(text="too late", delay_s=60),),
            limits=Limits(timeout_s=4.0),
        ),
        Scenario(
            name="env-allowlist",
            description="A bash tool call prints the environment Pi was given: only the "
            "allowlist (PATH, HOME, PI_CODING_AGENT_DIR, SCRIPTED_ALLOWED), no GITHUB_TOKEN, AWS "
            "key or SCRIPTED_DENIED from the capturing process.",
            prompt="Print the environment.",
            steps=(
                Reply(
                    tool_calls=(ToolCall("bash", {"command": "env | sort"}),),
                    prompt_tokens=900,
                    completion_tokens=20,
                ),
                Reply(text="Printed the environment.", prompt_tokens=1000, completion_tokens=8),
            ),
            limits=Limits(
                env_allow=("SCRIPTED_ALLOWED",),
                extra_env={"SCRIPTED_ALLOWED": "allowed-value", "SCRIPTED_DENIED": "denied-value"},
            ),
        ),
    )


@dataclass(frozen=True)
class _Ran:
    stdout: bytes
    stderr: str
    exit_code: int | None
    run: dict[str, object] | None  # how run_harness stopped it, for harness scenarios


def _run_directly(scenario: Scenario, tmp: Path, agent_dir: Path, argv: list[str]) -> _Ran:
    work = tmp / "work"
    work.mkdir()
    prompt = tmp / "prompt.txt"
    prompt.write_text(scenario.prompt)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp / "home"),
        "PI_CODING_AGENT_DIR": str(agent_dir),
    }
    with prompt.open("rb") as stdin:
        done = subprocess.run(
            argv, cwd=work, env=env, stdin=stdin, capture_output=True, timeout=120, check=False
        )
    return _Ran(done.stdout, done.stderr.decode("utf-8", "replace"), done.returncode, None)


def _run_through_harness(scenario: Scenario, tmp: Path, agent_dir: Path) -> _Ran:
    limits = scenario.limits or Limits()
    work = tmp / "work"
    work.mkdir()
    prompt = tmp / "prompt.txt"
    prompt.write_text(scenario.prompt)
    config = tmp / "engineering-loop.toml"
    config.write_text(
        "[harness]\n"
        'name = "pi"\n'
        f'provider = "{scenario.provider}"\n'
        f'model = "{scenario.model}"\n'
        f"binary = {json.dumps(str(PI_BINARY))}\n"
        f"env_allow = {json.dumps(list(limits.env_allow))}\n"
    )
    environ = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp / "home"),
        "PI_CODING_AGENT_DIR": str(agent_dir),
        **LEAKS,
        **limits.extra_env,
    }
    request = HarnessRunRequest(
        repo=str(work),
        prompt_file=str(prompt),
        harness="pi",
        config_path=str(config),
        max_cost_usd=limits.max_cost_usd,
        timeout_s=limits.timeout_s,
        transcript_dir=str(tmp / "transcripts"),
    )
    run = anyio.run(functools.partial(run_harness, request, environ=environ)).unwrap()
    how: dict[str, object] = {
        "max_cost_usd": limits.max_cost_usd,
        "timeout_s": limits.timeout_s,
        "env_allow": list(limits.env_allow),
        # What the process runner did, not what the normaliser decided.
        "stopped_by": {"budget-exhausted": "cost-cap", "timed-out": "wall-clock"}.get(run.status),
    }
    return _Ran(Path(run.transcript_path).read_bytes(), run.stderr, run.exit_code, how)


def _scrub(text: str, root: str) -> str:
    text = text.replace(root, SCRUBBED_ROOT).replace(str(REPO_ROOT), "<repo>")
    text = re.sub(
        r'("type":"session","version":\d+,"id":)"[^"]*"', rf'\1"{SCRUBBED_SESSION_ID}"', text
    )
    text = re.sub(r'("type":"session".*?"timestamp":)"[^"]*"', rf'\1"{SCRUBBED_HEADER_TIME}"', text)
    return re.sub(r'"timestamp":\d{13}\b', f'"timestamp":{SCRUBBED_EPOCH_MS}', text)


def capture(scenario: Scenario, out_dir: Path) -> dict[str, object]:
    """Run one scenario against the real Pi and write its transcript and metadata."""
    argv = [
        str(PI_BINARY),
        *("--print", "--mode", "json", "--no-session", "--offline"),
        *("--provider", scenario.provider, "--model", scenario.model),
    ]
    with tempfile.TemporaryDirectory(prefix="pi-fixture-") as tmp_name:
        # Resolve so the scrubbing matches the cwd Pi prints (/tmp may be a symlink).
        tmp = Path(os.path.realpath(tmp_name))
        with ScriptedModelServer(scenario.steps) as server:
            agent_dir = write_agent_dir(tmp / "agent", server.base_url)
            if scenario.limits is None:
                ran = _run_directly(scenario, tmp, agent_dir, argv)
            else:
                ran = _run_through_harness(scenario, tmp, agent_dir)
            requests = len(server.requests)
        transcript = _scrub(ran.stdout.decode("utf-8"), str(tmp))
        stderr = _scrub(ran.stderr, str(tmp))
    # Only the steps the server played count: a stopped run never asked for the rest. A reply
    # whose request came in but was never answered in time (the wall clock) served nothing.
    served = scenario.steps[:requests]
    replies = [s for s in served if isinstance(s, Reply) and not s.delay_s]
    meta: dict[str, object] = {
        "scenario": scenario.name,
        "description": scenario.description,
        "pi_version": PI_VERSION,
        "argv": ["pi", *argv[1:]],
        "prompt_on_stdin": scenario.prompt,
        "exit_code": ran.exit_code,
        "stderr": stderr,
        "model_requests": requests,
        **({"run_harness": ran.run} if ran.run is not None else {}),
        "expected": {
            "assistant_replies": len(replies),
            "input_tokens": sum(r.prompt_tokens for r in replies),
            "output_tokens": sum(r.completion_tokens for r in replies),
            "total_cost_usd": round(
                sum(message_cost_usd(r.prompt_tokens, r.completion_tokens) for r in replies), 10
            ),
            "http_errors": sum(1 for s in served if isinstance(s, HttpError)),
        },
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{scenario.name}.jsonl").write_text(transcript)
    (out_dir / "capture").mkdir(exist_ok=True)
    (out_dir / "capture" / f"{scenario.name}.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def main(argv: list[str] | None = None) -> int:
    """Capture every scenario (or the named ones) into the fixture directory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=FIXTURE_DIR)
    parser.add_argument("names", nargs="*", help="scenario names (default: all)")
    args = parser.parse_args(argv)
    if not PI_BINARY.is_file():
        print(f"Pi is not installed at {PI_BINARY}; run `bash scripts/test.sh`.", file=sys.stderr)
        return 2
    chosen = [s for s in _scenarios() if not args.names or s.name in args.names]
    for scenario in chosen:
        meta = capture(scenario, args.out)
        print(f"{scenario.name}: exit {meta['exit_code']}, {meta['model_requests']} requests")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

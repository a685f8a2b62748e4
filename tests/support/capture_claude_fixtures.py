"""Capture golden transcripts of the real Claude Code into `tests/fixtures/harness/claude-real/`.

Run: `uv run --no-sync python -m tests.support.capture_claude_fixtures --claude PATH [--out DIR]`
with PATH a `claude` binary (`npm install @anthropic-ai/claude-code` in a scratch folder gives
`node_modules/.bin/claude`; the project does not install it).

Each scenario runs `claude -p` against the scripted Messages API server (`anthropic_server.py`)
through `ANTHROPIC_BASE_URL`, with a throwaway `HOME`, the prompt on stdin, in an empty git
worktree, and writes `NAME.jsonl` (stdout) and `capture/NAME.json` (argv, exit code, stderr,
requests the server saw, and the totals the script implies). The reviewed `NAME.expected.json`
reports are written by hand, not here, so the normaliser is not its own oracle.

Scrubbed so a regeneration differs only where Claude Code's behaviour did: the temporary folder
becomes `/tmp/claude-fixture`, session ids and uuids become constants, and timings (`*_ms`,
timestamps) become 0 or one constant, the server's port becomes 8080, and the messaging socket's
pid 0. The `init` line's `capabilities` list may still differ between runs: Claude Code computes
it at start-up. Everything else is Claude Code's own bytes.
"""Regenerate the real Claude Code transcripts in `tests/fixtures/harness/claude-real/`.

Run: `uv run --no-sync python -m tests.support.capture_claude_fixtures [--out DIR] [NAME...]`.

Each scenario runs the pinned Claude Code (`claude -p --output-format stream-json --verbose
--model claude-sonnet-4-5 --permission-mode acceptEdits`, prompt on stdin, as `harness run` does)
against the scripted Messages API server with `CLAUDE_CODE_MAX_RETRIES=1`, and writes `NAME.jsonl`
(stdout) and `capture/NAME.json` (argv, exit code, stderr, requests seen, the script's totals).
The reviewed `NAME.expected.json` reports are not written here (the normaliser must not be its
own oracle); `tests/unit/test_real_captures.py` checks them against the script's totals.

Scrubbed to constants so a regeneration only differs where Claude Code's behaviour did: the
temporary directory (`/tmp/claude-fixture`, also in its slug form), this checkout (`<repo>`),
session ids, uuids and synthetic message ids, ISO timestamps, the server's port, the messaging
socket's pid, and the timing fields (`duration_ms`, `ttft_ms`, ...,
`retry_delay_ms`, which carries random jitter).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import dataclasses
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.anthropic_server import AnthropicServer, HttpError, Reply, Step, ToolUse

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_DIR = REPO_ROOT / "tests" / "fixtures" / "harness" / "claude-real"
MODEL = "claude-sonnet-4-5"
PROMPT = "Create hello.txt containing hello."
SCRUBBED_ROOT = "/tmp/claude-fixture"
SCRUBBED_ID = "00000000-0000-4000-8000-000000000000"
SCRUBBED_TIME = "2026-01-01T00:00:00.000Z"
_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_MILLIS = re.compile(
    rb'"(duration_ms|duration_api_ms|ttft_ms|ttft_stream_ms|'
    rb'time_to_request_ms|first_content_frame_ms|retry_delay_ms)":[0-9.]+'
)
_TIMESTAMP = re.compile(rb'"timestamp":"[^"]*"')
_SOCKET = re.compile(rb"/tmp/cc-socks/[0-9]+\.sock")

WRITE = ToolUse("Write", {"file_path": "hello.txt", "content": "hello\n"})
from tests.support.claude_agent import (
    CLAUDE_VERSION,
    MODEL,
    claude_binary,
    claude_environment,
    message_cost_usd,
from tests.support.model_server import HttpError, Reply, ScriptedModelServer, Step, ToolCall
from tests.support.pi_agent import REPO_ROOT

MAX_RETRIES = 1
_ZERO_UUID = "00000000-0000-4000-8000-000000000000"
_TIMING_FIELDS = (
    "duration_ms",
    "duration_api_ms",
    "ttft_ms",
    "ttft_stream_ms",
    "time_to_request_ms",
    "first_content_frame_ms",
    "retry_delay_ms",


@dataclass(frozen=True)
class Scenario:
    """One transcript: the model's script, the output format and extra flags."""

    name: str
    description: str
    steps: tuple[Step, ...]
    output: tuple[str, ...] = ("--output-format", "stream-json", "--verbose")
    flags: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()


def _success() -> tuple[Step, ...]:
    return (
        Reply("I'll create the file.", (WRITE,), input_tokens=1000, output_tokens=40),
        Reply("Created hello.txt.", input_tokens=1200, output_tokens=9),
    )


SCENARIOS = (
    Scenario("stream-json-success", "a Write tool call, then a final text", _success()),
    Scenario(
        "json-success",
        "the same run, --output-format json",
        _success(),
        ("--output-format", "json"),
    ),
    Scenario(
        "json-verbose-success",
        "the same run, --output-format json --verbose (the array form)",
        _success(),
        ("--output-format", "json", "--verbose"),
    ),
    Scenario(
        "stream-json-http-500-every-attempt",
        "HTTP 500 on the call and on both retries (CLAUDE_CODE_MAX_RETRIES=2)",
        (HttpError(), HttpError(), HttpError()),
        env=(("CLAUDE_CODE_MAX_RETRIES", "2"),),
    ),
    Scenario(
        "stream-json-http-500-then-success",
        "HTTP 500 once, then the retry and the run succeed",
        (HttpError(), *_success()),
        env=(("CLAUDE_CODE_MAX_RETRIES", "2"),),
    ),
    Scenario(
        "stream-json-max-turns",
        "--max-turns 1 with a tool call: stops before the second model call",
        _success(),
        flags=("--max-turns", "1"),
    ),
)


def _scrub(data: bytes, root: str) -> bytes:
    data = data.replace(root.encode(), SCRUBBED_ROOT.encode())
    # Claude Code also names the folder in its memory path, every non-alphanumeric a dash.
    munged = re.sub(r"[^A-Za-z0-9]", "-", root).encode()
    data = data.replace(munged, re.sub(r"[^A-Za-z0-9]", "-", SCRUBBED_ROOT).encode())
    data = _SOCKET.sub(b"/tmp/cc-socks/0.sock", data)
    data = _UUID.sub(SCRUBBED_ID.encode(), data)
    data = _MILLIS.sub(lambda match: b'"' + match.group(1) + b'":0', data)
    return _TIMESTAMP.sub(b'"timestamp":"' + SCRUBBED_TIME.encode() + b'"', data)


def capture(claude: str, scenario: Scenario, out: Path) -> None:
    """Run one scenario and write its transcript and capture record."""
    server = AnthropicServer(scenario.steps)
    with tempfile.TemporaryDirectory(prefix="claude-fixture-") as root, server.serve() as url:
        work = Path(root) / "work"
        work.mkdir()
        subprocess.run(["git", "init", "-q", str(work)], check=True)
        argv = [
            claude,
            "-p",
            *scenario.output,
            "--model",
            MODEL,
            "--permission-mode",
            "acceptEdits",
            *scenario.flags,
        ]
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(Path(root) / "home"),
            "ANTHROPIC_BASE_URL": url,
            "ANTHROPIC_API_KEY": "sk-ant-scripted",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
            **dict(scenario.env),
        }
        done = subprocess.run(
            argv,
            input=PROMPT.encode(),
            capture_output=True,
            cwd=work,
            env=env,
            timeout=300,
            check=False,
        )
        replies = [
            step for step in scenario.steps[: len(server.requests)] if isinstance(step, Reply)
        ]
        version = subprocess.run(
            [claude, "--version"], capture_output=True, text=True, env=env, check=False
        ).stdout.strip()
        host = url.removeprefix("http://")
        stdout = _scrub(done.stdout, root).replace(host.encode(), b"127.0.0.1:8080")
        stderr = _scrub(done.stderr, root).decode(errors="replace").replace(host, "127.0.0.1:8080")
    suffix = ".jsonl" if "stream-json" in scenario.output else ".json"
    (out / f"{scenario.name}{suffix}").write_bytes(stdout)
    record = {
        "scenario": scenario.name,
        "description": scenario.description,
        "claude_version": version,
        "argv": ["claude", *argv[1:]],
        "env": dict(scenario.env),
        "prompt_on_stdin": PROMPT,
        "exit_code": done.returncode,
        "stderr": stderr,
        "model_requests": len(server.requests),
        "expected": {
            "assistant_replies": len(replies),
            "input_tokens": sum(reply.input_tokens for reply in replies),
            "output_tokens": sum(reply.output_tokens for reply in replies),
            "http_errors": sum(
                isinstance(step, HttpError) for step in scenario.steps[: len(server.requests)]
            ),
        },
    }
    (out / "capture").mkdir(parents=True, exist_ok=True)
    (out / "capture" / f"{scenario.name}.json").write_text(json.dumps(record, indent=2) + "\n")


def main() -> int:
    """Capture every scenario (or those named)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claude", required=True, help="path to the claude binary")
    parser.add_argument("--out", type=Path, default=FIXTURE_DIR)
    parser.add_argument("names", nargs="*", help="scenarios to capture (default: all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for scenario in SCENARIOS:
        if not args.names or scenario.name in args.names:
            capture(args.claude, scenario, args.out)
            print(f"captured {scenario.name}")
    """One transcript to capture; `{work}` in tool arguments becomes the working directory."""

    prompt: str


def _scenarios() -> tuple[Scenario, ...]:
        Scenario(
            name="success-write",
            description="One Write tool call, then a final text reply; succeeds.",
            prompt="Create hello.txt containing the word hello.",
            steps=(
                Reply(
                    text="I will write the file.",
                    tool_calls=(
                        ToolCall("Write", {"file_path": "{work}/hello.txt", "content": "hello\n"}),
                    ),
                    prompt_tokens=1200,
                    completion_tokens=40,
                ),
                Reply(text="Created hello.txt.", prompt_tokens=1300, completion_tokens=10),
        ),
            name="http-500-every-attempt",
            description="HTTP 500 on the first call and the one retry; is_error, exit 1.",
            prompt="Say hello.",
            steps=tuple(HttpError(status=500) for _ in range(MAX_RETRIES + 1)),
            name="http-500-then-success",
            description="HTTP 500 once (system/api_retry), then the retry succeeds.",
                HttpError(status=500),
                Reply(text="Hello after a retry.", prompt_tokens=900, completion_tokens=8),
            name="multi-turn",
            description="Write, Edit, then a final text: three priced messages, cumulative cost.",
            prompt="Create notes.txt, then change its first line.",
                        ToolCall(
                            "Write", {"file_path": "{work}/notes.txt", "content": "one\ntwo\n"}
                        ),
                    prompt_tokens=1000,
                    completion_tokens=30,
                    text="Now the edit.",
                            "Edit",
                            {
                                "file_path": "{work}/notes.txt",
                                "old_string": "one",
                                "new_string": "ONE",
                            },
                    prompt_tokens=1250,
                    completion_tokens=45,
                    text="notes.txt now starts with ONE.", prompt_tokens=1400, completion_tokens=12


def _place(steps: tuple[Step, ...], work: Path) -> list[Step]:
    placed: list[Step] = []
    for step in steps:
        if isinstance(step, Reply) and step.tool_calls:
            calls = tuple(
                ToolCall(c.name, json.loads(json.dumps(c.arguments).replace("{work}", str(work))))
                for c in step.tool_calls
            )
            placed.append(dataclasses.replace(step, tool_calls=calls))
        else:
            placed.append(step)
    return placed


def _scrub(text: str, root: str) -> str:
    text = text.replace(root, "/tmp/claude-fixture").replace(str(REPO_ROOT), "<repo>")
    # Claude Code names its per-project folders after the path with every other character a "-".
    text = text.replace(re.sub(r"[^A-Za-z0-9]", "-", root), "-tmp-claude-fixture")
    text = re.sub(r"/tmp/cc-socks/\d+\.sock", "/tmp/cc-socks/0.sock", text)
    text = re.sub(r'"(session_id|uuid|id)":"[0-9a-f-]{36}"', rf'"\1":"{_ZERO_UUID}"', text)
    text = re.sub(r'"timestamp":"[^"]*"', '"timestamp":"2026-01-01T00:00:00.000Z"', text)
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:8080", text)
    return re.sub(rf'"({"|".join(_TIMING_FIELDS)})":\d+(\.\d+)?', r'"\1":0', text)


def capture(scenario: Scenario, out_dir: Path, binary: Path) -> dict[str, object]:
    """Run one scenario against the real Claude Code and write its transcript and metadata."""
    with tempfile.TemporaryDirectory(prefix="claude-fixture-") as tmp_name:
        tmp = Path(os.path.realpath(tmp_name))
        work = tmp / "work"
        steps = _place(scenario.steps, work)
        with ScriptedModelServer(steps, api="anthropic-messages") as server:
            env = claude_environment(tmp / "home", server.root_url, max_retries=MAX_RETRIES)
            argv = [
                str(binary),
                *("-p", "--output-format", "stream-json", "--verbose", "--model", MODEL),
                *("--permission-mode", "acceptEdits"),
            ]
            done = subprocess.run(
                argv,
                cwd=work,
                env=env,
                input=scenario.prompt.encode(),
                capture_output=True,
                timeout=120,
                check=False,
            requests = len(server.requests)
        transcript = _scrub(done.stdout.decode("utf-8"), str(tmp))
        stderr = _scrub(done.stderr.decode("utf-8", "replace"), str(tmp))
    replies = [s for s in scenario.steps if isinstance(s, Reply)]
    meta: dict[str, object] = {
        "claude_version": CLAUDE_VERSION,
        "max_retries": MAX_RETRIES,
        "prompt_on_stdin": scenario.prompt,
        "model_requests": requests,
            "input_tokens": sum(r.prompt_tokens for r in replies),
            "output_tokens": sum(r.completion_tokens for r in replies),
            "total_cost_usd": round(
                sum(message_cost_usd(r.prompt_tokens, r.completion_tokens) for r in replies), 10
            "http_errors": sum(1 for s in scenario.steps if isinstance(s, HttpError)),
    (out_dir / "capture").mkdir(parents=True, exist_ok=True)
    (out_dir / f"{scenario.name}.jsonl").write_text(transcript)
    (out_dir / "capture" / f"{scenario.name}.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def main(argv: list[str] | None = None) -> int:
    """Capture every scenario (or the named ones) into the fixture directory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("names", nargs="*", help="scenario names (default: all)")
    args = parser.parse_args(argv)
    binary = claude_binary()
    if binary is None:
        print("Claude Code is not installed; run `bash scripts/test.sh`.", file=sys.stderr)
        return 2
    for scenario in _scenarios():
            meta = capture(scenario, args.out, binary)
            print(f"{scenario.name}: exit {meta['exit_code']}, {meta['model_requests']} requests")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Capture the real Claude Code's other output forms into `tests/fixtures/harness/claude-formats/`.

`capture_claude_fixtures.py` (the pinned `tools/claude`, stream-json as `harness run` uses it)
covers success, HTTP 500 and multi-turn runs in `claude-real/`. This one covers what the
normaliser must also read: `--output-format json`, its `--verbose` array form, and a run stopped
by `--max-turns` (`subtype:"error_max_turns"`).

Run: `uv run --no-sync python -m tests.support.capture_claude_formats --claude PATH [--out DIR]`
with PATH a `claude` binary (`tools/claude/node_modules/.bin/claude` once `scripts/test.sh` has
installed it).

Each scenario runs `claude -p` against the scripted Messages API server
(`adapters/scripted_model/server.py`, `api="anthropic-messages"`) through `ANTHROPIC_BASE_URL`,
with a throwaway `HOME`, the prompt on stdin, in an empty git worktree, and writes the transcript
and `capture/NAME.json` (argv, exit code, stderr, requests the server saw, and the totals the
script implies). The reviewed
`NAME.expected.json` reports are written by hand, not here, so the normaliser is not its own
oracle.

Scrubbed so a regeneration differs only where Claude Code's behaviour did: the temporary folder
becomes `/tmp/claude-fixture`, session ids and uuids become constants, timings (`*_ms`,
timestamps) become 0 or one constant, the server's port becomes 8080, and the messaging socket's
pid 0. The `init` line's `capabilities` list may still differ between runs: Claude Code computes
it at start-up.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from adapters.scripted_model.server import HttpError, Reply, ScriptedModelServer, Step, ToolCall

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_DIR = REPO_ROOT / "tests" / "fixtures" / "harness" / "claude-formats"
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

WRITE = ToolCall("Write", {"file_path": "hello.txt", "content": "hello\n"})


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
        Reply("I'll create the file.", (WRITE,), prompt_tokens=1000, completion_tokens=40),
        Reply("Created hello.txt.", prompt_tokens=1200, completion_tokens=9),
    )


SCENARIOS = (
    Scenario(
        "json-success",
        "a Write tool call then a final text, --output-format json",
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
    server = ScriptedModelServer(scenario.steps, api="anthropic-messages")
    with tempfile.TemporaryDirectory(prefix="claude-fixture-") as root, server:
        url = server.root_url
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
        played = server.played_steps
        replies = [step for step in played if isinstance(step, Reply)]
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
            "input_tokens": sum(reply.prompt_tokens for reply in replies),
            "output_tokens": sum(reply.completion_tokens for reply in replies),
            "http_errors": sum(isinstance(step, HttpError) for step in played),
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

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
import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from adapters.scripted_model.server import HttpError, Reply, ScriptedModelServer, Step, ToolCall
from tests.support.claude_agent import (
    CLAUDE_VERSION,
    MODEL,
    claude_binary,
    claude_environment,
    message_cost_usd,
)
from tests.support.pi_agent import REPO_ROOT

FIXTURE_DIR = REPO_ROOT / "tests" / "fixtures" / "harness" / "claude-real"
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
)


@dataclass(frozen=True)
class Scenario:
    """One transcript to capture; `{work}` in tool arguments becomes the working directory."""

    name: str
    description: str
    prompt: str
    steps: tuple[Step, ...]


def _scenarios() -> tuple[Scenario, ...]:
    return (
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
        ),
        Scenario(
            name="http-500-every-attempt",
            description="HTTP 500 on the first call and the one retry; is_error, exit 1.",
            prompt="Say hello.",
            steps=tuple(HttpError(status=500) for _ in range(MAX_RETRIES + 1)),
        ),
        Scenario(
            name="http-500-then-success",
            description="HTTP 500 once (system/api_retry), then the retry succeeds.",
            prompt="Say hello.",
            steps=(
                HttpError(status=500),
                Reply(text="Hello after a retry.", prompt_tokens=900, completion_tokens=8),
            ),
        ),
        Scenario(
            name="multi-turn",
            description="Write, Edit, then a final text: three priced messages, cumulative cost.",
            prompt="Create notes.txt, then change its first line.",
            steps=(
                Reply(
                    tool_calls=(
                        ToolCall(
                            "Write", {"file_path": "{work}/notes.txt", "content": "one\ntwo\n"}
                        ),
                    ),
                    prompt_tokens=1000,
                    completion_tokens=30,
                ),
                Reply(
                    text="Now the edit.",
                    tool_calls=(
                        ToolCall(
                            "Edit",
                            {
                                "file_path": "{work}/notes.txt",
                                "old_string": "one",
                                "new_string": "ONE",
                            },
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
    )


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
        work.mkdir()
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
            )
            requests = len(server.requests)
        transcript = _scrub(done.stdout.decode("utf-8"), str(tmp))
        stderr = _scrub(done.stderr.decode("utf-8", "replace"), str(tmp))
    replies = [s for s in scenario.steps if isinstance(s, Reply)]
    meta: dict[str, object] = {
        "scenario": scenario.name,
        "description": scenario.description,
        "claude_version": CLAUDE_VERSION,
        "argv": ["claude", *argv[1:]],
        "max_retries": MAX_RETRIES,
        "prompt_on_stdin": scenario.prompt,
        "exit_code": done.returncode,
        "stderr": stderr,
        "model_requests": requests,
        "expected": {
            "assistant_replies": len(replies),
            "input_tokens": sum(r.prompt_tokens for r in replies),
            "output_tokens": sum(r.completion_tokens for r in replies),
            "total_cost_usd": round(
                sum(message_cost_usd(r.prompt_tokens, r.completion_tokens) for r in replies), 10
            ),
            "http_errors": sum(1 for s in scenario.steps if isinstance(s, HttpError)),
        },
    }
    (out_dir / "capture").mkdir(parents=True, exist_ok=True)
    (out_dir / f"{scenario.name}.jsonl").write_text(transcript)
    (out_dir / "capture" / f"{scenario.name}.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def main(argv: list[str] | None = None) -> int:
    """Capture every scenario (or the named ones) into the fixture directory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=FIXTURE_DIR)
    parser.add_argument("names", nargs="*", help="scenario names (default: all)")
    args = parser.parse_args(argv)
    binary = claude_binary()
    if binary is None:
        print("Claude Code is not installed; run `bash scripts/test.sh`.", file=sys.stderr)
        return 2
    for scenario in _scenarios():
        if not args.names or scenario.name in args.names:
            meta = capture(scenario, args.out, binary)
            print(f"{scenario.name}: exit {meta['exit_code']}, {meta['model_requests']} requests")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

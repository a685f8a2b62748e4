"""Capture golden transcripts of the real Codex CLI into `tests/fixtures/harness/codex-real/`.

Run: `uv run --no-sync python -m tests.support.capture_codex_fixtures --codex PATH [--out DIR]`
with PATH a `codex` binary (`npm install @openai/codex` in a scratch folder gives
`node_modules/.bin/codex`; the project does not install it).

Each scenario runs `codex exec --json -` (prompt on stdin) against the scripted Responses API
server (`adapters/scripted_model/server.py`, `api="openai-responses"`), declared as a custom
provider in a throwaway `CODEX_HOME`, in an empty git worktree, and writes `NAME.jsonl` (stdout)
and `capture/NAME.json`
(argv, exit code, requests the server saw, and the totals the script implies). The reviewed
`NAME.expected.json` reports are written by hand, not here. Thread ids and temporary paths are
scrubbed to constants.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from adapters.scripted_model.server import HttpError, Reply, ScriptedModelServer, Step
from tests.support.codex_agent import codex_reply

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_DIR = REPO_ROOT / "tests" / "fixtures" / "harness" / "codex-real"
MODEL = "scripted-model"
PROMPT = "Create hello.txt containing hello."
SCRUBBED_ROOT = "/tmp/codex-fixture"
SCRUBBED_ID = "00000000-0000-7000-8000-000000000000"
_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CONFIG = """model = "{model}"
model_provider = "scripted"

[model_providers.scripted]
name = "scripted"
base_url = "{url}"
env_key = "SCRIPTED_API_KEY"
wire_api = "responses"
request_max_retries = 1
stream_max_retries = 1
"""


@dataclass(frozen=True)
class Scenario:
    """One transcript: the model's script, and whether it resumes an earlier run's thread."""

    name: str
    description: str
    steps: tuple[Step, ...]
    # Steps played by an earlier `codex exec` whose thread the captured run resumes (not kept).
    earlier: tuple[Step, ...] = ()


SCENARIOS = (
    Scenario("exec-success", "one model call answering in text", (codex_reply("Hello."),)),
    Scenario(
        "exec-command-then-answer",
        "exec_command writes hello.txt, then a final text: two model calls in one turn",
        (
            codex_reply("", "echo hello > hello.txt", input_tokens=1000),
            codex_reply("Created hello.txt.", input_tokens=2000, cached_tokens=900),
        ),
    ),
    Scenario(
        "exec-http-500-every-attempt",
        "HTTP 500 on every request (request_max_retries=1, stream_max_retries=1: 4 requests)",
        (HttpError(), HttpError(), HttpError(), HttpError()),
    ),
    Scenario(
        "exec-http-500-then-success",
        "HTTP 500 once, retried silently, then success",
        (HttpError(), codex_reply("Hello.")),
    ),
    Scenario(
        "exec-resume-second-turn",
        "`codex exec resume --last` after a first run: usage is the thread's running total",
        (
            codex_reply(
                "Added the newline.", input_tokens=3000, cached_tokens=2000, output_tokens=15
            ),
        ),
        earlier=(codex_reply("Hello.", input_tokens=1000, cached_tokens=600, output_tokens=30),),
    ),
)


def _scrub(data: bytes, root: str) -> bytes:
    return _UUID.sub(SCRUBBED_ID.encode(), data.replace(root.encode(), SCRUBBED_ROOT.encode()))


def _exec(
    codex: str, argv: list[str], work: Path, home: Path
) -> subprocess.CompletedProcess[bytes]:
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "CODEX_HOME": str(home / "codex"),
        "SCRIPTED_API_KEY": "sk-scripted",
    }
    return subprocess.run(
        [codex, *argv],
        input=PROMPT.encode(),
        capture_output=True,
        cwd=work,
        env=env,
        timeout=300,
        check=False,
    )


def capture(codex: str, scenario: Scenario, out: Path) -> None:
    """Run one scenario (after its earlier run, if any) and write transcript and record."""
    server = ScriptedModelServer((*scenario.earlier, *scenario.steps), api="openai-responses")
    argv = ["exec", "--json", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"]
    with tempfile.TemporaryDirectory(prefix="codex-fixture-") as root, server:
        url = server.base_url
        work, home = Path(root) / "work", Path(root) / "home"
        work.mkdir()
        (home / "codex").mkdir(parents=True)
        (home / "codex" / "config.toml").write_text(_CONFIG.format(model=MODEL, url=url))
        subprocess.run(["git", "init", "-q", str(work)], check=True)
        if scenario.earlier:
            _exec(codex, [*argv, "-"], work, home)
            argv = [*argv, "resume", "--last"]
        done = _exec(codex, [*argv, "-"], work, home)
        version = subprocess.run(
            [codex, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        stdout = _scrub(done.stdout, root)
        requests = len(server.requests)
        played = server.played_steps
    replies = [step for step in played if isinstance(step, Reply)]
    (out / f"{scenario.name}.jsonl").write_bytes(stdout)
    record = {
        "scenario": scenario.name,
        "description": scenario.description,
        "codex_version": version,
        "argv": ["codex", *argv, "-"],
        "prompt_on_stdin": PROMPT,
        "exit_code": done.returncode,
        "model_requests": requests,
        "expected": {
            "thread_input_tokens": sum(reply.prompt_tokens for reply in replies),
            "thread_cached_input_tokens": sum(reply.cached_tokens for reply in replies),
            "thread_output_tokens": sum(reply.completion_tokens for reply in replies),
            "http_errors": sum(isinstance(step, HttpError) for step in played),
        },
    }
    (out / "capture").mkdir(parents=True, exist_ok=True)
    (out / "capture" / f"{scenario.name}.json").write_text(json.dumps(record, indent=2) + "\n")


def main() -> int:
    """Capture every scenario (or those named)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--codex", required=True, help="path to the codex binary")
    parser.add_argument("--out", type=Path, default=FIXTURE_DIR)
    parser.add_argument("names", nargs="*", help="scenarios to capture (default: all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for scenario in SCENARIOS:
        if not args.names or scenario.name in args.names:
            capture(args.codex, scenario, args.out)
            print(f"captured {scenario.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: normalise a generated Pi transcript, streaming, against raw msgspec decoding.

Writes a Pi JSON-mode transcript of about `--size-mb` (default 1024) to a temporary file: turns
as Pi prints them, then, as in a real run, one final `agent_end` line that repeats every message
of the run (about a tenth of the file, on one line). Then runs, each in a fresh subprocess so the
peak memory (`VmHWM`, the high-water mark of the process since its exec) is that run's alone:

- read: the line source alone, to show what reading costs;
- ceiling: the same file read by the same line source, `msgspec.json.decode(line)` per line
  (the line source hands the overlong `agent_end` over as its ends only: nothing to decode);
- normalise: the line source feeding `new_normaliser("pi")`, then `finish()`.

Prints MB/s for both, the ratio (target >= 50% of the ceiling) and the normaliser's peak
memory (target < 100 MB whatever the size). Nothing is asserted: numbers vary by machine.

    uv run --no-sync python benchmarks/bench_normalise.py [--size-mb N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

MIB = 1024 * 1024


def _line(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def _assistant(text: str, *, stop: str, tool: bool) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": text}]
    if tool:
        content.append(
            {
                "type": "toolCall",
                "id": "call_1",
                "name": "edit",
                "arguments": {"path": "src/app.py", "oldText": "a = 1", "newText": "a = 2"},
            }
        )
    return {
        "role": "assistant",
        "content": content,
        "api": "openai-completions",
        "provider": "scripted",
        "model": "scripted-model",
        "usage": {
            "input": 1830,
            "output": 96,
            "cacheRead": 12000,
            "cacheWrite": 0,
            "totalTokens": 13926,
            "cost": {
                "input": 0.0183,
                "output": 0.00288,
                "cacheRead": 0,
                "cacheWrite": 0,
                "total": 0.02118,
            },
        },
        "stopReason": stop,
        "timestamp": 1767225600000,
    }


# The edit tool's result message, as Pi repeats it in message events and agent_end.
_TOOL_RESULT: dict[str, Any] = {
    "role": "toolResult",
    "toolCallId": "call_1",
    "toolName": "edit",
    "content": [{"type": "text", "text": "Successfully replaced text in src/app.py."}],
    "isError": False,
    "timestamp": 1767225600000,
}


def _turn() -> bytes:
    """One tool-using turn as Pi prints it: message deltas dominate the bytes, as in real runs."""
    reply = _assistant("Let me update the constant in src/app.py. " * 4, stop="toolUse", tool=True)
    partial = _assistant("Let me update", stop="toolUse", tool=False)
    result = _TOOL_RESULT
    delta = {"type": "text_delta", "contentIndex": 0, "delta": "update the "}
    events: list[dict[str, Any]] = [
        {"type": "turn_start"},
        {"type": "message_start", "message": partial},
    ]
    events += [{"type": "message_update", "message": partial, "assistantMessageEvent": delta}] * 12
    events += [
        {"type": "message_end", "message": reply},
        {"type": "tool_execution_start", "toolCallId": "call_1", "toolName": "edit", "args": {}},
        {
            "type": "tool_execution_end",
            "toolCallId": "call_1",
            "toolName": "edit",
            "result": {"content": result["content"], "details": {"diff": "-a = 1\n+a = 2"}},
            "isError": False,
        },
        {"type": "message_start", "message": result},
        {"type": "message_end", "message": result},
        {"type": "turn_end", "message": reply, "toolResults": [result]},
    ]
    return b"".join(_line(event) for event in events)


def _turn_messages() -> bytes:
    """The messages one turn adds to agent_end (its reply and tool result), comma-joined."""
    reply = _assistant("Let me update the constant in src/app.py. " * 4, stop="toolUse", tool=True)
    result = _TOOL_RESULT
    return _line(reply)[:-1] + b"," + _line(result)[:-1]


def generate(path: str, size_bytes: int) -> tuple[int, int]:
    """Write a transcript of about `size_bytes`; return the turns and the agent_end's size."""
    header = _line({"type": "session", "version": 3, "id": "bench", "cwd": "/tmp/w"})
    turn = _turn()
    repeated = _turn_messages()
    turns = max(1, size_bytes // (len(turn) + len(repeated) + 1))
    chunk_turns = max(1, 8 * MIB // len(turn))
    with open(path, "wb") as handle:
        handle.write(header + _line({"type": "agent_start"}))
        written = 0
        while written < turns:
            count = min(chunk_turns, turns - written)
            handle.write(turn * count)
            written += count
        # The real agent_end: every message of the run again, on one line (written in chunks).
        start = handle.tell()
        handle.write(b'{"type":"agent_end","messages":[' + repeated)
        written = 1
        while written < turns:
            count = min(chunk_turns, turns - written)
            handle.write((b"," + repeated) * count)
            written += count
        handle.write(b'],"willRetry":false}\n')
        agent_end = handle.tell() - start
    return turns, agent_end


_CHILD = """
import json, resource, sys, time
import msgspec
from adapters.line_file import FileLineSource
from domain.harness.normalise import new_normaliser

def decode(line):
    if isinstance(line, bytes):
        msgspec.json.decode(line)

def peak_kib():
    # VmHWM is this process's own peak; ru_maxrss would also keep its parent's, from the fork.
    try:
        with open("/proc/self/status") as status:
            return int(next(l.split()[1] for l in status if l.startswith("VmHWM:")))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

mode, path = sys.argv[1], sys.argv[2]
source = FileLineSource()
start = time.perf_counter()
if mode == "read":
    source.for_each_line(path, lambda line: None).unwrap()
    summary = None
elif mode == "ceiling":
    source.for_each_line(path, decode).unwrap()
    summary = None
elif mode == "normalise":
    normaliser = new_normaliser("pi")
    source.for_each_line(path, normaliser.feed).unwrap()
    report = normaliser.finish(0)
    summary = {"complete": report.complete, "is_error": report.is_error,
               "num_turns": report.num_turns, "total_cost_usd": report.total_cost_usd,
               "long_lines": report.long_lines, "malformed_lines": report.malformed_lines}
else:
    summary = None  # "idle": the interpreter and the imports alone
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "maxrss_kib": peak_kib(), "summary": summary}))
"""


def run_child(mode: str, path: str) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, path], capture_output=True, check=True, text=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def best_of(mode: str, path: str, repeat: int) -> dict[str, Any]:
    """The fastest of `repeat` runs (the least disturbed by the machine), with its peak RSS."""
    runs = [run_child(mode, path) for _ in range(repeat)]
    return min(runs, key=lambda run: float(run["seconds"]))


def main() -> int:
    """Generate, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="transcript size (MiB)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (best kept)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-normalise-") as folder:
        path = os.path.join(folder, "pi-transcript.jsonl")
        started = time.perf_counter()
        turns, agent_end = generate(path, args.size_mb * MIB)
        size = os.path.getsize(path)
        print(
            f"transcript: {size / MIB:.0f} MiB, {turns} turns, final agent_end "
            f"{agent_end / MIB:.0f} MiB on one line, generated in "
            f"{time.perf_counter() - started:.1f} s ({path})"
        )
        idle = run_child("idle", path)
        read = best_of("read", path, args.repeat)
        ceiling = best_of("ceiling", path, args.repeat)
        normalise = best_of("normalise", path, args.repeat)

    mb = size / MIB
    ceiling_rate = mb / ceiling["seconds"]
    normalise_rate = mb / normalise["seconds"]
    print(
        f"read only (line source, no decoding):     {mb / read['seconds']:8.1f} MiB/s "
        f"({read['seconds']:.2f} s)"
    )
    print(
        f"ceiling   (msgspec.json.decode per line): {ceiling_rate:8.1f} MiB/s "
        f"({ceiling['seconds']:.2f} s, peak RSS {ceiling['maxrss_kib'] / 1024:.1f} MiB)"
    )
    print(
        f"normalise (pi, streaming):                {normalise_rate:8.1f} MiB/s "
        f"({normalise['seconds']:.2f} s, peak RSS {normalise['maxrss_kib'] / 1024:.1f} MiB)"
    )
    print(f"ratio normalise/ceiling: {normalise_rate / ceiling_rate:.0%} (target >= 50%)")
    print(
        f"peak memory of the normaliser process: {normalise['maxrss_kib'] / 1024:.1f} MiB "
        f"(target < 100 MB; an idle interpreter with the same imports: "
        f"{idle['maxrss_kib'] / 1024:.1f} MiB)"
    )
    print(f"report: {json.dumps(normalise['summary'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

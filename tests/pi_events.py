"""Builders of Pi JSON-mode events, shaped as Pi 0.73 prints them (`JSON.stringify`, one a line)."""

from __future__ import annotations

import json
from typing import Any

Event = dict[str, Any]

MODEL = "scripted-model"
PROVIDER = "scripted"


def line(event: Event) -> bytes:
    """One event as Pi prints it: compact JSON, no newline."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


def lines(events: list[Event]) -> list[bytes]:
    """Every event as a line."""
    return [line(event) for event in events]


def jsonl(events: list[Event]) -> bytes:
    """A whole transcript, newline-terminated like Pi's stdout."""
    return b"".join(line(event) + b"\n" for event in events)


def header() -> Event:
    """The session header Pi prints first, even with `--no-session`."""
    return {
        "type": "session",
        "version": 3,
        "id": "0196a0e2-7b1c-7000-8000-000000000000",
        "timestamp": "2026-11-25T18:00:00.000Z",
        "cwd": "/tmp/worktree",
    }


def user(text: str = "Write hello.txt") -> Event:
    """A user message."""
    return {"role": "user", "content": [{"type": "text", "text": text}], "timestamp": 1}


def assistant(
    text: str | None = "Done.",
    *,
    stop: str = "stop",
    input_tokens: int = 100,
    output_tokens: int = 20,
    cache_read: int = 0,
    cache_write: int = 0,
    cost: float = 0.001,
    error: str | None = None,
    model: str = MODEL,
    tool_call: bool = False,
) -> Event:
    """An assistant message with Pi's per-message usage and cost estimate."""
    content: list[Event] = []
    if text is not None:
        content.append({"type": "text", "text": text})
    if tool_call:
        content.append(
            {
                "type": "toolCall",
                "id": "call_1",
                "name": "write",
                "arguments": {"path": "hello.txt", "content": "hello\n"},
            }
        )
    message: Event = {
        "role": "assistant",
        "content": content,
        "api": "openai-completions",
        "provider": PROVIDER,
        "model": model,
        "usage": {
            "input": input_tokens,
            "output": output_tokens,
            "cacheRead": cache_read,
            "cacheWrite": cache_write,
            "totalTokens": input_tokens + output_tokens + cache_read + cache_write,
            "cost": {
                "input": cost / 2,
                "output": cost / 2,
                "cacheRead": 0,
                "cacheWrite": 0,
                "total": cost,
            },
        },
        "stopReason": stop,
        "timestamp": 2,
    }
    if error is not None:
        message["errorMessage"] = error
    return message


def failed(error: str = "500 Internal Server Error", *, cost: float = 0.0) -> Event:
    """The assistant message Pi makes of a failed provider call."""
    return assistant(None, stop="error", error=error, input_tokens=0, output_tokens=0, cost=cost)


def tool_result() -> Event:
    """The tool result message that follows a tool call."""
    return {
        "role": "toolResult",
        "toolCallId": "call_1",
        "toolName": "write",
        "content": [{"type": "text", "text": "Successfully wrote 6 bytes to hello.txt"}],
        "isError": False,
        "timestamp": 3,
    }


def message(msg: Event, *, updates: int = 0) -> list[Event]:
    """The start/update/end events of one message."""
    events: list[Event] = [{"type": "message_start", "message": msg}]
    for _ in range(updates):
        events.append(
            {
                "type": "message_update",
                "message": msg,
                "assistantMessageEvent": {"type": "text_delta", "contentIndex": 0, "delta": "."},
            }
        )
    events.append({"type": "message_end", "message": msg})
    return events


def turn(reply: Event, *, prompt: Event | None = None, tools: bool = False) -> list[Event]:
    """One turn: optional prompt, the assistant reply, its tool execution, `turn_end`."""
    events: list[Event] = [{"type": "turn_start"}]
    if prompt is not None:
        events += message(prompt)
    events += message(reply, updates=2)
    results: list[Event] = []
    if tools:
        events += [
            {
                "type": "tool_execution_start",
                "toolCallId": "call_1",
                "toolName": "write",
                "args": {"path": "hello.txt"},
            },
            {
                "type": "tool_execution_update",
                "toolCallId": "call_1",
                "toolName": "write",
                "args": {"path": "hello.txt"},
                "partialResult": {"content": [], "details": {}},
            },
            {
                "type": "tool_execution_end",
                "toolCallId": "call_1",
                "toolName": "write",
                "result": {"content": [{"type": "text", "text": "ok"}], "details": {}},
                "isError": False,
            },
        ]
        results = [tool_result()]
        events += message(results[0])
    events.append({"type": "turn_end", "message": reply, "toolResults": results})
    return events


def agent_start() -> Event:
    """The start of one attempt."""
    return {"type": "agent_start"}


def agent_end(messages: list[Event], *, will_retry: bool | None = None) -> Event:
    """The end of one attempt, repeating every message of it."""
    event: Event = {"type": "agent_end", "messages": messages}
    if will_retry is not None:
        event["willRetry"] = will_retry
    return event


def attempt(*replies: Event, prompt: bool = True, will_retry: bool | None = None) -> list[Event]:
    """`agent_start`, one turn per reply (tool calls on all but the last), `agent_end`."""
    events: list[Event] = [agent_start()]
    messages: list[Event] = []
    for index, reply in enumerate(replies):
        first = prompt and index == 0
        asked = user() if first else None
        tools = index < len(replies) - 1
        events += turn(reply, prompt=asked, tools=tools)
        messages += ([asked] if asked else []) + [reply] + ([tool_result()] if tools else [])
    events.append(agent_end(messages, will_retry=will_retry))
    return events


def retry_start(attempt_number: int, error: str = "500 Internal Server Error") -> Event:
    """Pi announcing its own retry after a retryable error."""
    return {
        "type": "auto_retry_start",
        "attempt": attempt_number,
        "maxAttempts": 3,
        "delayMs": 2000 * 2 ** (attempt_number - 1),
        "errorMessage": error,
    }


def retry_end(*, success: bool, attempt_number: int, final_error: str | None = None) -> Event:
    """The end of Pi's retrying."""
    event: Event = {"type": "auto_retry_end", "success": success, "attempt": attempt_number}
    if final_error is not None:
        event["finalError"] = final_error
    return event


def compaction(*, will_retry: bool = False, aborted: bool = False) -> list[Event]:
    """A context compaction."""
    end: Event = {
        "type": "compaction_end",
        "reason": "overflow" if will_retry else "threshold",
        "aborted": aborted,
        "willRetry": will_retry,
    }
    if not aborted:
        end["result"] = {"summary": "Earlier: wrote hello.txt", "tokensBefore": 180000}
    return [{"type": "compaction_start", "reason": end["reason"]}, end]

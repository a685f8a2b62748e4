"""A scripted Anthropic Messages API server on loopback, for driving the real Claude Code.

Each POST to `/v1/messages` plays the next step of the script: a reply (streamed as the Messages
API's SSE events when the request asks for `stream`, one JSON message otherwise) or an HTTP
error. When the script runs out the server answers 500 saying so. Token counting requests get a
fixed count and do not consume a step.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class ToolUse:
    """One tool call the scripted model makes (Claude Code's tools: `Write`, `Bash`, ...)."""

    name: str
    input: dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """An assistant message: optional text, then tool calls, with the usage the API reports."""

    text: str = ""
    tool_uses: tuple[ToolUse, ...] = ()
    input_tokens: int = 100
    output_tokens: int = 20


@dataclass(frozen=True)
class HttpError:
    """An API failure with this status and an Anthropic-shaped error body."""

    status: int = 500
    message: str = "scripted internal server error"


Step = Reply | HttpError


@dataclass
class AnthropicServer:
    """Serves `steps` in order on 127.0.0.1; `requests` records the decoded request bodies."""

    steps: Sequence[Step]
    requests: list[dict[str, Any]] = field(default_factory=list)
    _next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, body: dict[str, Any]) -> tuple[int, Step]:
        """Record a request and return its number and the step it plays."""
        with self._lock:
            self.requests.append(body)
            number = self._next
            self._next += 1
        if number < len(self.steps):
            return number, self.steps[number]
        return number, HttpError(500, f"the script has only {len(self.steps)} steps")

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Run in a thread while the caller uses the yielded base URL."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


def _blocks(reply: Reply, number: int) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if reply.text:
        blocks.append({"type": "text", "text": reply.text})
    for index, tool in enumerate(reply.tool_uses):
        tool_id = f"toolu_scripted_{number:02d}_{index}"
        blocks.append({"type": "tool_use", "id": tool_id, "name": tool.name, "input": tool.input})
    return blocks


def _message(reply: Reply, number: int, model: str) -> dict[str, Any]:
    return {
        "id": f"msg_scripted_{number:02d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": _blocks(reply, number),
        "stop_reason": "tool_use" if reply.tool_uses else "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": reply.input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": reply.output_tokens,
        },
    }


def _events(reply: Reply, number: int, model: str) -> list[dict[str, Any]]:
    message = _message(reply, number, model)
    start = dict(message, content=[], stop_reason=None)
    start["usage"] = dict(message["usage"], output_tokens=1)
    events: list[dict[str, Any]] = [{"type": "message_start", "message": start}]
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            events.append(
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "text", "text": ""},
                }
            )
            delta = {"type": "text_delta", "text": block["text"]}
        else:
            events.append(
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": dict(block, input={}),
                }
            )
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        events.append({"type": "content_block_delta", "index": index, "delta": delta})
        events.append({"type": "content_block_stop", "index": index})
    events.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
            "usage": {"output_tokens": reply.output_tokens},
        }
    )
    events.append({"type": "message_stop"})
    return events


def _handler(script: AnthropicServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads `requests` instead."""

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body: dict[str, Any] = json.loads(self.rfile.read(length) or b"{}")
            if "count_tokens" in self.path:
                self._send(200, b'{"input_tokens":42}', "application/json")
                return
            number, step = script.take(body)
            if isinstance(step, HttpError):
                error = {"type": "error", "error": {"type": "api_error", "message": step.message}}
                self._send(step.status, json.dumps(error).encode(), "application/json")
                return
            model = str(body.get("model", "scripted-model"))
            if body.get("stream"):
                stream = b"".join(
                    f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()
                    for event in _events(step, number, model)
                )
                self._send(200, stream, "text/event-stream")
                return
            self._send(200, json.dumps(_message(step, number, model)).encode(), "application/json")

        def do_GET(self) -> None:
            self._send(
                404, b'{"type":"error","error":{"type":"not_found_error"}}', "application/json"
            )

    return Handler

"""A scripted OpenAI Responses API server on loopback, for driving the real Codex CLI.

Each POST to `/v1/responses` plays the next step of the script: a reply streamed as Responses
SSE events (`response.created`, `response.output_item.added|done`, `response.output_text.delta`,
`response.completed` with usage), or an HTTP error. When the script runs out the server answers
500 saying so.
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
class Command:
    """A call of Codex's `exec_command` tool."""

    cmd: str


@dataclass(frozen=True)
class Reply:
    """One model response: a text message, or tool calls; with the usage the API reports."""

    text: str = ""
    commands: tuple[Command, ...] = ()
    input_tokens: int = 1000
    cached_tokens: int = 600
    output_tokens: int = 30


@dataclass(frozen=True)
class HttpError:
    """An API failure with this status and an OpenAI-shaped error body."""

    status: int = 500
    message: str = "scripted internal server error"


Step = Reply | HttpError


@dataclass
class ResponsesServer:
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
        """Run in a thread while the caller uses the yielded base URL (ending in `/v1`)."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/v1"
        finally:
            server.shutdown()
            server.server_close()


def _items(reply: Reply, number: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [
        {
            "type": "function_call",
            "id": f"fc_{number:02d}_{index}",
            "call_id": f"call_{number:02d}_{index}",
            "name": "exec_command",
            "arguments": json.dumps({"cmd": command.cmd}),
            "status": "completed",
        }
        for index, command in enumerate(reply.commands)
    ]
    if reply.text:
        items.append(
            {
                "type": "message",
                "id": f"msg_{number:02d}",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": reply.text, "annotations": []}],
            }
        )
    return items


def _events(reply: Reply, number: int) -> list[dict[str, Any]]:
    response_id = f"resp_scripted_{number:02d}"
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {"id": response_id, "status": "in_progress"}}
    ]
    for index, item in enumerate(_items(reply, number)):
        events.append({"type": "response.output_item.added", "output_index": index, "item": item})
        if item["type"] == "message":
            events.append(
                {
                    "type": "response.output_text.delta",
                    "item_id": item["id"],
                    "output_index": index,
                    "content_index": 0,
                    "delta": reply.text,
                }
            )
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    usage = {
        "input_tokens": reply.input_tokens,
        "input_tokens_details": {"cached_tokens": reply.cached_tokens},
        "output_tokens": reply.output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": reply.input_tokens + reply.output_tokens,
    }
    events.append(
        {
            "type": "response.completed",
            "response": {"id": response_id, "status": "completed", "usage": usage},
        }
    )
    return events


def _handler(script: ResponsesServer) -> type[BaseHTTPRequestHandler]:
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
            number, step = script.take(body)
            if isinstance(step, HttpError):
                error = {"error": {"message": step.message, "type": "server_error"}}
                self._send(step.status, json.dumps(error).encode(), "application/json")
                return
            stream = b"".join(
                f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()
                for event in _events(step, number)
            )
            self._send(200, stream, "text/event-stream")

        def do_GET(self) -> None:
            self._send(404, b'{"error":{"message":"not found"}}', "application/json")

    return Handler

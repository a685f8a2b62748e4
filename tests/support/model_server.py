"""A scripted OpenAI-compatible model server on loopback, for driving the real Pi in tests.

Each POST to `/v1/chat/completions` plays the next step of the test's script: a streamed reply
(`chat.completion.chunk` SSE with text and `tool_calls` deltas, usage in the final chunk), an HTTP
error, or a reply that waits first. Requests are recorded so a test can assert what the harness
sent. When the script runs out the server answers 500 with a message saying so, which shows up in
the harness's transcript instead of hanging the test.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHAT_PATH = "/v1/chat/completions"


@dataclass(frozen=True)
class ToolCall:
    """One tool call the scripted model makes (Pi's tools: `write`, `bash`, `read`, `edit`)."""

    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """A streamed assistant reply: optional text, then tool calls, then usage."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    prompt_tokens: int = 100
    completion_tokens: int = 20
    # Seconds to wait before the response headers (a slow model; the wall-clock tests).
    delay_s: float = 0.0


@dataclass(frozen=True)
class HttpError:
    """An HTTP error response with an OpenAI-style error body."""

    status: int = 500
    message: str = "scripted internal server error"


Step = Reply | HttpError


@dataclass
class RecordedRequest:
    """What the harness sent: path, headers (lower-cased names) and the decoded JSON body."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class _Script:
    steps: list[Step]
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    closing: threading.Event = field(default_factory=threading.Event)

    def next_step(self, request: RecordedRequest) -> tuple[int, Step | None]:
        """Record the request; return its 1-based number and the step to play (None: none left)."""
        with self.lock:
            self.requests.append(request)
            return len(self.requests), (self.steps.pop(0) if self.steps else None)


def _sse_chunks(reply: Reply, model: str, completion_id: str) -> Iterator[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    yield chunk({"role": "assistant", "content": ""})
    # Text arrives in a few pieces, as a real model streams it.
    for start in range(0, len(reply.text), 16):
        yield chunk({"content": reply.text[start : start + 16]})
    for index, call in enumerate(reply.tool_calls):
        arguments = json.dumps(call.arguments)
        half = len(arguments) // 2
        yield chunk(
            {
                "tool_calls": [
                    {
                        "index": index,
                        "id": f"call_{completion_id}_{index}",
                        "type": "function",
                        "function": {"name": call.name, "arguments": arguments[:half]},
                    }
                ]
            }
        )
        yield chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments[half:]}}]})
    yield chunk({}, "tool_calls" if reply.tool_calls else "stop")
    yield {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
        "choices": [],
        "usage": {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        },
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # the base class names it `format`
        """Keep test output quiet."""

    def do_GET(self) -> None:
        self._send_json(404, {"error": {"message": f"no such path {self.path}"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = {"unparsed": raw.decode("utf-8", "replace")}
        recorded = RecordedRequest(
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        if self.path.rstrip("/") != CHAT_PATH:
            self._send_json(404, {"error": {"message": f"no such path {self.path}"}})
            return
        number, step = self.server.script.next_step(recorded)
        if step is None:
            self._send_json(500, {"error": {"message": "scripted model server: script exhausted"}})
        elif isinstance(step, HttpError):
            self._send_json(step.status, {"error": {"message": step.message, "type": "server"}})
        else:
            self._stream(step, str(body.get("model", "scripted-model")), number)

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, reply: Reply, model: str, number: int) -> None:
        if reply.delay_s and self.server.script.closing.wait(reply.delay_s):
            return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        self.end_headers()
        for chunk in _sse_chunks(reply, model, f"chatcmpl-{number}"):
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    script: _Script


class ScriptedModelServer:
    """Serves one script on 127.0.0.1 (ephemeral port); use as a context manager."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.script = _Script(steps=list(steps))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL (ends in `/v1`) to put in Pi's `models.json`."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in order."""
        with self._server.script.lock:
            return list(self._server.script.requests)

    @property
    def remaining_steps(self) -> int:
        """How many scripted steps have not been played yet."""
        with self._server.script.lock:
            return len(self._server.script.steps)

    def __enter__(self) -> ScriptedModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.script.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

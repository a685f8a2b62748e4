"""The one scripted model server on loopback, for driving real harnesses (Pi, Claude Code, Codex).

It speaks one of three APIs: OpenAI chat completions (`POST /v1/chat/completions`, what Pi's
`openai-completions` provider calls), Anthropic Messages (`POST /v1/messages`, what Claude Code
calls with `ANTHROPIC_BASE_URL`) or OpenAI Responses (`POST /v1/responses`, what Codex calls with
`wire_api = "responses"`). Each such POST plays the next step of the test's script: a streamed
reply (SSE with text and tool-call deltas, usage at the end; a plain JSON message when an
Anthropic request does not ask for a stream), an HTTP error, or a reply that waits first.
Anthropic token counting gets a fixed count and plays no step. Requests are recorded so a test
can assert what the harness sent. When the script runs out the server answers 500 saying so,
which shows up in the harness's transcript instead of hanging the test.

A script may hold several sessions, one per agent run: a request that opens a conversation (no
assistant turn in it yet) after the current session has replied starts the next session, so the
second round of a run gets its own replies while a retry of an unanswered first request does not
skip ahead. The model is this script, not an LLM.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

CHAT_PATH = "/v1/chat/completions"
MESSAGES_PATH = "/v1/messages"
COUNT_TOKENS_PATH = "/v1/messages/count_tokens"
RESPONSES_PATH = "/v1/responses"
Api = Literal["openai-completions", "anthropic-messages", "openai-responses"]
_PATHS: dict[Api, str] = {
    "openai-completions": CHAT_PATH,
    "anthropic-messages": MESSAGES_PATH,
    "openai-responses": RESPONSES_PATH,
}


@dataclass(frozen=True)
class ToolCall:
    """One tool call the scripted model makes (Pi: `write`, `bash`; Claude Code: `Write`, `Bash`;
    Codex: `exec_command` with `{"cmd": ...}`)."""

    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """A streamed assistant reply: optional text, then tool calls, then usage."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    prompt_tokens: int = 100
    completion_tokens: int = 20
    # Of `prompt_tokens`, how many were cache reads (reported by the Responses API only, where
    # the input count includes them).
    cached_tokens: int = 0
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


def opens_conversation(body: dict[str, Any]) -> bool:
    """Whether a request starts a conversation: no assistant turn or tool result in it yet."""
    if body.get("previous_response_id"):
        return False
    turns = body.get("messages", body.get("input"))
    if not isinstance(turns, list):
        return isinstance(turns, str)
    for turn in turns:
        if not isinstance(turn, dict):
            continue
        if turn.get("role") in ("assistant", "tool") or turn.get("type") in (
            "function_call",
            "function_call_output",
        ):
            return False
    return True


@dataclass
class _Script:
    sessions: tuple[tuple[Step, ...], ...]
    requests: list[RecordedRequest] = field(default_factory=list)
    played: list[Step] = field(default_factory=list)
    session: int = 0
    position: int = 0
    replied: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    closing: threading.Event = field(default_factory=threading.Event)

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(step for session in self.sessions for step in session)

    def next_step(self, request: RecordedRequest) -> tuple[int, Step | None]:
        """Record the request; return its 1-based number and the step to play (None: none left)."""
        with self.lock:
            self.requests.append(request)
            if (
                self.session + 1 < len(self.sessions)
                and self.replied
                and opens_conversation(request.body)
            ):
                self.session, self.position, self.replied = self.session + 1, 0, False
            steps = self.sessions[self.session]
            if self.position >= len(steps):
                return len(self.requests), None
            step = steps[self.position]
            self.position += 1
            self.played.append(step)
            self.replied = self.replied or isinstance(step, Reply)
            return len(self.requests), step


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


def _anthropic_message(reply: Reply, model: str, message_id: str) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
    content += [
        {
            "type": "tool_use",
            "id": f"toolu_{message_id}_{n}",
            "name": call.name,
            "input": call.arguments,
        }
        for n, call in enumerate(reply.tool_calls)
    ]
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "tool_use" if reply.tool_calls else "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": reply.prompt_tokens,
            "output_tokens": reply.completion_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


def _responses_events(reply: Reply, number: int) -> Iterator[tuple[str, Any]]:
    response_id = f"resp_scripted_{number:02d}"
    items: list[dict[str, Any]] = [
        {
            "type": "function_call",
            "id": f"fc_{number:02d}_{index}",
            "call_id": f"call_{number:02d}_{index}",
            "name": call.name,
            "arguments": json.dumps(call.arguments),
            "status": "completed",
        }
        for index, call in enumerate(reply.tool_calls)
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
    created = {"type": "response.created", "response": {"id": response_id, "status": "in_progress"}}
    yield "response.created", created
    for index, item in enumerate(items):
        added = {"type": "response.output_item.added", "output_index": index, "item": item}
        yield "response.output_item.added", added
        if item["type"] == "message":
            delta = {
                "type": "response.output_text.delta",
                "item_id": item["id"],
                "output_index": index,
                "content_index": 0,
                "delta": reply.text,
            }
            yield "response.output_text.delta", delta
        done = {"type": "response.output_item.done", "output_index": index, "item": item}
        yield "response.output_item.done", done
    usage = {
        "input_tokens": reply.prompt_tokens,
        "input_tokens_details": {"cached_tokens": reply.cached_tokens},
        "output_tokens": reply.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
    }
    completed = {
        "type": "response.completed",
        "response": {"id": response_id, "status": "completed", "usage": usage},
    }
    yield "response.completed", completed


def _anthropic_events(reply: Reply, model: str, message_id: str) -> Iterator[tuple[str, Any]]:
    yield (
        "message_start",
        {
            "type": "message_start",
            "message": {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {
                    "input_tokens": reply.prompt_tokens,
                    "output_tokens": 1,
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 0,
                },
            },
        },
    )
    blocks: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    if reply.text:
        deltas = [
            {"type": "text_delta", "text": reply.text[i : i + 16]}
            for i in range(0, len(reply.text), 16)
        ]
        blocks.append(({"type": "text", "text": ""}, deltas))
    for number, call in enumerate(reply.tool_calls):
        arguments = json.dumps(call.arguments)
        half = len(arguments) // 2
        start = {"type": "tool_use", "id": f"toolu_{message_id}_{number}", "name": call.name}
        blocks.append(
            (
                {**start, "input": {}},
                [
                    {"type": "input_json_delta", "partial_json": arguments[:half]},
                    {"type": "input_json_delta", "partial_json": arguments[half:]},
                ],
            )
        )
    for index, (block, deltas) in enumerate(blocks):
        yield (
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": block},
        )
        for delta in deltas:
            yield (
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            )
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    yield (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {
                "stop_reason": "tool_use" if reply.tool_calls else "end_turn",
                "stop_sequence": None,
            },
            "usage": {"output_tokens": reply.completion_tokens},
        },
    )
    yield "message_stop", {"type": "message_stop"}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # the base class names it `format`
        """Keep test output quiet."""

    def do_GET(self) -> None:
        self._send_error(404, f"no such path {self.path}")

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
        api = self.server.api
        path = self.path.split("?", 1)[0].rstrip("/")
        if api == "anthropic-messages" and path == COUNT_TOKENS_PATH:
            self._send_json(200, {"input_tokens": 42})
            return
        if path != _PATHS[api]:
            self._send_error(404, f"no such path {self.path}")
            return
        number, step = self.server.script.next_step(recorded)
        model = str(body.get("model", "scripted-model"))
        if step is None:
            self._send_error(500, "scripted model server: script exhausted")
        elif isinstance(step, HttpError):
            self._send_error(step.status, step.message)
        elif step.delay_s and self.server.script.closing.wait(step.delay_s):
            return
        elif api == "openai-completions":
            self._stream_sse(
                (None, chunk) for chunk in _sse_chunks(step, model, f"chatcmpl-{number}")
            )
        elif api == "openai-responses":
            self._stream_sse(_responses_events(step, number))
        elif body.get("stream"):
            self._stream_sse(_anthropic_events(step, model, f"msg_{number:04d}"))
        else:
            self._send_json(200, _anthropic_message(step, model, f"msg_{number:04d}"))

    def _send_error(self, status: int, message: str) -> None:
        if self.server.api == "openai-completions":
            self._send_json(status, {"error": {"message": message, "type": "server"}})
        elif self.server.api == "openai-responses":
            self._send_json(status, {"error": {"message": message, "type": "server_error"}})
        else:
            kind = "overloaded_error" if status == 529 else "api_error"
            self._send_json(status, {"type": "error", "error": {"type": kind, "message": message}})

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _stream_sse(self, events: Iterator[tuple[str | None, Any]]) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        self.end_headers()
        for name, data in events:
            prefix = f"event: {name}\n" if name else ""
            self.wfile.write(f"{prefix}data: {json.dumps(data)}\n\n".encode())
            self.wfile.flush()
        if self.server.api == "openai-completions":
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    script: _Script
    api: Api


class ScriptedModelServer:
    """Serves one script on 127.0.0.1 (ephemeral port); use as a context manager.

    `steps` is the first session; `next_sessions` are played by the agent runs after it.
    """

    def __init__(
        self,
        steps: Sequence[Step],
        api: Api = "openai-completions",
        *,
        next_sessions: Sequence[Sequence[Step]] = (),
    ) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        sessions = (tuple(steps), *(tuple(session) for session in next_sessions))
        self._server.script = _Script(sessions=sessions)
        self._server.api = api
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL (ends in `/v1`): Pi's `models.json`, Codex's `base_url`."""
        return f"{self.root_url}/v1"

    @property
    def root_url(self) -> str:
        """The server's root, as `ANTHROPIC_BASE_URL` wants it (the client adds `/v1/messages`)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in order."""
        with self._server.script.lock:
            return list(self._server.script.requests)

    @property
    def steps(self) -> tuple[Step, ...]:
        """The whole script, played or not."""
        return self._server.script.steps

    @property
    def played_steps(self) -> tuple[Step, ...]:
        """The steps played so far, in order (requests past a session's end play none)."""
        with self._server.script.lock:
            return tuple(self._server.script.played)

    @property
    def remaining_steps(self) -> int:
        """How many scripted steps have not been played yet."""
        with self._server.script.lock:
            return len(self._server.script.steps) - len(self._server.script.played)

    @property
    def requests_served(self) -> int:
        """How many model requests arrived so far."""
        with self._server.script.lock:
            return len(self._server.script.requests)

    @property
    def sessions_started(self) -> int:
        """How many sessions have begun (0 before the first request)."""
        with self._server.script.lock:
            return self._server.script.session + 1 if self._server.script.requests else 0

    def __enter__(self) -> ScriptedModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.script.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

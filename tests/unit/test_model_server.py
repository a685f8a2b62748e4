"""The one scripted model server speaks each harness's protocol and plays one step per call."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from adapters.scripted_model.server import (
    HttpError,
    Reply,
    ScriptedModelServer,
    ToolCall,
    opens_conversation,
)
from tests.support.codex_agent import codex_reply


def _post(url: str, body: dict[str, Any]) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _sse_data(stream: bytes) -> list[dict[str, Any]]:
    lines = stream.decode().split("\n")
    return [json.loads(line[6:]) for line in lines if line.startswith("data: {")]


def test_responses_protocol_streams_function_calls_and_cumulative_usage() -> None:
    with ScriptedModelServer([codex_reply("", "echo hi")], api="openai-responses") as server:
        status, stream = _post(f"{server.base_url}/responses", {"model": "m", "stream": True})
    events = _sse_data(stream)
    assert status == 200
    item = events[1]["item"]
    assert (item["type"], item["name"], json.loads(item["arguments"])) == (
        "function_call",
        "exec_command",
        {"cmd": "echo hi"},
    )
    usage = events[-1]["response"]["usage"]
    assert (usage["input_tokens"], usage["input_tokens_details"]["cached_tokens"]) == (1000, 600)


def test_anthropic_token_counting_plays_no_step() -> None:
    with ScriptedModelServer([Reply("hi")], api="anthropic-messages") as server:
        status, body = _post(f"{server.root_url}/v1/messages/count_tokens", {"model": "m"})
        assert (status, json.loads(body)) == (200, {"input_tokens": 42})
        assert (server.remaining_steps, server.requests) == (1, [])


def test_anthropic_request_without_stream_gets_one_json_message() -> None:
    call = ToolCall("Write", {"file_path": "a.txt", "content": "a"})
    with ScriptedModelServer([Reply("ok", (call,))], api="anthropic-messages") as server:
        status, body = _post(f"{server.root_url}/v1/messages", {"model": "m"})
    message = json.loads(body)
    assert status == 200
    assert [block["type"] for block in message["content"]] == ["text", "tool_use"]
    assert message["stop_reason"] == "tool_use"


@pytest.mark.parametrize("api", ["openai-completions", "anthropic-messages", "openai-responses"])
def test_played_steps_follow_requests_and_an_exhausted_script_answers_500(api: Any) -> None:
    path = {"openai-completions": "/v1/chat/completions", "anthropic-messages": "/v1/messages"}
    with ScriptedModelServer([HttpError(503)], api=api) as server:
        url = server.root_url + path.get(api, "/v1/responses")
        assert _post(url, {"model": "m", "stream": True})[0] == 503
        assert _post(url, {"model": "m", "stream": True})[0] == 500
        assert (server.played_steps, server.remaining_steps) == ((HttpError(503),), 0)
        assert len(server.requests) == 2


def _chat(server: ScriptedModelServer, messages: list[dict[str, Any]]) -> bytes:
    status, stream = _post(
        f"{server.base_url}/chat/completions", {"model": "m", "stream": True, "messages": messages}
    )
    assert status == 200
    return stream


OPENING = [{"role": "system", "content": "s"}, {"role": "user", "content": "task"}]
FOLLOW_UP = [*OPENING, {"role": "assistant", "content": "a"}, {"role": "user", "content": "more"}]


def test_a_new_conversation_after_a_reply_starts_the_next_session() -> None:
    with ScriptedModelServer(
        [Reply("one-a"), Reply("one-b"), Reply("one-c")], next_sessions=[[Reply("two-a")]]
    ) as server:
        assert b"one-a" in _chat(server, OPENING)
        assert b"one-b" in _chat(server, FOLLOW_UP)
        assert server.sessions_started == 1
        # The second agent run opens a conversation: session 1's last reply is never played.
        assert b"two-a" in _chat(server, OPENING)
        assert (server.sessions_started, server.requests_served) == (2, 3)
        assert server.played_steps == (Reply("one-a"), Reply("one-b"), Reply("two-a"))


def test_a_retried_first_request_does_not_skip_to_the_next_session() -> None:
    with ScriptedModelServer(
        [HttpError(503), Reply("one")], next_sessions=[[Reply("two")]]
    ) as server:
        url = f"{server.base_url}/chat/completions"
        assert _post(url, {"model": "m", "stream": True, "messages": OPENING})[0] == 503
        assert b"one" in _chat(server, OPENING)
        assert server.sessions_started == 1


def test_a_single_session_script_plays_on_across_conversations() -> None:
    with ScriptedModelServer([Reply("a"), Reply("b")]) as server:
        assert b'"a"' in _chat(server, OPENING)
        assert b'"b"' in _chat(server, OPENING)


@pytest.mark.parametrize(
    ("body", "opens"),
    [
        ({"messages": OPENING}, True),
        ({"messages": [*OPENING, {"role": "tool", "content": "out"}]}, False),
        ({"input": "task"}, True),
        ({"input": [{"role": "user", "content": "t"}, {"type": "function_call"}]}, False),
        ({"input": [{"role": "user", "content": "t"}], "previous_response_id": "r"}, False),
        ({"unparsed": "x"}, False),
    ],
)
def test_what_opens_a_conversation(body: dict[str, Any], opens: bool) -> None:
    assert opens_conversation(body) is opens

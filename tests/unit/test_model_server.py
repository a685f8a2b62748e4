"""The one scripted model server speaks each harness's protocol and plays one step per call."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from adapters.scripted_model.server import HttpError, Reply, ScriptedModelServer, ToolCall
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

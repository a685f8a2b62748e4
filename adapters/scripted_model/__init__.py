"""The scripted model: an HTTP server on loopback that plays a fixed script, not an LLM."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.scripted_model.server import Api, Reply, ScriptedModelServer, Step, ToolCall
from ports.scripted_model import ScriptedReply, ScriptedSession


def _step(reply: ScriptedReply) -> Step:
    return Reply(
        text=reply.text,
        tool_calls=tuple(ToolCall(call.name, dict(call.arguments)) for call in reply.tool_calls),
        prompt_tokens=reply.prompt_tokens,
        completion_tokens=reply.completion_tokens,
    )


def serve_sessions(
    sessions: Sequence[ScriptedSession], api: Api = "openai-completions"
) -> ScriptedModelServer:
    """A server (not started yet) that plays `sessions`, one per agent run, in order."""
    steps = [tuple(_step(reply) for reply in session.replies) for session in sessions]
    first, *rest = steps or [()]
    return ScriptedModelServer(first, api, next_sessions=rest)

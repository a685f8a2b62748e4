"""The scripted model port: a model endpoint on loopback that plays a fixed script, not an LLM.

The demo (and the tests) point a real harness at it, so the harness really runs its tools while
every reply is known in advance. A script is one session per agent run: the server moves to the
next session when a new conversation starts (the second round of a run), never in the middle.
"""

from __future__ import annotations

from types import TracebackType
from typing import Annotated, Any, Protocol

import msgspec

Tokens = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]


class ScriptedToolCall(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One tool call the script makes, with the harness's own tool name and arguments."""

    name: Annotated[str, msgspec.Meta(min_length=1)]
    arguments: dict[str, Any]


class ScriptedReply(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One reply: text, then tool calls, then the usage the script reports (which prices it)."""

    text: str = ""
    tool_calls: tuple[ScriptedToolCall, ...] = ()
    prompt_tokens: Tokens = 100
    completion_tokens: Tokens = 20


class ScriptedSession(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The replies of one agent run, in order, and what that run is for."""

    purpose: str
    replies: Annotated[tuple[ScriptedReply, ...], msgspec.Meta(min_length=1)]


class ScriptedModel(Protocol):
    """A running scripted model server; a context manager that stops it on exit."""

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, ending in `/v1` (Pi's `models.json` `baseUrl`)."""
        ...

    @property
    def requests_served(self) -> int:
        """How many model requests arrived so far."""
        ...

    @property
    def sessions_started(self) -> int:
        """How many sessions of the script have begun (0 before the first request)."""
        ...

    def __enter__(self) -> ScriptedModel:
        """Start serving."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop serving."""
        ...

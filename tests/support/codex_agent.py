"""Where the pinned Codex CLI lives and how tests point it at the scripted Responses API server."""

from __future__ import annotations

import os
from pathlib import Path

from adapters.scripted_model.server import Reply, ToolCall
from tests.support.pi_agent import REPO_ROOT
from tests.support.tools import missing_harness

CODEX_VERSION = "0.169.0"
CODEX_BINARY = REPO_ROOT / "tools" / "codex" / "node_modules" / ".bin" / "codex"
PROVIDER = "scripted"
MODEL = "scripted-model"
KEY_VARIABLE = "SCRIPTED_API_KEY"


def require_codex() -> str:
    """The Codex launcher; a missing one fails the test or skips it (`missing_harness`)."""
    if CODEX_BINARY.is_file() and os.access(CODEX_BINARY, os.X_OK):
        return str(CODEX_BINARY)
    reason = f"Codex is not installed at {CODEX_BINARY}; run `bash scripts/test.sh` (npm ci)"
    return missing_harness(reason)


def write_codex_home(codex_home: Path, base_url: str) -> Path:
    """A `config.toml` declaring the scripted server as a Responses API provider."""
    codex_home.mkdir(parents=True, exist_ok=True)
    (codex_home / "config.toml").write_text(
        f'[model_providers.{PROVIDER}]\nname = "{PROVIDER}"\nbase_url = "{base_url}"\n'
        f'env_key = "{KEY_VARIABLE}"\nwire_api = "responses"\n'
        "request_max_retries = 1\nstream_max_retries = 1\n"
    )
    return codex_home


def codex_reply(
    text: str = "",
    *commands: str,
    input_tokens: int = 1000,
    cached_tokens: int = 600,
    output_tokens: int = 30,
) -> Reply:
    """A Responses API reply: `exec_command` calls of `commands`, or a text; cached tokens included.

    The defaults are a typical Codex call (its long system prompt mostly read from cache).
    """
    return Reply(
        text=text,
        tool_calls=tuple(ToolCall("exec_command", {"cmd": command}) for command in commands),
        prompt_tokens=input_tokens,
        cached_tokens=cached_tokens,
        completion_tokens=output_tokens,
    )

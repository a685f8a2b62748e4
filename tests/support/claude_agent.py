"""Where the pinned Claude Code lives and how tests point it at the scripted Messages API server."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.pi_agent import REPO_ROOT
from tests.support.tools import missing_harness

CLAUDE_VERSION = "2.1.332"
CLAUDE_PACKAGES = REPO_ROOT / "tools" / "claude" / "node_modules" / "@anthropic-ai"
MODEL = "claude-sonnet-4-5"
# Claude Code's own list price for claude-sonnet-4-5, dollars per million tokens.
PRICE_PER_MTOK = {"input": 3.0, "output": 15.0}


def message_cost_usd(input_tokens: int, output_tokens: int) -> float:
    """What Claude Code charges for one reply of claude-sonnet-4-5 (no cache tokens)."""
    return (
        input_tokens * PRICE_PER_MTOK["input"] + output_tokens * PRICE_PER_MTOK["output"]
    ) / 1_000_000


def claude_binary() -> Path | None:
    """The native binary of the platform package npm installed (install scripts never run)."""
    found = sorted(CLAUDE_PACKAGES.glob("claude-code-*/claude"))
    return found[0] if found and os.access(found[0], os.X_OK) else None


def require_claude() -> str:
    """The Claude Code binary; a missing one fails the test or skips it (`missing_harness`)."""
    binary = claude_binary()
    if binary is not None:
        return str(binary)
    reason = (
        f"Claude Code is not installed under {CLAUDE_PACKAGES}; run `bash scripts/test.sh` "
        "(it runs npm ci in tools/claude)"
    )
    return missing_harness(reason)


def claude_environment(home: Path, root_url: str, *, max_retries: int = 1) -> dict[str, str]:
    """The parent environment of a test run: a private home and config dir, the scripted server."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "CLAUDE_CONFIG_DIR": str(home / ".claude"),
        "ANTHROPIC_BASE_URL": root_url,
        "ANTHROPIC_API_KEY": "sk-ant-scripted-test-key",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_MAX_RETRIES": str(max_retries),
    }

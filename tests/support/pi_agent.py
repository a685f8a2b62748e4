"""Where the pinned Pi lives and how tests point it at the scripted model server."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.support.tools import missing_harness

REPO_ROOT = Path(__file__).resolve().parents[2]
PI_BINARY = REPO_ROOT / "tools" / "pi" / "node_modules" / ".bin" / "pi"
PI_VERSION = "0.73.1"

PROVIDER = "scripted"
MODEL = "scripted-model"
# Dollars per million tokens, so Pi computes and reports a cost for every message.
PRICE_PER_MTOK = {"input": 10.0, "output": 30.0, "cacheRead": 1.0, "cacheWrite": 12.5}


def message_cost_usd(prompt_tokens: int, completion_tokens: int) -> float:
    """What Pi charges for one reply of the scripted model (no cache tokens)."""
    return (
        prompt_tokens * PRICE_PER_MTOK["input"] + completion_tokens * PRICE_PER_MTOK["output"]
    ) / 1_000_000


def require_pi() -> str:
    """The Pi binary path; a missing Pi fails the test or skips it (`missing_harness`)."""
    if PI_BINARY.is_file() and os.access(PI_BINARY, os.X_OK):
        return str(PI_BINARY)
    reason = f"Pi is not installed at {PI_BINARY}; run `bash scripts/test.sh` (it runs npm ci)"
    return missing_harness(reason)


def write_agent_dir(
    agent_dir: Path,
    base_url: str,
    *,
    max_retries: int = 3,
    retry_base_delay_ms: int = 20,
) -> Path:
    """Write `models.json` (the scripted provider) and `settings.json` (fast retries)."""
    agent_dir.mkdir(parents=True, exist_ok=True)
    models = {
        "providers": {
            PROVIDER: {
                "baseUrl": base_url,
                "api": "openai-completions",
                "apiKey": "scripted-test-key",
                "compat": {"supportsDeveloperRole": False, "supportsReasoningEffort": False},
                "models": [
                    {
                        "id": MODEL,
                        "name": "Scripted test model",
                        "contextWindow": 128000,
                        "maxTokens": 4096,
                        "cost": PRICE_PER_MTOK,
                    }
                ],
            }
        }
    }
    settings = {
        "retry": {
            "enabled": max_retries > 0,
            "maxRetries": max_retries,
            "baseDelayMs": retry_base_delay_ms,
            # The OpenAI SDK's own hidden retries would multiply the requests per attempt.
            "provider": {"maxRetries": 0},
        },
    }
    (agent_dir / "models.json").write_text(json.dumps(models, indent=2))
    (agent_dir / "settings.json").write_text(json.dumps(settings, indent=2))
    return agent_dir

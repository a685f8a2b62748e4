"""The scripted provider as Pi sees it: `models.json` and `settings.json` for its agent folder
(`PI_CODING_AGENT_DIR`), pointing Pi's `openai-completions` client at the scripted model."""

from __future__ import annotations

from typing import Any

PROVIDER = "scripted"
MODEL = "scripted-model"
# Dollars per million tokens, so Pi prices every reply and the cost kill switch has a cost.
PRICE_PER_MTOK = {"input": 10.0, "output": 30.0, "cacheRead": 1.0, "cacheWrite": 12.5}


def reply_cost_usd(prompt_tokens: int, completion_tokens: int) -> float:
    """What Pi charges for one scripted reply (no cache tokens).

    >>> round(reply_cost_usd(50_000, 20_000), 6)
    1.1
    """
    return (
        prompt_tokens * PRICE_PER_MTOK["input"] + completion_tokens * PRICE_PER_MTOK["output"]
    ) / 1_000_000


def pi_models(base_url: str) -> dict[str, Any]:
    """Pi's `models.json`: one provider, `scripted`, with one priced model at `base_url`."""
    return {
        "providers": {
            PROVIDER: {
                "baseUrl": base_url,
                "api": "openai-completions",
                # Not a secret: the scripted server accepts any key; Pi insists on one.
                "apiKey": "scripted-model-needs-no-key",
                "compat": {"supportsDeveloperRole": False, "supportsReasoningEffort": False},
                "models": [
                    {
                        "id": MODEL,
                        "name": "Scripted model (a fixed script, not an LLM)",
                        "contextWindow": 128000,
                        "maxTokens": 4096,
                        "cost": PRICE_PER_MTOK,
                    }
                ],
            }
        }
    }


def pi_settings() -> dict[str, Any]:
    """Pi's `settings.json`: no retries, so a script that runs out fails at once, not after
    Pi's back-off."""
    return {"retry": {"enabled": False, "provider": {"maxRetries": 0}}}

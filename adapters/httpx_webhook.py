"""Webhook delivery with httpx: one POST, an explicit timeout, no proxies from the environment.

The URL is a secret (Slack's and Discord's carry their token in the path), so no error message
here repeats it: only its host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from returns.result import Failure, Result, Success

from ports.notify import WebhookError


class HttpxWebhookPoster:
    """POSTs JSON with httpx; `trust_env=False`: the loop's environment is explicit."""

    async def post(self, url: str, body: bytes, *, timeout_s: float) -> Result[int, WebhookError]:
        host = urlsplit(url).hostname or "(no host)"
        try:
            async with httpx.AsyncClient(
                timeout=httpx.Timeout(timeout_s), trust_env=False, follow_redirects=False
            ) as client:
                answer = await client.post(
                    url, content=body, headers={"Content-Type": "application/json"}
                )
        except httpx.TimeoutException:
            return Failure(
                WebhookError(
                    code="webhook-timeout", message=f"{host} did not answer within {timeout_s:g} s"
                )
            )
        except httpx.HTTPError as exc:
            return Failure(
                WebhookError(
                    code="webhook-unreachable",
                    message=f"{host} could not be reached ({type(exc).__name__})",
                )
            )
        return Success(answer.status_code)

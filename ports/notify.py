"""The webhook port: one JSON POST to a URL the operator configured (a secret)."""

from __future__ import annotations

from typing import Protocol

import msgspec
from returns.result import Result


class WebhookError(msgspec.Struct, frozen=True, kw_only=True, tag="webhook-error"):
    """No answer came: `webhook-timeout` or `webhook-unreachable`; the message names the host
    only, never the URL (its path is the secret)."""

    code: str
    message: str


class WebhookPoster(Protocol):
    """Sends one JSON body to a webhook and reports the HTTP status it answered."""

    async def post(self, url: str, body: bytes, *, timeout_s: float) -> Result[int, WebhookError]:
        """POST `body` (JSON) to `url` within `timeout_s`; the status, or why none came."""
        ...

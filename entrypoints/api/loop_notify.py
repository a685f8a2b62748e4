"""Tell the configured webhooks what a cycle did: one JSON POST each, bounded retries.

A failed notification is reported (`NotificationResult`, its target the host only) and never
fails the cycle; the URL itself is a secret and appears nowhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import anyio
import msgspec
from returns.pipeline import is_successful

from domain.loop.config import webhook_host
from domain.loop.notify import WEBHOOK_TIMEOUT_S, webhook_message, webhook_retry_delay
from domain.loop.report import CycleReport, NotificationResult
from ports.notify import WebhookPoster

Sleep = Callable[[float], Awaitable[None]]


async def _deliver(
    poster: WebhookPoster, url: str, body: bytes, timeout_s: float, sleep: Sleep
) -> NotificationResult:
    host = webhook_host(url)
    attempt = 0
    while True:
        attempt += 1
        sent = await poster.post(url, body, timeout_s=timeout_s)
        status = sent.unwrap() if is_successful(sent) else None
        if status is not None and 200 <= status < 300:
            return NotificationResult(target=host, ok=True)
        delay = webhook_retry_delay(attempt, status)
        if delay is None:
            error = sent.failure().message if status is None else f"{host} answered HTTP {status}"
            tries = f" (after {attempt} attempts)" if attempt > 1 else ""
            return NotificationResult(target=host, ok=False, error=error + tries)
        await sleep(delay)


async def notify(
    cycle: CycleReport,
    webhooks: Sequence[str],
    *,
    poster: WebhookPoster,
    sleep: Sleep = anyio.sleep,
    timeout_s: float = WEBHOOK_TIMEOUT_S,
) -> tuple[NotificationResult, ...]:
    """Send the cycle's message to every webhook, one after another; each result says how it
    went (nothing is sent when `should_notify` says the cycle did nothing: the caller asks)."""
    body = msgspec.json.encode(webhook_message(cycle))
    return tuple([await _deliver(poster, url, body, timeout_s, sleep) for url in webhooks])

"""Webhook delivery: bounded retries, the host only in every result, never a failed cycle."""

from __future__ import annotations

import anyio
import pytest
from returns.result import Failure, Result, Success

from domain.loop.notify import WEBHOOK_ATTEMPTS, webhook_retry_delay
from domain.loop.report import CycleReport, RunReport
from entrypoints.api.loop_notify import notify
from ports.notify import WebhookError

URL = "https://hooks.example.com/services/T0/B0/the-secret-part"
CYCLE = CycleReport(
    outcome="published", runs=(RunReport(outcome="published", repo="a/b", issue=1),)
)


class ScriptedPoster:
    """Answers each POST with the next scripted status or error; keeps what it was sent."""

    def __init__(self, answers: list[int | WebhookError]) -> None:
        self.answers = answers
        self.sent: list[tuple[str, bytes, float]] = []

    async def post(self, url: str, body: bytes, *, timeout_s: float) -> Result[int, WebhookError]:
        self.sent.append((url, body, timeout_s))
        answer = self.answers.pop(0)
        return Failure(answer) if isinstance(answer, WebhookError) else Success(answer)


def _deliver(poster: ScriptedPoster, sleeps: list[float]) -> tuple[bool, str | None, str]:
    async def sleep(delay: float) -> None:
        sleeps.append(delay)

    async def go() -> tuple[bool, str | None, str]:
        [result] = await notify(CYCLE, [URL], poster=poster, sleep=sleep)
        return result.ok, result.error, result.target

    return anyio.run(go)


TIMEOUT = WebhookError(code="webhook-timeout", message="hooks.example.com did not answer")


@pytest.mark.parametrize(
    ("answers", "ok", "posts"),
    [
        ([204], True, 1),
        ([503, 200], True, 2),
        ([TIMEOUT, TIMEOUT, 200], True, 3),
        ([TIMEOUT] * WEBHOOK_ATTEMPTS, False, WEBHOOK_ATTEMPTS),
        ([500] * WEBHOOK_ATTEMPTS, False, WEBHOOK_ATTEMPTS),
        ([404], False, 1),
    ],
)
def test_delivery_retries_only_what_may_pass_and_stops_at_the_bound(
    answers: list[int | WebhookError], ok: bool, posts: int
) -> None:
    poster = ScriptedPoster(list(answers))
    sleeps: list[float] = []
    delivered, error, target = _deliver(poster, sleeps)
    assert delivered is ok
    assert len(poster.sent) == posts
    assert len(sleeps) == posts - 1
    assert target == "hooks.example.com"
    assert "the-secret-part" not in (error or "")


def test_the_body_is_one_json_object_with_text_and_content() -> None:
    import msgspec

    poster = ScriptedPoster([204])
    _deliver(poster, [])
    body = msgspec.json.decode(poster.sent[0][1])
    assert set(body) == {"text", "content"}
    assert "a/b#1" in body["text"]


@pytest.mark.parametrize("attempt", range(1, WEBHOOK_ATTEMPTS + 2))
@pytest.mark.parametrize("status", [None, 200, 301, 404, 429, 500, 503])
def test_the_retry_rule_is_bounded_and_never_retries_an_answer(
    attempt: int, status: int | None
) -> None:
    delay = webhook_retry_delay(attempt, status)
    if attempt >= WEBHOOK_ATTEMPTS or status in {200, 301, 404}:
        assert delay is None
    else:
        assert delay is not None
        assert delay > 0

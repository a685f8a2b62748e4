"""The pure retry policy of forge requests: what to do after each answer, bounded in count and time.

The adapter reports one `Answer` per attempt (the status, the rate-limit headers, the clock) and
sleeps for what `decide` says; it never decides itself whether to wait or how long.
"""

from __future__ import annotations

import math

import msgspec

from domain.forge.values import ForgeError, ForgeErrorCode


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Bounds on retries: attempts, backoff, total time, and the longest rate-limit wait."""

    max_attempts: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 16.0
    max_total_s: float = 300.0
    # GitHub's primary limit resets hourly; waiting longer than this fails with a clear code.
    max_rate_limit_wait_s: float = 120.0
    # GitHub: a secondary limit without `retry-after` means "wait at least a minute".
    secondary_default_wait_s: float = 60.0


class Answer(msgspec.Struct, frozen=True, kw_only=True):
    """One attempt's outcome: `status` None when the connection failed; headers as sent."""

    attempt: int  # 1 for the first try
    elapsed_s: float  # since the first try started
    now_epoch_s: float
    status: int | None
    ratelimit_remaining: str | None = None
    ratelimit_reset: str | None = None
    retry_after: str | None = None


class Done(msgspec.Struct, frozen=True, kw_only=True, tag="done"):
    """Keep this answer: it is a success or an error the caller maps (`status_error`)."""


class RetryAfter(msgspec.Struct, frozen=True, kw_only=True, tag="retry"):
    """Sleep `delay_s`, then try again."""

    delay_s: float


class GiveUp(msgspec.Struct, frozen=True, kw_only=True, tag="give-up"):
    """Stop retrying with this error."""

    error: ForgeError


Decision = Done | RetryAfter | GiveUp


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _wait(policy: RetryPolicy, answer: Answer, delay_s: float, why: str) -> Decision:
    """Wait `delay_s` when both the rate-limit bound and the total bound allow it."""
    if delay_s > policy.max_rate_limit_wait_s or answer.elapsed_s + delay_s > policy.max_total_s:
        return GiveUp(
            error=ForgeError(
                code="forge-rate-limited",
                message=f"{why}: the forge asks to wait {delay_s:.0f}s, more than the "
                f"{policy.max_rate_limit_wait_s:.0f}s allowed; try again later",
            )
        )
    if answer.attempt >= policy.max_attempts:
        return GiveUp(
            error=ForgeError(
                code="forge-rate-limited",
                message=f"{why}: still limited after {answer.attempt} attempts; try again later",
            )
        )
    return RetryAfter(delay_s=delay_s)


def decide(policy: RetryPolicy, answer: Answer) -> Decision:
    """What to do after one attempt: keep it, retry after a bounded sleep, or give up.

    >>> decide(RetryPolicy(), Answer(attempt=1, elapsed_s=0, now_epoch_s=0, status=502))
    RetryAfter(delay_s=1.0)
    >>> decide(RetryPolicy(), Answer(attempt=1, elapsed_s=0, now_epoch_s=0, status=200))
    Done()
    >>> limited = Answer(attempt=1, elapsed_s=0, now_epoch_s=100, status=403,
    ...                  ratelimit_remaining="0", ratelimit_reset="4000")
    >>> decide(RetryPolicy(), limited).error.code
    'forge-rate-limited'
    """
    status = answer.status
    if status is not None and status in (403, 429):
        if answer.ratelimit_remaining is not None and answer.ratelimit_remaining.strip() == "0":
            reset = _number(answer.ratelimit_reset)
            if reset is None:
                return _wait(policy, answer, policy.secondary_default_wait_s, "rate limit")
            # One second beyond the reset: GitHub's clock and ours differ by a little.
            return _wait(policy, answer, max(0.0, reset - answer.now_epoch_s) + 1.0, "rate limit")
        after = _number(answer.retry_after)
        if after is not None:
            return _wait(policy, answer, after, "secondary rate limit")
        if status == 429:
            return _wait(policy, answer, policy.secondary_default_wait_s, "secondary rate limit")
        return Done()
    if status is None or status >= 500:
        what = "the connection failed" if status is None else f"the forge answered {status}"
        delay = min(policy.max_delay_s, policy.base_delay_s * 2 ** (answer.attempt - 1))
        if answer.attempt >= policy.max_attempts or answer.elapsed_s + delay > policy.max_total_s:
            return GiveUp(
                error=ForgeError(
                    code="forge-unavailable",
                    message=f"{what} {answer.attempt} times; check the network or the "
                    "forge's status and try again",
                )
            )
        return RetryAfter(delay_s=delay)
    return Done()


def status_error(status: int, detail: str) -> ForgeError:
    """The error for a final non-2xx answer; `detail` is the forge's own message, if any.

    >>> status_error(404, "Not Found").code, status_error(422, "x").code
    ('forge-not-found', 'forge-rejected')
    """
    table: dict[int, tuple[ForgeErrorCode, str]] = {
        401: ("forge-auth-failed", "the token was refused; check the variable `token_env` names"),
        403: ("forge-forbidden", "the token lacks a permission this needs"),
        404: ("forge-not-found", "no such repository, issue or user, or the token cannot see it"),
        422: ("forge-rejected", "the forge refused the request"),
    }
    code, what = table.get(status, ("forge-invalid-response", f"unexpected status {status}"))
    suffix = f": {detail}" if detail else ""
    return ForgeError(code=code, message=f"{what}{suffix}")

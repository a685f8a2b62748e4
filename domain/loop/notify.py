"""The webhook message of a cycle that did something (pure): Slack reads `text`, Discord
`content`; both get the same lines. It never holds a webhook URL or a token."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from domain.loop.report import CycleReport, RunReport

MAX_RUNS_SHOWN = 10
# Discord refuses content longer than 2,000 characters.
MAX_MESSAGE_CHARS = 1_900


class WebhookMessage(msgspec.Struct, frozen=True, kw_only=True):
    """One JSON POST body for every webhook."""

    text: str
    content: str


def _run_line(run: RunReport) -> str:
    cost = f"${run.cost_usd:.2f}" if run.cost_usd is not None else "cost unknown"
    where = run.pr_url or ", ".join(r.code for r in run.reasons) or "-"
    return f"{run.outcome}: {run.repo}#{run.issue} {where} ({cost}, {run.wall_clock_s:.0f} s)"


def should_notify(cycle: CycleReport) -> bool:
    """Only a cycle that ran something is worth a message.

    >>> should_notify(CycleReport(outcome="idle"))
    False
    """
    return bool(cycle.runs)


def webhook_message(cycle: CycleReport) -> WebhookMessage:
    """The message for a cycle: its outcome, then one line per run, bounded.

    >>> run = RunReport(outcome="published", repo="a/b", issue=3, pr_url="https://x/pull/9",
    ...                 cost_usd=1.5, wall_clock_s=300)
    >>> webhook_message(CycleReport(outcome="published", runs=(run,))).text
    'engineering-loop cycle: published\\npublished: a/b#3 https://x/pull/9 ($1.50, 300 s)'
    """
    runs: Sequence[RunReport] = cycle.runs[:MAX_RUNS_SHOWN]
    lines = [f"engineering-loop cycle: {cycle.outcome}", *(_run_line(run) for run in runs)]
    if len(cycle.runs) > MAX_RUNS_SHOWN:
        lines.append(f"... and {len(cycle.runs) - MAX_RUNS_SHOWN} more runs")
    text = "\n".join(lines)
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 1] + "…"
    return WebhookMessage(text=text, content=text)


# One POST per webhook per cycle, retried a bounded number of times on timeouts, connection
# errors, 429 and 5xx; anything else (a 4xx) is the hook's answer and is not retried.
WEBHOOK_ATTEMPTS = 3
WEBHOOK_TIMEOUT_S = 10.0
WEBHOOK_BACKOFF_S = 1.0


def webhook_retry_delay(attempt: int, status: int | None) -> float | None:
    """Seconds to wait before another try after `attempt` (1-based) answered `status` (None: no
    answer: timeout or connection error), or None when delivery is over (done or given up).

    >>> webhook_retry_delay(1, None), webhook_retry_delay(2, 503), webhook_retry_delay(3, 503)
    (1.0, 2.0, None)
    >>> webhook_retry_delay(1, 204), webhook_retry_delay(1, 404)
    (None, None)
    """
    retryable = status is None or status == 429 or status >= 500
    if not retryable or attempt >= WEBHOOK_ATTEMPTS:
        return None
    return WEBHOOK_BACKOFF_S * float(2 ** (attempt - 1))

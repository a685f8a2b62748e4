"""What a coding-agent harness run amounted to, read from its output alone: the `HarnessReport`."""

from __future__ import annotations

from typing import Literal

import msgspec

HarnessName = Literal["pi", "claude", "codex"]
HARNESS_NAMES: tuple[HarnessName, ...] = ("pi", "claude", "codex")
# How each harness reports cost: Pi per assistant message as it goes, Claude Code once, in its
# final `result` line, Codex never. Only "per-message" lets a cost cap stop a run while it works.
CostReporting = Literal["per-message", "final", "none"]
COST_REPORTING: dict[HarnessName, CostReporting] = {
    "pi": "per-message",
    "claude": "final",
    "codex": "none",
}


class HarnessUsage(msgspec.Struct, frozen=True, kw_only=True):
    """Tokens used by a run; `input_tokens` counts uncached input only, for every harness."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


class HarnessReport(msgspec.Struct, frozen=True, kw_only=True):
    """The normalised outcome of one harness run.

    `complete` says the stream reached the harness's final event; `is_error` is the verdict
    (an incomplete stream, a non-zero exit code or a failed last attempt are all errors).
    `total_cost_usd` is None when the harness reported no cost (`cost_reported` is then False).
    `unknown_events` counts JSON events of a type we do not know; `malformed_lines` counts lines
    that are not JSON objects, or known events whose shape we could not read. `long_lines`
    counts lines too long to hold, read from their first and last bytes only
    (`domain.text.bounded_lines`): what those could not show is unknown, never a default.
    `deep_lines` counts values nested too deep to decode (`domain.text.depth`), each also
    malformed (or an unknown event, when its type shows it is one).
    """

    harness: HarnessName
    complete: bool
    is_error: bool
    error_message: str | None
    stop_reason: str | None
    result_text: str | None
    num_turns: int
    retries: int
    compactions: int
    usage: HarnessUsage
    total_cost_usd: float | None
    cost_reported: bool
    models: tuple[str, ...]
    unknown_events: int
    malformed_lines: int
    long_lines: int = 0
    deep_lines: int = 0

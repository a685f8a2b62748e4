"""What one harness run came to: the live cost kill switch and the final status, decided purely."""

from __future__ import annotations

from typing import Literal

import msgspec

from domain.harness.report import COST_REPORTING, HarnessName, HarnessReport
from domain.kernel.locations import is_within
from domain.kernel.quantities import is_positive_finite

RunStatus = Literal["completed", "failed", "budget-exhausted", "timed-out"]
# Whether a run's cost cap could act: "live" (the kill switch watched a known cost all along),
# "after-run" (the cost was known only at the end, so the cap was checked once, then), "none"
# (no cost was ever known: the cap never acted, and the budget's cost-unknown rule decides).
CapEnforcement = Literal["live", "after-run", "none"]


class HarnessRun(msgspec.Struct, frozen=True, kw_only=True):
    """One run of a harness: the verdict, the normalised report and where the evidence is.

    `transcript_path` is the harness's raw stdout, kept verbatim as evidence; `stderr` is the
    bounded tail of its standard error (start-up failures are only printed there).
    """

    status: RunStatus
    harness: HarnessName
    report: HarnessReport
    exit_code: int | None
    duration_s: float
    transcript_path: str
    max_cost_usd: float | None = None
    # None when the run had no cost cap; see `cap_enforcement`.
    cost_cap_enforcement: CapEnforcement | None = None
    timeout_s: float | None = None
    stderr: str = ""
    # Whether the harness ran inside the sandbox; when not, the notice says why.
    sandboxed: bool = False
    sandbox_notice: str | None = None
    # Why the live kill switch stopped the run (`cost_stop`); None when it did not.
    cost_stop_detail: str | None = None


class RunLimits(msgspec.Struct, frozen=True, kw_only=True):
    """The limits one run is held to; None means no cost cap."""

    timeout_s: float
    max_cost_usd: float | None = None


class RunLimitsError(msgspec.Struct, frozen=True, kw_only=True, tag="run-limits-error"):
    """A limit that cannot hold a run (`harness-timeout-invalid`, `harness-cost-cap-invalid`)."""

    code: str
    message: str


def limits_problem(limits: RunLimits) -> RunLimitsError | None:
    """The first limit that makes no sense, or None.

    >>> limits_problem(RunLimits(timeout_s=60, max_cost_usd=0.5)) is None
    True
    >>> limits_problem(RunLimits(timeout_s=0)).code
    'harness-timeout-invalid'
    """
    if not is_positive_finite(limits.timeout_s):
        return RunLimitsError(
            code="harness-timeout-invalid",
            message=f"the timeout must be a positive, finite number of seconds, not "
            f"{limits.timeout_s}.",
        )
    if limits.max_cost_usd is not None and not is_positive_finite(limits.max_cost_usd):
        return RunLimitsError(
            code="harness-cost-cap-invalid",
            message=f"the cost cap must be a positive, finite number of dollars, not "
            f"{limits.max_cost_usd}; omit it for no cap.",
        )
    return None


class TranscriptPlaceError(msgspec.Struct, frozen=True, kw_only=True, tag="transcript-place-error"):
    """No safe transcript folder (`transcript-no-state-dir`, `transcript-dir-inside-repo`)."""

    code: str
    message: str


def transcript_dir_problem(transcript_dir: str, repo: str) -> TranscriptPlaceError | None:
    """Refuse a transcript folder at or below the worktree, both as resolved absolute paths.

    The raw transcript can hold whatever the agent printed (keys included); inside the worktree
    it would join the change set the loop is about to publish.

    >>> transcript_dir_problem("/w/repo/.loop/transcripts", "/w/repo").code
    'transcript-dir-inside-repo'
    >>> transcript_dir_problem("/home/a/.local/state/engineering-loop/transcripts", "/w/repo")
    """
    if not is_within(transcript_dir, repo):
        return None
    return TranscriptPlaceError(
        code="transcript-dir-inside-repo",
        message=f"the transcript folder {transcript_dir} is inside the worktree {repo}, where "
        "the agent's changes are collected; pass --transcript-dir outside it.",
    )


def no_transcript_home() -> TranscriptPlaceError:
    """The error for a default transcript folder that cannot be placed (no state or home dir)."""
    return TranscriptPlaceError(
        code="transcript-no-state-dir",
        message="neither XDG_STATE_HOME nor HOME is an absolute path, so there is no default "
        "transcript folder; set one or pass --transcript-dir.",
    )


def cost_cap_reached(running_cost_usd: float | None, max_cost_usd: float | None) -> bool:
    """True once the cost reported so far has used up the cap (so no further message may start).

    Checked after every line, so the overspend is at most the one message that crossed it.

    >>> cost_cap_reached(0.05, 0.05), cost_cap_reached(0.049, 0.05), cost_cap_reached(None, 0.05)
    (True, False, False)
    """
    if running_cost_usd is None or max_cost_usd is None:
        return False
    return running_cost_usd >= max_cost_usd


def cost_stop(
    running_cost_usd: float | None, cost_lost: str | None, max_cost_usd: float | None
) -> str | None:
    """Why a capped run must stop now, or None: its cost reached the cap, or became unknown.

    A cost that became unknown (output that could not be read: a model can write a tool call
    too long or too deep to read) can no longer be held to the cap, so it stops the run as the
    cap does; the budget then charges the run its whole reservation, as for any unknown cost.

    >>> cost_stop(0.05, None, 0.05)
    'the cost reached $0.05, the cap of $0.05'
    >>> cost_stop(0.01, "a line of 9 bytes was not read", 0.05)
    'the cost became unknown (a line of 9 bytes was not read), so the cap could no longer hold'
    >>> cost_stop(0.01, None, 0.05), cost_stop(None, "a line was not read", None)
    (None, None)
    """
    if max_cost_usd is None:
        return None
    if cost_lost is not None:
        return f"the cost became unknown ({cost_lost}), so the cap could no longer hold"
    if cost_cap_reached(running_cost_usd, max_cost_usd):
        return f"the cost reached ${running_cost_usd:g}, the cap of ${max_cost_usd:g}"
    return None


def cap_enforcement(
    harness: HarnessName,
    report: HarnessReport,
    max_cost_usd: float | None,
    *,
    stopped_for_unknown_cost: bool = False,
) -> CapEnforcement | None:
    """How far the run's cost cap could act, from how the harness reports cost and what it did.

    A cap can only act on a known cost: Codex reports none, Claude Code only at its end, and Pi
    none for a model it has no price for. Saying so keeps a `completed` run from reading as "held
    to its cap" when nothing could have stopped it. A Pi run whose cost was lost to output that
    could not be read was stopped live for it (`cost_stop`).

    >>> from domain.harness.normalise import normalise_text
    >>> codex = normalise_text("codex", b'{"type":"turn.completed","usage":{}}', 0)
    >>> cap_enforcement("codex", codex, 2.0), cap_enforcement("codex", codex, None)
    ('none', None)
    """
    if max_cost_usd is None:
        return None
    if stopped_for_unknown_cost:
        return "live"  # the switch watched the cost until it was lost, then stopped the run
    if not report.cost_reported:
        return "none"
    reporting = COST_REPORTING[harness]
    if reporting == "per-message":
        return "live"
    if reporting == "final":
        return "after-run"
    return "none"


def run_status(process_status: str, *, stopped_for_cost: bool, report: HarnessReport) -> RunStatus:
    """The run's status from how the process ended and what its output said.

    The exit code alone never decides: Pi exits 0 when every model call failed, so `completed`
    needs a report that is not an error (the normaliser already counts a non-zero exit, a
    missing final event and a failed last attempt as errors).

    >>> from domain.harness.report import HarnessUsage
    >>> ok = HarnessReport(harness="pi", complete=True, is_error=False, error_message=None,
    ...     stop_reason="stop", result_text="done", num_turns=1, retries=0, compactions=0,
    ...     usage=HarnessUsage(), total_cost_usd=0.0, cost_reported=True, models=(),
    ...     unknown_events=0, malformed_lines=0)
    >>> run_status("exited", stopped_for_cost=False, report=ok)
    'completed'
    >>> run_status("timed-out", stopped_for_cost=False, report=ok)
    'timed-out'
    """
    if stopped_for_cost and process_status in ("stopped", "timed-out"):
        return "budget-exhausted"  # the cost stop came first, whatever ended the process
    if process_status == "timed-out":
        return "timed-out"
    if process_status == "exited" and not report.is_error:
        return "completed"
    return "failed"

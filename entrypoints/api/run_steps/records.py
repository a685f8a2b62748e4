"""A run's folder: `start.json` (written before anything is touched, so an interrupted run is
found and settled), `verdict.json`, `record.json`, prompts, transcripts and gate logs; and the
recovery of runs that never ended."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import msgspec
from returns.result import Failure, Result, Success

from domain.budget.money import MAX_USD, MICROS_PER_USD
from domain.forge.values import RepoRef
from domain.loop.housekeeping import RunRecordFacts, clones_to_remove, interrupted_runs
from domain.loop.outcomes import Reason
from domain.loop.verdict import RunRecord
from domain.loop.writeback import final_labels, outcome_comment
from domain.policy.secrets import SecretScanner, redact
from domain.text.bounded_json import decode_bounded
from ports.forge import Forge
from ports.ledger import Ledger
from ports.run_records import RunRecords
from ports.workspace import Workspace, WorkspaceError

START = "start.json"
VERDICT = "verdict.json"
RECORD = "record.json"
CLONE = "clone"


class RunStart(msgspec.Struct, frozen=True, kw_only=True):
    """What a run recorded as it started: enough to settle and label it if it never ends."""

    run_id: str
    repo: str
    issue: int
    # Checked as it is read back (a damaged file is no start): runs are ordered by their aware
    # start times, and the reservation is settled at this amount in the ledger's integers.
    started_at: Annotated[datetime, msgspec.Meta(tz=True)]
    reservation_id: str
    reserved_micros: Annotated[int, msgspec.Meta(ge=0, le=MAX_USD * MICROS_PER_USD)]
    staged: bool = False
    approval_label: str = "loop:approved"


def write_json(
    records: RunRecords, run_id: str, name: str, value: object
) -> Result[str, WorkspaceError]:
    """Write `value` as JSON (sorted keys) in the run's folder."""
    return records.write(run_id, name, msgspec.json.encode(value, order="sorted"))


def write_text(
    records: RunRecords, run_id: str, name: str, text: str, scanner: SecretScanner
) -> Result[str, WorkspaceError]:
    """Write `text`, every secret the scanner knows masked, in the run's folder."""
    return records.write(run_id, name, redact(scanner, text).encode())


def _start(records: RunRecords, run_id: str) -> RunStart | None:
    """The run's start, None when missing or damaged (undecodable, too deep, not ours): a start
    naming another run is damaged too, since its record is written where it names."""
    data = records.read(run_id, START)
    if data is None:
        return None
    decoded = decode_bounded(data, RunStart)
    if isinstance(decoded, Failure) or decoded.unwrap().run_id != run_id:
        return None
    return decoded.unwrap()


def _ended(records: RunRecords, run_id: str) -> bool:
    record = _outcome(records, run_id)
    return record is not None and record.outcome is not None


async def recover_interrupted(
    records: RunRecords, ledger: Ledger, forge: Forge | None, *, now: datetime
) -> tuple[RunRecord, ...]:
    """Close every run that started and never ended (the caller holds the lock, so its process
    is gone): settle at its full reservation, record `interrupted`, and unless it was staged
    label its issue `loop:needs-human` with a comment. Its clone is kept."""
    starts = {}
    for run_id in records.run_ids():
        start = _start(records, run_id)
        if start is not None and not _ended(records, run_id):
            starts[run_id] = start
    facts = [
        RunRecordFacts(
            run_id=s.run_id,
            repo=s.repo,
            issue=s.issue,
            started_at=s.started_at,
            outcome=None,
            reserved_micros=s.reserved_micros,
            clone_exists=records.exists(s.run_id, CLONE),
        )
        for s in starts.values()
    ]
    closed = []
    for interrupted in interrupted_runs(facts):
        start = starts[interrupted.run_id]
        steps: list[str] = []
        settled = ledger.settle(start.reservation_id, cost_micros=interrupted.charge_micros, at=now)
        steps.append("settled" if not isinstance(settled, Failure) else "settle-failed")
        if forge is not None and not start.staged:
            steps += await _label_interrupted(forge, start, interrupted.reason)
        record = RunRecord(
            run_id=start.run_id,
            repo=start.repo,
            issue=start.issue,
            outcome="needs-human",
            reasons=(interrupted.reason,),
            writeback=tuple(steps),
        )
        write_json(records, start.run_id, RECORD, record)
        closed.append(record)
    return tuple(closed)


async def _label_interrupted(forge: Forge, start: RunStart, reason: Reason) -> Sequence[str]:
    owner, _, name = start.repo.partition("/")
    repo = RepoRef(owner=owner, name=name)
    labels = final_labels("needs-human", start.approval_label)
    steps = []
    added = await forge.add_labels(repo, start.issue, labels.add)
    steps.append("labels" if not isinstance(added, Failure) else "labels-failed")
    for label in labels.remove:
        await forge.remove_label(repo, start.issue, label)
    body = outcome_comment("needs-human", run_id=start.run_id, reasons=(reason,))
    commented = await forge.comment(repo, start.issue, body)
    steps.append("comment" if not isinstance(commented, Failure) else "comment-failed")
    return steps


def _outcome(records: RunRecords, run_id: str) -> RunRecord | None:
    """The run's record, None when missing or damaged (undecodable, too deep): never a crash."""
    data = records.read(run_id, RECORD)
    if data is None:
        return None
    decoded = decode_bounded(data, RunRecord)
    return decoded.unwrap() if isinstance(decoded, Success) else None


async def tidy_clones(
    records: RunRecords, workspace: Workspace, keep_failed: int
) -> tuple[str, ...]:
    """Remove the clones of finished runs but the newest `keep_failed` that need a human (an
    interrupted run's clone counts as one of those); returns the run ids whose clones went."""
    facts = []
    for run_id in records.run_ids():
        start = _start(records, run_id)
        record = _outcome(records, run_id)
        if start is None or record is None or not records.exists(run_id, CLONE):
            continue
        facts.append(
            RunRecordFacts(
                run_id=run_id,
                repo=start.repo,
                issue=start.issue,
                started_at=start.started_at,
                outcome=record.outcome,
                clone_exists=True,
            )
        )
    gone = clones_to_remove(facts, keep_failed)
    for run_id in gone:
        await workspace.remove(f"{records.run_dir(run_id)}/{CLONE}")
    return gone

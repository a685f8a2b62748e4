"""Close interrupted runs: a record under `<state_dir>/runs/<run_id>/record.json` without an
outcome, found while holding the loop lock, belongs to a process that is gone.

Each is settled at its full reservation in the ledger, its issue labelled `loop:needs-human`
with a comment that it was interrupted, its record given the outcome (so it is closed once), and
its clone kept. The decisions are `domain.loop.housekeeping` and `domain.loop.writeback`; this
module reads and writes the files and talks to the ledger and the forge.

LEAD (merge with `run`): the record format is `domain.loop.verdict.RunRecord`. If `run` keeps
its records elsewhere or recovers interrupted runs itself, keep one of the two recoveries and
call it from `run_cycle` (`entrypoints.api.daemon`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import msgspec
from returns.pipeline import is_successful

from domain.forge.values import parse_repo
from domain.loop.housekeeping import Interrupted, RunRecordFacts, interrupted_runs
from domain.loop.report import RunReport
from domain.loop.verdict import RunRecord
from domain.loop.writeback import final_labels, outcome_comment
from ports.forge import Forge
from ports.ledger import Ledger

RUNS_DIR = "runs"
RECORD_FILE = "record.json"
_STARTED = re.compile(r"^(\d{8}T\d{6}Z)-")


def runs_dir(state: str) -> str:
    """Where run records live: `<state_dir>/runs`."""
    return os.path.join(state, RUNS_DIR)


def _started_at(run_id: str) -> datetime:
    found = _STARTED.match(run_id)
    if found is None:
        return datetime.min.replace(tzinfo=UTC)
    return datetime.strptime(found.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _records(state: str) -> Iterator[tuple[str, RunRecord]]:
    """Every readable record (an unreadable one is not guessed at: it is left alone)."""
    folder = runs_dir(state)
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return
    for name in names:
        path = os.path.join(folder, name, RECORD_FILE)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        try:
            yield path, msgspec.json.decode(data, type=RunRecord)
        except msgspec.ValidationError:
            continue


def _open_reservations(ledger: Ledger, run_id: str) -> tuple[tuple[str, int], ...]:
    history = ledger.history()
    if not is_successful(history):
        return ()  # no ledger yet (nothing was reserved) or unreadable: nothing to settle here
    return tuple(
        (r.reservation_id, r.reserved_micros)
        for r in history.unwrap()
        if r.run_id == run_id and not r.settled
    )


def _write_record(path: str, record: RunRecord) -> None:
    temporary = path + ".tmp"
    with open(temporary, "wb") as handle:
        handle.write(msgspec.json.encode(record, order="sorted"))
    os.replace(temporary, path)


async def _close(
    found: Interrupted, path: str, record: RunRecord, forge: Forge, approval_label: str
) -> RunReport:
    steps: list[str] = []
    repo = parse_repo(found.repo)
    if is_successful(repo):
        ref = repo.unwrap()
        change = final_labels("needs-human", approval_label)
        if is_successful(await forge.add_labels(ref, found.issue, change.add)):
            steps += [f"label +{label}" for label in change.add]
        for label in change.remove:
            if is_successful(await forge.remove_label(ref, found.issue, label)):
                steps.append(f"label -{label}")
        body = outcome_comment("needs-human", run_id=found.run_id, reasons=(found.reason,))
        if is_successful(await forge.comment(ref, found.issue, body)):
            steps.append("comment")
    closed = msgspec.structs.replace(
        record,
        outcome="needs-human",
        reasons=(found.reason,),
        writeback=(*record.writeback, *steps),
    )
    _write_record(path, closed)
    return RunReport(
        outcome="needs-human",
        repo=found.repo,
        issue=found.issue,
        run_id=found.run_id,
        branch=record.branch,
        reasons=(found.reason,),
        record=path,
    )


async def recover_interrupted(
    state: str, *, forge: Forge, ledger: Ledger, approval_label: str, now: datetime
) -> tuple[RunReport, ...]:
    """Close every run that started and never ended: settle, label, comment, record."""
    found = list(_records(state))
    by_id = {record.run_id: (path, record) for path, record in found}
    reserved = {
        record.run_id: _open_reservations(ledger, record.run_id)
        for _, record in found
        if record.outcome is None
    }
    facts = [
        RunRecordFacts(
            run_id=record.run_id,
            repo=record.repo,
            issue=record.issue,
            started_at=_started_at(record.run_id),
            outcome=record.outcome,
            reserved_micros=sum(micros for _, micros in reserved.get(record.run_id, ())),
        )
        for _, record in found
    ]
    closed: list[RunReport] = []
    for interrupted in interrupted_runs(facts):
        settled = [
            ledger.settle(reservation_id, cost_micros=micros, at=now)
            for reservation_id, micros in reserved.get(interrupted.run_id, ())
        ]
        if not all(is_successful(s) for s in settled):
            continue  # the ledger is busy or unreadable: the next cycle tries again
        path, record = by_id[interrupted.run_id]
        closed.append(await _close(interrupted, path, record, forge, approval_label))
    return tuple(closed)

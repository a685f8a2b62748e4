"""The loop's fuzz targets: GitHub's answers, issue text, and run records read back.

- `github-payloads`: the real GitHub adapter (`open_github_forge` over an `httpx.MockTransport`,
  sleeping never) answering generated bodies, statuses and headers: every operation returns a
  `Result` (a `forge-` error, or the documented `draft-unavailable`), never raises, stops after
  a bounded number of requests, never shows the token, and hands on only aware times.
- `issue-bodies`: an issue's title and body, an agent's summary and comments through the
  acceptance criteria, headings, intake's template check, the prompt, and the pull request's
  title, commit message and body: never raising, every output bounded by the modules' own
  limits, in time linear in the text (a pinned heading of 200,000 characters).
- `run-records`: run folders whose `start.json`, `record.json` and `verdict.json` are real
  ones damaged, or anything: `recover_interrupted` and `tidy_clones` (the real file-system
  records, SQLite ledger and dulwich workspace) return, writing only inside run folders; and
  `replay RUN --json` answers with its documented exit codes and one JSON object.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
from returns.result import Failure, Result, Success

from adapters.fs_run_records import FsRunRecords
from adapters.git.workspace import DulwichWorkspace
from adapters.github import open_github_forge
from adapters.sqlite_ledger import SqliteLedger
from domain.budget.plan import BudgetRefusal, DayTotals, RunBudget
from domain.forge.links import MAX_PAGES
from domain.forge.retry import RetryPolicy
from domain.forge.values import DraftPullRequest, ForgeError, LabelSpec, RepoRef
from domain.loop.acceptance import (
    MAX_CRITERIA,
    MAX_CRITERION_CHARS,
    acceptance_criteria,
    headings,
)
from domain.loop.evidence import (
    GITHUB_BODY_LIMIT,
    BudgetEvidence,
    Evidence,
    HarnessEvidence,
    render_body,
)
from domain.loop.intake import has_template_sections
from domain.loop.prompt import (
    MAX_BODY_CHARS,
    MAX_COMMENT_CHARS,
    MAX_COMMENTS,
    MAX_TITLE_CHARS,
    IssueComment,
    IssueText,
    PromptInputs,
    build_prompt,
)
from domain.loop.publication import MAX_SUBJECT_CHARS, commit_message, pull_request_title
from domain.loop.rounds import Allowance
from domain.loop.verdict import encode_verdict, sha256_hex
from domain.policy.evaluate import PolicyRules, PolicyVerdict
from entrypoints.api.run_steps.records import (
    CLONE,
    RECORD,
    START,
    VERDICT,
    recover_interrupted,
    tidy_clones,
)
from tests.fakes.forge import FakeForge
from tests.fuzz import loop_inputs
from tests.fuzz.common import Target, assert_answers
from tests.support.cli import CliAnswer, run_cli

REPLAY_CODES = frozenset({0, 1, 2})
REPO = RepoRef(owner="octo", name="hello")
# The most requests one operation may make: every page, each retried up to the policy's bound,
# and one write per label `ensure_labels` makes.
POLICY = RetryPolicy()
MAX_REQUESTS = MAX_PAGES * POLICY.max_attempts + 2 * POLICY.max_attempts


# -- github-payloads


def _calls(forge: Any, operation: str) -> Callable[[], Awaitable[Result[Any, ForgeError]]]:
    draft = DraftPullRequest(title="t", head="engineering-loop/issue-1", base="main", body="b")
    labels = (LabelSpec(name="loop:approved", color="0e8a16", description="d"),)
    arguments: dict[str, tuple[Any, ...]] = {
        "repository": (REPO,),
        "open_issues_labelled": (REPO, "loop:approved"),
        "issue": (REPO, 1),
        "issue_events": (REPO, 1),
        "issue_comments": (REPO, 1),
        "issue_last_edited": (REPO, 1),
        "permission": (REPO, "octo"),
        "find_pull_request": (REPO, "engineering-loop/issue-1"),
        "repository_labels": (REPO,),
        "ensure_labels": (REPO, labels),
        "comment": (REPO, 1, "hello"),
        "create_draft_pull_request": (REPO, draft),
        "update_pull_request": (REPO, 1),
        "add_labels": (REPO, 1, ("loop:pr-open",)),
        "remove_label": (REPO, 1, "loop:in-progress"),
    }
    method = getattr(forge, operation)
    if operation == "update_pull_request":
        return lambda: method(REPO, 1, title="t", body="b")
    return lambda: method(*arguments[operation])


def _times_are_aware(value: Any) -> bool:
    """True when every `datetime` inside a returned value carries its timezone."""
    if isinstance(value, datetime):
        return value.tzinfo is not None
    if isinstance(value, tuple):
        return all(_times_are_aware(item) for item in value)
    fields = getattr(value, "__struct_fields__", ())
    return all(_times_are_aware(getattr(value, name)) for name in fields)


async def _no_sleep(delay: float) -> None:
    del delay


def check_github(case: tuple[str, Any, bool]) -> None:
    """One operation against generated answers: a `Result`, bounded requests, no token shown."""
    operation, answers, repeat_last = case
    asked = itertools.count(1)

    def handler(request: httpx.Request) -> httpx.Response:
        number = next(asked)
        # A call that goes on past the bound would never end: fail it here instead.
        assert number <= MAX_REQUESTS, f"{operation}: {number} requests and counting"
        if number > len(answers) and not repeat_last:
            return httpx.Response(404, json={"message": "Not Found"})
        status, headers, body = answers[min(number, len(answers)) - 1]
        # Header values as a server sends them: bytes (Latin-1 here).
        sent = [(name, value.encode("latin-1")) for name, value in headers]
        return httpx.Response(status, headers=sent, content=body)

    forge = open_github_forge(
        api_url="https://api.github.com",
        graphql_url="https://api.github.com/graphql",
        token=loop_inputs.TOKEN,
        user_agent="engineering-loop/fuzz",
        policy=POLICY,
        transport=httpx.MockTransport(handler),
        sleep=_no_sleep,
    ).unwrap()
    result = anyio.run(_calls(forge, operation))
    assert isinstance(result, Success | Failure), result
    if isinstance(result, Failure):
        error = result.failure()
        assert isinstance(error, ForgeError), error
        allowed = ("draft-unavailable",) if operation == "create_draft_pull_request" else ()
        assert error.code.startswith("forge-") or error.code in allowed, error
        assert loop_inputs.TOKEN not in error.message, error.message
    else:
        assert _times_are_aware(result.unwrap()), result


# -- issue-bodies


_ALLOWANCE = Allowance(max_cost_micros=2_000_000, max_wall_clock_s=600, max_turns=30)
_RULES = PolicyRules()
_AUTHORS = ("ann", "eve", "Ann")


def _prompt(title: str, body: str, comments: tuple[IssueComment, ...]) -> str:
    issue = IssueText(number=7, title=title, body=body)
    inputs = PromptInputs(
        issue=issue,
        rules=_RULES,
        allowance=_ALLOWANCE,
        comments=comments,
        trusted_commenters=("ann",),
    )
    return build_prompt(inputs)


def prompt_bound() -> int:
    """The longest prompt the module's limits allow on these rules (no comments: the empty
    issue's prompt, plus the title, body and criteria at their limits, the body and each
    comment quoted inside fences at most one longer than themselves)."""
    base = len(_prompt("", "", ()))
    quote = 3 * (MAX_BODY_CHARS + 1)
    criteria = MAX_CRITERIA * (len("- \n") + MAX_CRITERION_CHARS)
    author = max(len(a) for a in _AUTHORS)
    comments = MAX_COMMENTS * (len(" wrote:\ntext\n\n\n") + author + 3 * (MAX_COMMENT_CHARS + 1))
    return (
        base
        + MAX_TITLE_CHARS
        + quote
        + criteria
        + len("## Comments from maintainers\n\n")
        + comments
    )


_PROMPT_BOUND = prompt_bound()


def _evidence(criteria: tuple[str, ...], summary: str) -> Evidence:
    return Evidence(
        issue_number=7, agent_summary=summary, criteria=criteria, changes=(), gates=(),
        policy=PolicyVerdict(allowed=True),
        budget=BudgetEvidence(tier="base", max_cost_micros=1, max_wall_clock_s=1, max_turns=1,
                              reserved_micros=1, spent_micros=None, day_remaining_micros=0),
        harness=HarnessEvidence(harness="pi", models=("m",), turns=1, retries=0, rounds=1),
        sandboxed=True, run_id="20261207T000000Z-abcdef", base_commit="b" * 40,
        candidate_tree="c" * 40, verdict_sha256="d" * 64,
    )  # fmt: skip


def check_issue_text(case: tuple[bytes, bytes, bytes, Any]) -> None:
    """Issue text through every reader and writer of it: bounded outputs, never a raise."""
    title, body, summary = (part.decode("utf-8", "surrogatepass") for part in case[:3])
    comments = tuple(
        IssueComment(author=a.decode(), body=b.decode("utf-8", "surrogatepass")) for a, b in case[3]
    )
    for heading in headings(body):
        assert 1 <= heading.level <= 6, heading
    criteria = acceptance_criteria(body)
    assert 1 <= len(criteria.items) <= MAX_CRITERIA, len(criteria.items)
    for item in criteria.items:
        assert 0 < len(item) <= MAX_CRITERION_CHARS, item[:100]
        assert not {"\n", "\r"} & set(item), item[:100]  # one list item, one line
    assert isinstance(has_template_sections(body), bool)
    prompt = _prompt(title, body, comments)
    assert len(prompt) <= _PROMPT_BOUND, (len(prompt), _PROMPT_BOUND)
    subject = pull_request_title(title, 7)
    assert len(subject) <= MAX_SUBJECT_CHARS + len(" (#7)"), len(subject)
    assert not {"\n", "\r"} & set(subject), subject[:100]
    message = commit_message(title, 7, "20261207T000000Z-abcdef")
    assert message.startswith(subject + "\n\n"), message[:300]
    pull_body = render_body(_evidence(criteria.items, summary))
    assert len(pull_body) < GITHUB_BODY_LIMIT, len(pull_body)


# -- run-records


class RecordsWorkspace:
    """A state folder with a real ledger, a forge, and a replay configuration."""

    def __init__(self, root: Path) -> None:
        self.state = root / "state"
        (self.state / "runs").mkdir(parents=True)
        self.ledger = SqliteLedger(str(self.state / "ledger.sqlite"))
        self.forge = FakeForge()
        self.forge.create_repo(REPO)
        self.forge.create_issue(REPO, title="t", body="b", labels=("loop:approved",), author="octo")
        self.config = root / "replay.toml"
        self.config.write_text(
            f'[loop]\nstate_dir = "{self.state}"\n\n[sandbox]\nkind = "none"\n\n[policy]\n'
        )
        self._count = 0

    def reserve(self, run_id: str) -> str:
        """A new open reservation (each input settles its own, so no input depends on another)."""
        budget = RunBudget(
            day="2026-12-07", tier="base", max_cost_micros=1_000_000, max_wall_clock_s=600,
            max_turns=20,
        )  # fmt: skip

        def plan(totals: DayTotals) -> Result[RunBudget, BudgetRefusal]:
            del totals
            return Success(budget)

        at = datetime(2026, 12, 7, tzinfo=UTC)
        grant = self.ledger.reserve(run_id=run_id, day=budget.day, at=at, plan=plan)
        return grant.unwrap().reservation.reservation_id

    def new_run_ids(self, count: int) -> list[str]:
        self._count += 1
        return [f"20261207T{self._count:06d}Z-{n}" for n in range(count)]


def _write_folders(ws: RecordsWorkspace, run_ids: list[str], folders: Any) -> None:
    runs = ws.state / "runs"
    # A reservation of its own for each folder but the third, which names the first's (as two
    # damaged records could).
    reservations = [ws.reserve(run_id) for run_id in run_ids[:2]]
    for index, (run_id, folder) in enumerate(zip(run_ids, folders, strict=True)):
        start_spec, record_spec, verdict_spec, digest_matches, outcome, clone = folder
        verdict = loop_inputs.record_file(
            verdict_spec, json.loads(encode_verdict(loop_inputs.real_verdict(run_id)))
        )
        digest = sha256_hex(verdict) if verdict is not None and digest_matches else "0" * 64
        reservation = reservations[index % 2]
        files = {
            START: loop_inputs.record_file(start_spec, loop_inputs.real_start(run_id, reservation)),
            RECORD: loop_inputs.record_file(
                record_spec, loop_inputs.real_record(run_id, digest, outcome)
            ),
            VERDICT: verdict,
        }
        (runs / run_id).mkdir(parents=True)
        for name, data in files.items():
            if data is not None:
                (runs / run_id / name).write_bytes(data)
        if clone:
            (runs / run_id / CLONE / "inside").mkdir(parents=True)


def _outside_runs(state: Path) -> set[str]:
    """Every path under the state folder that is not inside a run folder (nor the ledger)."""
    found: set[str] = set()
    for folder, names, files in os.walk(state):
        relative = os.path.relpath(folder, state)
        parts = Path(relative).parts
        if parts[:1] == ("runs",) and len(parts) >= 2:
            continue
        found.update(os.path.join(relative, f) for f in files if not f.startswith("ledger"))
        found.update(os.path.join(relative, n) for n in names if relative != "runs")
    return found


def _run_records(ws: RecordsWorkspace) -> Callable[[Any], None]:
    def check(folders: Any) -> None:
        before = _outside_runs(ws.state)
        run_ids = ws.new_run_ids(len(folders))
        try:
            _write_folders(ws, run_ids, folders)
            records = FsRunRecords(str(ws.state))
            now = datetime(2026, 12, 7, 12, tzinfo=UTC)
            closed = anyio.run(lambda: recover_interrupted(records, ws.ledger, ws.forge, now=now))
            # A record names the run it closes, and is written there: only the given ones.
            assert {r.run_id for r in closed} <= set(run_ids), closed
            gone = anyio.run(lambda: tidy_clones(records, DulwichWorkspace(), 1))
            assert set(gone) <= set(run_ids), gone
            assert _outside_runs(ws.state) == before, "a record was written outside its run"
            for run_id in run_ids:
                for form in (run_id, str(ws.state / "runs" / run_id)):
                    answer = run_cli(["replay", form, "--config", str(ws.config), "--json"])
                    _assert_replay_answer(answer)
        finally:
            for run_id in run_ids:
                shutil.rmtree(ws.state / "runs" / run_id, ignore_errors=True)

    return check


def _assert_replay_answer(answer: CliAnswer) -> None:
    assert_answers(answer, REPLAY_CODES)
    if answer.code == 2:
        # A kept candidate is never reached here (there is no mirror): any damage is named.
        assert b'"code":"replay-' in answer.stdout or b'"code":"config-' in answer.stdout, (
            answer.stdout[:300]
        )


# A body nested far deeper than msgspec recurses: every operation once (RecursionError before).
_DEEP_BODY = b'{"a":' + b"[" * 5000 + b"]" * 5000 + b"}"
_GITHUB_PINNED = (
    *((operation, ((200, (), _DEEP_BODY),), False) for operation in loop_inputs.GITHUB_OPERATIONS),
    # Next links that never end: the page bound stops the call.
    (
        "repository_labels",
        ((200, (("link", '<https://api.github.com/x?page=2>; rel="next"'),), b"[]"),),
        True,
    ),
    # A Link header of many `<`: quadratic in its length before.
    ("issue_comments", ((200, (("link", "<" * 20_000),), b"[]"),), False),
)
_ISSUE_PINNED = (
    # A heading holding a long run of blanks, and one of many `#`: quadratic time before.
    (b"# a" + b" " * 200_000 + b"b", b"## Acceptance\n# a" + b" " * 200_000 + b"b", b"", ()),
    (b"#" * 200_000, b" #" * 100_000 + b"\n" + b"#" * 200_000, b"`" * 200_000, ()),
    # A list nested 3,000 levels deep.
    (
        b"",
        b"## Acceptance\n" + "\n".join("  " * n + "- x" for n in range(3000)).encode(),
        b"",
        (),
    ),
)

RecordFile = tuple[int, list[tuple[int, int, bool]], int, None, bytes]
# A file as `run_folders` makes it: (kind, mutations (member, odd value, delete), depth, cut, odd).
_AS_WRITTEN: RecordFile = (3, [], 100, None, b"")
_ABSENT: RecordFile = (6, [], 100, None, b"")
# An unknown member nested thousands deep: msgspec recursed into it to skip it.
_DEEP_RECORD: RecordFile = (7, [], 100, None, b'{"x":' + b"[" * 5000 + b"]" * 5000 + b"}")


def _start_with(
    key: str, value: object
) -> tuple[int, list[tuple[int, int, bool]], int, None, bytes]:
    where = loop_inputs.places(loop_inputs.real_start("r", "rsv")).index((key,))
    return (0, [(where, loop_inputs.ODD_VALUES.index(value), False)], 100, None, b"")


_RECORDS_PINNED = (
    # Every record nested thousands deep: RecursionError before.
    ((_DEEP_RECORD, _DEEP_RECORD, _DEEP_RECORD, True, None, True),),
    ((_AS_WRITTEN, _DEEP_RECORD, _AS_WRITTEN, True, "published", True),),
    # A reservation of 10**30 micros: OverflowError settling it in SQLite.
    ((_start_with("reserved_micros", 10**30), _AS_WRITTEN, _AS_WRITTEN, True, None, False),),
    # A start time without its zone beside one with: TypeError ordering them.
    (
        (_start_with("started_at", "2026-01-01T00:00:00"), _AS_WRITTEN, _ABSENT, True, None, False),
        (_AS_WRITTEN, _AS_WRITTEN, _ABSENT, True, None, False),
    ),
    # A start naming another run (a path out of the state folder): its record went there.
    ((_start_with("run_id", "../../../../tmp/escape"), _AS_WRITTEN, _ABSENT, True, None, False),),
)


def loop_targets(records: RecordsWorkspace) -> list[Target]:
    """The loop's targets, with their share of the test suite."""
    return [
        Target(
            "github-payloads",
            loop_inputs.github_cases(),
            check_github,
            suite_examples=400,
            pinned=_GITHUB_PINNED,
        ),
        Target(
            "issue-bodies",
            loop_inputs.issue_texts(),
            check_issue_text,
            suite_examples=200,
            pinned=_ISSUE_PINNED,
        ),
        Target(
            "run-records",
            loop_inputs.run_folders(),
            _run_records(records),
            suite_examples=200,
            pinned=_RECORDS_PINNED,
        ),
    ]

"""Generated untrusted inputs of the loop: GitHub's answers, issue text, and run records.

GitHub's answers are the documented shapes (the fields the adapter reads, and fields it skips)
holding odd values, or anything else: JSON nested thousands deep, invalid UTF-8, NUL, numbers of
thousands of digits, repeated keys, wrong types; under any status and with odd `Link`,
`Retry-After` and `x-ratelimit-*` headers. Issue text is Markdown as a hostile author could
write it. Run records are real ones damaged, or anything else.

Every value is made of bytes, ints and tuples, so the fuzz script can keep it as msgpack; text
that may hold lone surrogates travels as UTF-8 with `surrogatepass` and is decoded by the check.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import msgspec
from hypothesis import strategies as st

from domain.budget.config import BudgetConfig
from domain.budget.plan import RunBudget
from domain.gates.declared import GatesConfig
from domain.harness.config import HarnessSettings, resolve_harness
from domain.harness.report import HarnessReport, HarnessUsage
from domain.loop.outcomes import Reason
from domain.loop.verdict import RoundEvidence, RunRecord, Verdict, VerdictConfig
from domain.policy.evaluate import PolicyRules, PolicyVerdict
from tests.fuzz.inputs import _mutated, _number, _string, json_values

TOKEN = "ghs_FuzzToken0123456789abcdefghijklmnopqrstu"

# -- GitHub's answers

_TIMES = [b'"2026-01-01T00:00:00Z"', b'"2026-01-01T00:00:00+05:30"', b'"9999-12-31T23:59:59Z"']
_ODD_TIMES = [b'"2026-01-01T00:00:00"', b'"2026-13-45T99:99:99Z"', b'"1-01-01T00:00:00Z"', b'""']


def _json_text(value: str) -> bytes:
    return json.dumps(value).encode()


def _odd() -> st.SearchStrategy[bytes]:
    """Any JSON value, or text that is none (deep, cut, invalid UTF-8, NUL, huge numbers)."""
    deep = st.builds(
        lambda opener, n, closed: opener * n + ((b"]" if opener == b"[" else b"}") * n) * closed,
        st.sampled_from([b"[", b'{"a":']),
        st.integers(min_value=60, max_value=5000),
        st.booleans(),
    )
    # Mapped, so that `one_of` around it counts it as one choice (it flattens a bare `one_of`).
    return st.one_of(
        json_values("pi"),
        deep,
        _number(),
        _string(),
        st.sampled_from([_json_text(TOKEN), *_ODD_TIMES]),
        st.binary(),
    ).map(bytes)


def _object(
    fields: dict[str, st.SearchStrategy[bytes]], odd: st.SearchStrategy[bytes]
) -> st.SearchStrategy[bytes]:
    """A JSON object of these fields, as text: mostly every field well formed (so the adapter
    reads far enough to meet what is odd), else one field odd or unknown members added, or
    any members at all (fields left out, repeated, unknown, odd)."""
    names = sorted(fields)
    good = st.tuples(*(st.tuples(st.just(n), fields[n]) for n in names)).map(list)

    def text(members: list[tuple[str, bytes]]) -> bytes:
        return b"{" + b",".join(_json_text(k) + b":" + v for k, v in members) + b"}"

    def one_odd(members: list[tuple[str, bytes]], at: int, value: bytes) -> bytes:
        members[at % len(members)] = (members[at % len(members)][0], value)
        return text(members)

    unknown = st.tuples(st.sampled_from(["node_id", "url", *names]), odd)
    member = st.sampled_from(names).flatmap(lambda n: st.tuples(st.just(n), fields[n] | odd))
    return st.one_of(
        good.map(text),
        good.map(text),
        st.builds(one_odd, good, st.integers(min_value=0), odd),
        st.builds(lambda ms, extra: text(ms + extra), good, st.lists(unknown, max_size=3)),
        st.lists(member | unknown, max_size=len(names) + 3).map(text),
    )


def _strings() -> st.SearchStrategy[bytes]:
    words = st.sampled_from(["main", "open", "closed", "loop:approved", "octo", TOKEN, ""])
    return words.map(_json_text) | st.text(max_size=12).map(_json_text)


def _shapes(odd: st.SearchStrategy[bytes]) -> dict[str, st.SearchStrategy[bytes]]:
    string, boolean = _strings(), st.sampled_from([b"true", b"false"])
    integer = st.integers(min_value=-5, max_value=10**6).map(lambda n: str(n).encode())
    time = st.sampled_from(_TIMES)
    null = st.just(b"null")
    user = _object({"login": string}, odd) | null
    label = _object({"name": string, "color": string}, odd)
    ref = _object({"ref": string}, odd)

    def array(item: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
        return st.lists(item, max_size=3).map(lambda items: b"[" + b",".join(items) + b"]")

    issue = _object(
        {
            "number": integer, "title": string, "state": string, "locked": boolean,
            "created_at": time, "updated_at": time, "labels": array(label | string),
            "body": string | null, "user": user, "author_association": string,
            "pull_request": _object({"url": string}, odd) | null,
        },
        odd,
    )  # fmt: skip
    pull = _object(
        {
            "number": integer, "title": string, "state": string, "html_url": string,
            "head": ref, "base": ref, "body": string | null, "draft": boolean,
        },
        odd,
    )  # fmt: skip
    event = _object(
        {
            "event": string, "created_at": time, "actor": user, "label": label | null,
            "rename": _object({"from": string, "to": string}, odd) | null,
        },
        odd,
    )  # fmt: skip
    comment = _object(
        {
            "id": integer, "created_at": time, "author_association": string,
            "body": string | null, "user": user,
        },
        odd,
    )  # fmt: skip
    error = _object({"message": string, "type": st.sampled_from([b'"NOT_FOUND"', b'"x"'])}, odd)
    graph = _object(
        {
            "data": _object(
                {"repository": _object({"issue": _object({"lastEditedAt": time}, odd)}, odd)},
                odd,
            )
            | null,
            "errors": array(error),
        },
        odd,
    )
    basic_error = _object({"message": string, "errors": array(_object({"code": string}, odd))}, odd)
    repo_fields = {"default_branch": string, "has_issues": boolean}
    return {
        "repo": _object({**repo_fields, "archived": boolean, "private": boolean}, odd),
        "issue": issue,
        "issues": array(issue),
        "events": array(event),
        "comment": comment,
        "comments": array(comment),
        "permission": _object({"permission": string, "role_name": string}, odd),
        "pull": pull,
        "pulls": array(pull),
        "labels": array(label),
        "label": label,
        "graph": graph,
        "error": basic_error,
    }


# Each operation the fuzz target calls, and the shape of its successful answer.
GITHUB_OPERATIONS: dict[str, str] = {
    "repository": "repo",
    "open_issues_labelled": "issues",
    "issue": "issue",
    "issue_events": "events",
    "issue_comments": "comments",
    "issue_last_edited": "graph",
    "permission": "permission",
    "find_pull_request": "pulls",
    "repository_labels": "labels",
    "ensure_labels": "labels",
    "comment": "comment",
    "create_draft_pull_request": "pull",
    "update_pull_request": "pull",
    "add_labels": "labels",
    "remove_label": "error",
}

_STATUSES = [201, 204, 301, 304, 400, 401, 403, 404, 410, 422, 429, 500, 502, 503]


def _header_text() -> st.SearchStrategy[str]:
    """A header value a server could send: printable Latin-1, no line breaks."""
    return st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=30)


def _headers() -> st.SearchStrategy[tuple[tuple[str, str], ...]]:
    api = "https://api.github.com"
    links = st.one_of(
        st.sampled_from(
            [
                f'<{api}/repos/octo/hello/issues?page=2>; rel="next"',
                f'<{api}/repos/octo/hello/issues?page=1>; rel="next", <{api}/x>; rel="last"',
                '<https://evil.example/x?page=2>; rel="next"',
                '<>; rel="next"',
                f"<{api}/x>; rel=next",
                "<" * 5000,
                "<a>" + "; rel" * 2000,
                f'<{api}/{"x" * 3000}>; rel="next"',
            ]
        ),
        _header_text(),
    )
    numbers = st.sampled_from(["0", "1", "-1", "1e999", "nan", "inf", "60", "99999999999", ""])
    reset = st.sampled_from(["0", "1", "4102444800", "1e300", "x", ""])
    pairs = st.one_of(
        st.tuples(st.just("link"), links),
        st.tuples(st.just("retry-after"), numbers | _header_text()),
        st.tuples(st.just("x-ratelimit-remaining"), numbers),
        st.tuples(st.just("x-ratelimit-reset"), reset),
        st.tuples(st.just("content-type"), st.sampled_from(["application/json", "text/html"])),
        st.tuples(st.just("x-github-request-id"), _header_text()),
    )
    return st.lists(pairs, max_size=4).map(tuple)


def github_cases() -> st.SearchStrategy[tuple[str, tuple[Any, ...], bool]]:
    """An operation, the answers it gets in turn (status, headers, body), and whether the last
    answer repeats for ever (a forge whose next links or errors never end)."""
    odd = _odd()
    shapes = _shapes(odd)

    def case(operation: str) -> st.SearchStrategy[tuple[str, tuple[Any, ...], bool]]:
        body = st.one_of(
            shapes[GITHUB_OPERATIONS[operation]],
            shapes[GITHUB_OPERATIONS[operation]],
            shapes["error"],
            odd,
            st.just(b""),
        )
        status = st.one_of(
            st.just(200), st.just(200), st.sampled_from(_STATUSES), st.integers(100, 599)
        )
        answer = st.tuples(status, _headers(), body)
        answers = st.lists(answer, min_size=1, max_size=4).map(tuple)
        return st.tuples(st.just(operation), answers, st.booleans())

    return st.sampled_from(sorted(GITHUB_OPERATIONS)).flatmap(case)


# -- issue text


_MARKDOWN_LINES = [
    "# Acceptance", "## Acceptance criteria", "### acceptance", "Acceptance", "===", "---",
    "## Context", "## Action items", "## Related", "- [ ] works", "- [x] done", "* item",
    "+ item", "1. first", "1) first", "a) first", "   continued", "```", "```python", "~~~~",
    "````", "<!-- hidden", "-->", "<!-- - [ ] injected -->", "***", "___", "    - indented",
    "\t- tab", "#", "####### seven", "#\tTab heading #", "# Closed ###", "@alice fixes #3",
    "<img src=x>", "`code`", "[link](http://x)", "|a|b|", "\x00", "\ufeff", "\u2028", "\ud800",
    "\udcff", "é", "💥",
]  # fmt: skip
_LONG_RUNS = ["#", " #", " ", "\t", "`", "~", "-", "- ", "* ", "<!--", "=", "1", "a", "[", "@"]


def _markdown_line() -> st.SearchStrategy[str]:
    long_run = st.builds(
        lambda head, run, n, tail: head + run * n + tail,
        st.sampled_from(["", "# ", "## Acceptance\n- ", "- ", "    "]),
        st.sampled_from(_LONG_RUNS),
        st.integers(min_value=1, max_value=20_000),
        st.sampled_from(["", "x", "#", " "]),
    )
    indented = st.builds(
        lambda n, line: " " * n + line,
        st.integers(min_value=0, max_value=40),
        st.sampled_from(_MARKDOWN_LINES),
    )
    return st.one_of(st.sampled_from(_MARKDOWN_LINES), indented, st.text(max_size=30), long_run)


def _nested_list(depth: int, marker: str, step: int) -> str:
    return "\n".join(" " * (step * level) + marker + f" item {level}" for level in range(depth))


def markdown() -> st.SearchStrategy[str]:
    """An issue body (or title, or an agent's summary): Markdown lines, deep lists, long runs."""
    nested = st.builds(
        _nested_list,
        st.integers(min_value=1, max_value=200),
        st.sampled_from(["-", "*", "1.", "a)", "- [ ]"]),
        st.integers(min_value=1, max_value=4),
    )
    lines = st.lists(_markdown_line() | nested, max_size=25)
    return st.builds(
        lambda parts, sep: sep.join(parts), lines, st.sampled_from(["\n", "\r\n", "\r", ""])
    )


def _wire(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def issue_texts() -> st.SearchStrategy[tuple[bytes, bytes, bytes, tuple[tuple[bytes, bytes], ...]]]:
    """An issue's title and body, an agent's summary, and comments (author, body), as UTF-8."""
    comments = st.lists(
        st.tuples(st.sampled_from([b"ann", b"eve", b"Ann"]), markdown().map(_wire)), max_size=12
    ).map(tuple)
    return st.tuples(markdown().map(_wire), markdown().map(_wire), markdown().map(_wire), comments)


# -- run records


def _report() -> HarnessReport:
    return HarnessReport(
        harness="pi", complete=True, is_error=False, error_message=None, stop_reason="stop",
        result_text="done", num_turns=2, retries=0, compactions=0, usage=HarnessUsage(),
        total_cost_usd=0.1, cost_reported=True, models=("m",), unknown_events=0,
        malformed_lines=0,
    )  # fmt: skip


def real_verdict(run_id: str) -> Verdict:
    """A verdict as a real run writes it (one published round), for `run_id`."""
    round_ = RoundEvidence(
        number=1, harness=_report(), candidate_tree="c" * 40,
        candidate_ref=f"refs/engineering-loop/runs/{run_id}/round-1",
        policy=PolicyVerdict(allowed=True), decision="publish", harness_status="completed",
        harness_duration_s=10.0, elapsed_s=30.0,
    )  # fmt: skip
    return Verdict(
        run_id=run_id, repo="octo/hello", issue=1, issue_sha256="0" * 64, base_commit="b" * 40,
        config=VerdictConfig(
            policy=PolicyRules(), budget=BudgetConfig(),
            harness=resolve_harness(HarnessSettings()).unwrap(), gates=GatesConfig(),
        ),
        budget=RunBudget(day="2026-12-07", tier="base", max_cost_micros=1_000_000,
                         max_wall_clock_s=600, max_turns=20),
        rounds=(round_,),
    )  # fmt: skip


def real_start(run_id: str, reservation_id: str) -> dict[str, Any]:
    """`start.json` as a real run writes it (as built-in values)."""
    return {
        "run_id": run_id, "repo": "octo/hello", "issue": 1, "started_at": "2026-12-07T10:00:00Z",
        "reservation_id": reservation_id, "reserved_micros": 1_000_000, "staged": False,
        "approval_label": "loop:approved",
    }  # fmt: skip


def real_record(run_id: str, digest: str | None, outcome: str | None) -> dict[str, Any]:
    """`record.json` as a real run writes it (as built-in values)."""
    record = RunRecord(
        run_id=run_id, repo="octo/hello", issue=1, verdict_sha256=digest,
        outcome=outcome,  # type: ignore[arg-type]  # a generated outcome may be none we know
        reasons=(Reason(code="interrupted", detail="x"),),
    )  # fmt: skip
    built: dict[str, Any] = msgspec.to_builtins(record)
    return built


DEEP = "\x00deep\x00"  # replaced, once encoded, by JSON nested thousands of levels deep
ODD_VALUES: list[Any] = [
    None, True, 0, -1, 10**30, -(10**30), 1.5, "", "x" * 5000, "../../../../tmp/escape", [], {},
    "2026-01-01T00:00:00", "not a time", "published", "needs-human", {"a": 1}, [[[[1]]]], DEEP,
    float("nan"), "\u0000", TOKEN,
]  # fmt: skip


def places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a member or element of `value`."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*path, key))
            found.extend(places(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((*path, index))
            found.extend(places(item, (*path, index)))
    return found


def _changed(document: Any, mutations: list[tuple[int, int, bool]]) -> Any:
    """`document` with members replaced by odd values, or deleted."""
    changed = copy.deepcopy(document)
    for where, what, delete in mutations:
        found = places(changed)
        if not found:
            break
        path = found[where % len(found)]
        parent = changed
        for step in path[:-1]:
            parent = parent[step]
        if delete and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            # A copy: the same list or object put in twice could end up inside itself.
            parent[path[-1]] = copy.deepcopy(ODD_VALUES[what % len(ODD_VALUES)])
    return changed


def encode_document(document: Any, deep: int) -> bytes:
    """`document` as JSON text (NaN as `NaN`, as no JSON allows), `DEEP` nested `deep` levels."""
    text = json.dumps(document).encode()
    return text.replace(json.dumps(DEEP).encode(), b"[" * deep + b"]" * deep)


Mutations = list[tuple[int, int, bool]]


def record_mutations() -> st.SearchStrategy[Mutations]:
    """How a real record is damaged: members replaced by odd values, or deleted."""
    return st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 100), st.booleans()), max_size=3
    )


def damaged_record(
    document: Any, mutations: Mutations, deep: int, cut: tuple[int, int, bytes] | None
) -> bytes:
    """A real record with members changed, and maybe its text cut or spliced."""
    data = encode_document(_changed(document, mutations), deep)
    return data if cut is None else _mutated(data, *cut)


def cuts() -> st.SearchStrategy[tuple[int, int, bytes] | None]:
    junk = st.binary(max_size=8) | st.sampled_from([b"\x00", b"\xff", b"[" * 3000, b"{"])
    return st.none() | st.tuples(st.integers(min_value=0), st.integers(0, 3), junk)


def run_folders() -> st.SearchStrategy[tuple[Any, ...]]:
    """Up to three run folders: for each, how its start, record and verdict are damaged, whether
    its record's digest matches its verdict, its outcome, and whether it holds a clone.

    A file is `(kind, mutations, depth, cut, odd)`: kind 0-2 a real one, its members changed by
    `mutations` and its text by `cut`; 3-5 a real one as written; 6 absent; 7-9 the bytes `odd`.
    (Every part is drawn each time: hypothesis seldom repeats an input, and would soon leave a
    branch with few choices.)
    """
    file = st.tuples(st.integers(0, 9), record_mutations(), st.integers(100, 5000), cuts(), _odd())
    outcome = st.sampled_from(["published", "needs-human", "error", "weird", None])
    folder = st.tuples(file, file, file, st.booleans(), outcome, st.booleans())
    return st.lists(folder, min_size=1, max_size=3).map(tuple)


def record_file(spec: Any, document: Any) -> bytes | None:
    """The bytes of one generated file (see `run_folders`), None when it is absent."""
    kind, mutations, deep, cut, odd = spec
    if kind == 6:
        return None
    if kind > 6:
        return bytes(odd)
    if kind > 2:
        return encode_document(document, deep)
    return damaged_record(
        document, [tuple(m) for m in mutations], deep, None if cut is None else tuple(cut)
    )

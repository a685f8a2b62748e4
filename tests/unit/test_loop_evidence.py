"""The pull request body: its parts, and that untrusted text in it stays inert Markdown.

The body is rendered with a CommonMark parser (markdown-it, tables on, raw HTML on as GitHub
allows some): no tag the template does not write may appear, no text outside code may mention a
login or reference an issue, and the agent's summary must come out of its fence unchanged.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from domain.gates.run import GateResult
from domain.loop.evidence import (
    GITHUB_BODY_LIMIT,
    MAX_LISTED,
    MAX_SUMMARY_CHARS,
    BudgetEvidence,
    ChangedFile,
    Evidence,
    HarnessEvidence,
    render_body,
)
from domain.loop.markdown import code_span, escape_text, fenced
from domain.policy.evaluate import PolicyVerdict
from domain.policy.violations import Violation

TEMPLATE_TAGS = {
    "p", "h2", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "code", "pre", "em",
    "strong",
}  # fmt: skip
MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9]")
REFERENCE = re.compile(r"#[0-9]")
HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<!-- hidden",
            "@alice", "cc @org/team", "fixes #1", "Closes owner/repo#2", "```", "~~~~",
            "````\n</code></pre><b>x</b>", "[click](https://evil.example)", "![i](x.png)",
            "| a | b |", "line\n# heading", "&lt;b&gt;", "&#64;bob", "\\@carol", "`@dave`",
            "- [x] checked", "1. item", "<details><summary>x</summary>", "*emph* _u_",
            "`fixes #7` and `<b>`", "``a ` b``",
        ]
    ),
)  # fmt: skip
HOSTILE_LINE = st.lists(HOSTILE, min_size=1, max_size=4).map(" ".join)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.prose: list[str] = []
        self.in_code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag in {"code", "pre"}:
            self.in_code += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"code", "pre"}:
            self.in_code -= 1

    def handle_data(self, data: str) -> None:
        if not self.in_code:
            self.prose.append(data)


def _render(markdown: str) -> _Reader:
    reader = _Reader()
    reader.feed(MarkdownIt("commonmark").enable("table").render(markdown))
    return reader


ONE_CHANGE = (ChangedFile(path="src/a.py", kind="modified", added=3, removed=1),)
ALLOWED = PolicyVerdict(allowed=True)


def _evidence(
    *,
    summary: str = "Did it.",
    criteria: tuple[str, ...] = ("works",),
    changes: tuple[ChangedFile, ...] = ONE_CHANGE,
    gates: tuple[GateResult, ...] = (),
    policy: PolicyVerdict = ALLOWED,
    models: tuple[str, ...] = ("scripted-model",),
) -> Evidence:
    return Evidence(
        issue_number=15, agent_summary=summary, criteria=criteria, changes=changes, gates=gates,
        policy=policy,
        budget=BudgetEvidence(
            tier="base", max_cost_micros=5_000_000, max_wall_clock_s=2700, max_turns=50,
            reserved_micros=5_000_000, spent_micros=1_234_567, day_remaining_micros=3_000_000,
        ),
        harness=HarnessEvidence(harness="pi", models=models, turns=7, retries=1, rounds=2),
        sandboxed=False, run_id="20260101T000000Z-ab12", base_commit="a" * 40,
        candidate_tree="b" * 40, verdict_sha256="c" * 64,
    )  # fmt: skip


def _gate(name: str, argv: tuple[str, ...], output: str = "") -> GateResult:
    return GateResult(
        name=name, declared=argv, executed=("uv", "run", *argv), status="failed", exit_code=1,
        duration_s=1.25, stdout=output,
    )  # fmt: skip


def test_the_body_opens_with_closes_and_ends_with_the_run_ids() -> None:
    body = render_body(_evidence())
    assert body.startswith("Closes #15\n")
    assert "- run id: `20260101T000000Z-ab12`" in body
    assert f"- verdict.json SHA-256: `{'c' * 64}`" in body
    assert f"- base commit: `{'a' * 40}`" in body


def test_criteria_are_an_unchecked_checklist() -> None:
    body = render_body(_evidence(criteria=("first", "second")))
    assert "- [ ] first\n- [ ] second" in body


def test_changed_files_show_kind_and_line_counts() -> None:
    assert "- `src/a.py` (modified, +3 -1)" in render_body(_evidence())


def test_each_gate_is_a_row_with_both_argv_exit_code_duration_and_result() -> None:
    body = render_body(_evidence(gates=(_gate("tests", ("pytest", "-q")),)))
    assert "| tests | `pytest -q` | `uv run pytest -q` | 1 | 1.2 s | failed |" in body


def test_budget_and_harness_facts_are_shown() -> None:
    body = render_body(_evidence())
    assert "- caps: $5.00, 2700 s wall clock, 50 turns" in body
    assert "- spent: $1.23" in body
    assert "- harness reported cost: yes" in body
    assert "- left of the day: $3.00" in body
    assert "- turns: 7; retries: 1; rounds: 2" in body
    assert "- sandboxed: no" in body


def test_policy_violations_and_notices_are_listed() -> None:
    verdict = PolicyVerdict(
        allowed=False,
        violations=(Violation(code="path-not-allowed", path="x.py", detail="outside"),),
        notices=("lockfile changed",),
    )
    body = render_body(_evidence(policy=verdict))
    assert "Blocked.\n- `path-not-allowed`: x.py: outside\n- notice: lockfile changed" in body


def test_long_lists_and_summaries_are_bounded_under_githubs_limit() -> None:
    many = tuple(
        ChangedFile(path="p" * 5000 + str(n), kind="added", added=n, removed=0) for n in range(500)
    )
    body = render_body(
        _evidence(summary="s" * 100_000, criteria=tuple("c" * 900 + str(n) for n in range(500)),
                  changes=many, gates=tuple(_gate("g" * 900, ("x" * 900,)) for _ in range(500)))
    )  # fmt: skip
    assert len(body) < GITHUB_BODY_LIMIT
    assert re.search(r"- … and [0-9]+ more\n", body)
    assert "s" * (MAX_SUMMARY_CHARS + 1) not in body


def test_a_list_longer_than_the_limit_says_how_many_are_not_shown() -> None:
    many = tuple(ChangedFile(path=f"f{n}", kind="added", added=1, removed=0) for n in range(150))
    assert f"- … and {150 - MAX_LISTED} more" in render_body(_evidence(changes=many))


def test_escaped_text_keeps_its_words() -> None:
    rendered = "".join(_render(escape_text("a <b> *c* [d](e) @f #1 fixes")).prose).strip()
    assert rendered.replace("\u200d", "") == "a <b> *c* [d](e) @f #1 fixes"


def test_criteria_keep_their_code_spans_as_code() -> None:
    criterion = "`demo.total_cents([999, 1])` returns `1000` for <b>@bob</b>; `fixes #4`"
    html = MarkdownIt("commonmark").render(render_body(_evidence(criteria=(criterion,))))
    assert "<code>demo.total_cents([999, 1])</code> returns <code>1000</code>" in html
    assert "&lt;b&gt;@\u200dbob&lt;/b&gt;" in html
    # A closing keyword keeps its words but loses its power, in code as in prose.
    assert "<code>f\u200dixes #4</code>" in html
    unclosed = MarkdownIt("commonmark").render(render_body(_evidence(criteria=("a `b",))))
    assert "a `b" in unclosed
    assert "<code>" not in unclosed.split("Acceptance criteria")[1].split("</ul>")[0]


def test_a_code_span_holds_backticks_and_pipes() -> None:
    reader = _Reader()
    reader.feed(MarkdownIt("commonmark").render(code_span("a ``` b")))
    assert reader.tags == {"p", "code"}


@given(
    summary=st.text(max_size=200) | HOSTILE_LINE,
    criteria=st.lists(HOSTILE_LINE, max_size=3),
    path=HOSTILE_LINE,
    gate_name=HOSTILE_LINE,
    argv=st.lists(HOSTILE, min_size=1, max_size=3),
    detail=HOSTILE_LINE,
    model=HOSTILE,
)
@example(
    summary="```\n</pre><script>x</script>\n```", criteria=["@alice fixes #2"], path="<b>`|`</b>",
    gate_name="| x |", argv=["a|b", "`"], detail="<img src=x>", model="@m",
)  # fmt: skip
def test_untrusted_text_renders_no_html_mentions_or_references(
    *,
    summary: str,
    criteria: list[str],
    path: str,
    gate_name: str,
    argv: list[str],
    detail: str,
    model: str,
) -> None:
    evidence = _evidence(
        summary=summary,
        criteria=tuple(criteria),
        changes=(ChangedFile(path=path, kind="added", added=1, removed=0),),
        gates=(_gate(gate_name, tuple(argv)),),
        policy=PolicyVerdict(
            allowed=False,
            violations=(Violation(code="path-denied", path=path, detail=detail),),
            notices=(detail,),
        ),
        models=(model,),
    )
    body = render_body(evidence)
    reader = _render(body)
    assert reader.tags <= TEMPLATE_TAGS
    prose = "".join(reader.prose)
    assert not MENTION.search(prose)
    assert REFERENCE.findall(prose) == ["#1"]  # only `Closes #15`, ours
    fences = [t for t in MarkdownIt("commonmark").parse(body) if t.type == "fence"]
    assert len(fences) == 1
    shown = summary.strip().replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    assert fences[0].content == (shown or "(nothing)") + "\n"


@given(st.text(max_size=300) | st.text(alphabet="`~\r\n\x00 a", max_size=60))
@example("a\r```\r\n````")
def test_a_fence_is_never_closed_early(text: str) -> None:
    tokens = [t for t in MarkdownIt("commonmark").parse(fenced(text)) if t.type == "fence"]
    assert len(tokens) == 1
    shown = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    expected = shown if shown.endswith("\n") or not shown else shown + "\n"
    assert tokens[0].content == expected

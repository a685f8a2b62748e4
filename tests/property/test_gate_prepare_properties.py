"""Invariants of gate preparation over generated uv lines (issue 2 section 3)."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import example, given, settings
from hypothesis import strategies as st
from returns.pipeline import is_successful
from returns.result import Result

from domain.gates.prepare import (
    REJECTION_CODES,
    GateRejected,
    PreparedGate,
    gate_project_dir,
    is_python_gate,
    prepare_gate,
)
from domain.gates.project import ProjectFacts, normalise_name
from domain.gates.uv_grammar import UvRun, parse_uv_run, uv_prefix_length
from tests.uv_lines import bare_lines, gate_lines, project_facts, uv_lines

DEV_GROUP = ProjectFacts(has_pyproject=True, has_lockfile=True, dev_group=True)
DEV_EXTRA = ProjectFacts(has_pyproject=True, has_lockfile=True, dev_extra=True)


def _prepare(
    argv: Sequence[str], facts: ProjectFacts, other: ProjectFacts
) -> Result[PreparedGate, GateRejected]:
    return prepare_gate(argv, facts, facts_for=lambda _directory: other)


def _payload(argv: Sequence[str]) -> tuple[str, ...]:
    if uv_prefix_length(argv):
        return parse_uv_run(argv).unwrap().payload
    return tuple(argv)


def _parts(value: str | None, delimiter: str | None) -> set[str]:
    return {normalise_name(p) for p in (value or "").split(delimiter)}


def _dev_group_selected(run: UvRun) -> bool:
    chosen = excluded = False
    for o in run.options:
        if o.name in ("--dev", "--all-groups", "--only-dev"):
            chosen = True
        if o.name in ("--group", "--only-group") and normalise_name(o.value or "") == "dev":
            chosen = True
        if o.name in ("--no-dev", "--no-project"):
            excluded = True
        if o.name == "--no-group" and "dev" in _parts(o.value, " "):
            excluded = True
    return chosen and not excluded


def _dev_extra_selected(run: UvRun) -> bool:
    chosen = excluded = False
    for o in run.options:
        if o.name == "--all-extras" or (o.name == "--extra" and "dev" in _parts(o.value, ",")):
            chosen = True
        if o.name in ("--only-group", "--only-dev", "--no-project"):
            excluded = True
        if o.name == "--no-extra" and normalise_name(o.value or "") == "dev":
            excluded = True
    return chosen and not excluded


@settings(max_examples=400)
@given(argv=gate_lines(), facts=project_facts(), other=project_facts())
@example(argv=["uv", "run", "--with", "--", "x"], facts=DEV_GROUP, other=DEV_GROUP)
@example(argv=["uv", "-p", "run"], facts=DEV_GROUP, other=DEV_GROUP)
@example(argv=["uv", "run", "-p="], facts=DEV_GROUP, other=DEV_GROUP)
def test_prepare_gate_never_raises(
    argv: list[str], facts: ProjectFacts, other: ProjectFacts
) -> None:
    result = _prepare(argv, facts, other)
    assert isinstance(
        result.unwrap() if is_successful(result) else result.failure(),
        (
            PreparedGate,
            GateRejected,
        ),
    )


@settings(max_examples=300)
@given(tail=st.lists(st.text(alphabet="-=qUpmrun3. xdv", max_size=6), max_size=8))
def test_uv_parser_is_total_over_arbitrary_tokens(tail: list[str]) -> None:
    result = parse_uv_run(["uv", *tail])
    assert is_successful(result) or result.failure().code.startswith("uv-")


@settings(max_examples=300)
@given(argv=st.one_of(uv_lines(), bare_lines()), facts=project_facts(), other=project_facts())
@example(argv=["uv", "run", "--only-group", "lint", "pytest"], facts=DEV_GROUP, other=DEV_GROUP)
@example(argv=["uv", "run", "--extra", "docs", "pytest"], facts=DEV_EXTRA, other=DEV_EXTRA)
@example(argv=["uv", "run", "--project", "sub", "pytest"], facts=DEV_EXTRA, other=DEV_GROUP)
def test_preparing_an_executed_gate_again_changes_nothing(
    argv: list[str], facts: ProjectFacts, other: ProjectFacts
) -> None:
    first = _prepare(argv, facts, other)
    if not is_successful(first):
        return
    executed = first.unwrap().executed
    again = _prepare(executed, facts, other)
    assert again.unwrap() == PreparedGate(declared=executed, executed=executed, rewrites=())


@settings(max_examples=300)
@given(argv=st.one_of(uv_lines(), bare_lines()), facts=project_facts(), other=project_facts())
@example(argv=["uv", "run", "--", "--", "pytest", "--locked"], facts=DEV_GROUP, other=DEV_GROUP)
@example(argv=["uv", "run", "-mpytest", "pytest"], facts=DEV_GROUP, other=DEV_GROUP)
def test_prepared_gate_keeps_payload_verbatim(
    argv: list[str], facts: ProjectFacts, other: ProjectFacts
) -> None:
    result = _prepare(argv, facts, other)
    if is_successful(result):
        assert _payload(result.unwrap().executed) == _payload(argv)


@settings(max_examples=300)
@given(argv=st.one_of(uv_lines(), bare_lines()), facts=project_facts(), other=project_facts())
@example(argv=["uv", "run", "--no-sync", "pytest"], facts=DEV_GROUP, other=DEV_GROUP)
@example(argv=["uv", "run", "--no-locked", "--locked", "x"], facts=DEV_GROUP, other=DEV_GROUP)
def test_executed_uv_gate_has_exactly_one_lock_guard(
    argv: list[str], facts: ProjectFacts, other: ProjectFacts
) -> None:
    result = _prepare(argv, facts, other)
    if not is_successful(result) or not uv_prefix_length(result.unwrap().executed):
        return
    run = parse_uv_run(result.unwrap().executed).unwrap()
    guards = [t for t in run.segment if t in ("--locked", "--frozen")]
    no_sync = any(o.name == "--no-sync" for o in run.options)
    assert len(guards) == 1 or (not guards and no_sync)
    assert len(guards) == len([o for o in run.options if o.name in ("--locked", "--frozen")])


@settings(max_examples=300)
@given(argv=st.one_of(uv_lines(), bare_lines()), facts=project_facts(), other=project_facts())
@example(argv=["uv", "run", "--no-dev", "--dev", "pytest"], facts=DEV_GROUP, other=DEV_GROUP)
@example(argv=["uv", "run", "--no-dev", "pytest"], facts=DEV_EXTRA, other=DEV_EXTRA)
@example(argv=["uv", "run", "--group", "DEV", "pytest"], facts=DEV_GROUP, other=DEV_GROUP)
def test_python_gate_in_a_dev_project_ends_with_the_dev_set_selected(
    argv: list[str], facts: ProjectFacts, other: ProjectFacts
) -> None:
    result = _prepare(argv, facts, other)
    if not is_successful(result):
        return
    executed = result.unwrap().executed
    target = other if gate_project_dir(executed) else facts
    if not (is_python_gate(executed) and target.is_uv_project and target.has_dev_environment):
        return
    run = parse_uv_run(executed).unwrap()
    if target.dev_group:
        assert _dev_group_selected(run)
    else:
        assert _dev_extra_selected(run)


@settings(max_examples=200)
@given(argv=gate_lines(), facts=project_facts())
@example(argv=["uv", "run", "--bogus"], facts=DEV_GROUP)
def test_every_refusal_has_a_documented_code_and_a_message(
    argv: list[str], facts: ProjectFacts
) -> None:
    result = _prepare(argv, facts, facts)
    if not is_successful(result):
        assert result.failure().code in REJECTION_CODES
        assert result.failure().message.endswith(".")

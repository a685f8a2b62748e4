"""Invariants of the group choice over generated projects (groups, include-groups, extras,
default-groups) and generated gate lines.

The chosen group or extra always installs the tool, on the strength of the line's explicit
selection alone (never of `default-groups`, which can change under the gate); and a flag is
never redundant: at most one is added, it never names what the line already selects, and none is
added when the line already installs the tool (for the dev set: when it selects the dev set, the
rule it always had).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from hypothesis import example, given, settings
from hypothesis import strategies as st
from returns.pipeline import is_successful

from domain.gates.prepare import REJECTION_CODES, prepare_gate
from domain.gates.project import ProjectFacts, ProjectFiles, derive_facts, normalise_name
from domain.gates.providers import choose_provider
from domain.gates.uv_grammar import UvOption, parse_uv_run, uv_prefix_length

_GROUPS = ("dev", "test", "lint", "typing", "ci")
_EXTRAS = ("test", "lint", "dev", "docs")
_PACKAGES = ("pytest", "ruff", "mypy", "requests")
_SELECTION = frozenset(
    {"--group", "--only-group", "--dev", "--only-dev", "--all-groups", "--extra", "--all-extras"}
)


def _quoted(items: Sequence[str]) -> str:
    return ", ".join(f'"{item}"' for item in items)


@st.composite
def pyprojects(draw: st.DrawFn) -> str:
    """A pyproject with groups (including earlier ones), extras and maybe default-groups."""
    names = draw(st.lists(st.sampled_from(_GROUPS), unique=True, max_size=4))
    lines = ['[project]\nname = "x"\n']
    extras = draw(st.lists(st.sampled_from(_EXTRAS), unique=True, max_size=3))
    if extras:
        lines.append("[project.optional-dependencies]\n")
        for extra in extras:
            packages = draw(st.lists(st.sampled_from(_PACKAGES), unique=True, max_size=2))
            lines.append(f"{extra} = [{_quoted(packages)}]\n")
    if names:
        lines.append("[dependency-groups]\n")
        for index, name in enumerate(names):
            packages = draw(st.lists(st.sampled_from(_PACKAGES), unique=True, max_size=2))
            items = [f'"{p}"' for p in packages]
            if index:
                included = draw(st.lists(st.sampled_from(names[:index]), unique=True, max_size=2))
                items += [f'{{include-group = "{g}"}}' for g in included]
            lines.append(f"{name} = [{', '.join(items)}]\n")
    listed = st.lists(st.sampled_from(names), unique=True) if names else st.just([])
    defaults = draw(st.one_of(st.none(), st.just('"all"'), listed))
    if defaults is not None:
        value = defaults if isinstance(defaults, str) else f"[{_quoted(defaults)}]"
        lines.append(f"[tool.uv]\ndefault-groups = {value}\n")
    return "".join(lines)


_OPTION = st.one_of(
    st.tuples(st.sampled_from(["--group", "--only-group", "--no-group"]), st.sampled_from(_GROUPS)),
    st.tuples(st.sampled_from(["--extra", "--no-extra"]), st.sampled_from(_EXTRAS)),
    st.tuples(
        st.sampled_from(
            [
                "--all-groups",
                "--all-extras",
                "--dev",
                "--no-dev",
                "--only-dev",
                "--no-default-groups",
            ]
        )
    ),
)


@st.composite
def gate_lines(draw: st.DrawFn) -> list[str]:
    tool = draw(st.sampled_from(["pytest", "ruff", "mypy"]))
    form = draw(st.sampled_from(["bare", "module", "uv"]))
    if form == "bare":
        return [tool, "-q"]
    if form == "module":
        return ["python", "-m", tool]
    options = [token for option in draw(st.lists(_OPTION, max_size=3)) for token in option]
    return ["uv", "run", *options, tool]


def _facts(text: str) -> ProjectFacts | None:
    derived = derive_facts(ProjectFiles(pyproject_text=text, lockfile_present=True))
    return derived.unwrap() if is_successful(derived) else None


def _tool(argv: Sequence[str]) -> str:
    return argv[-1] if argv[0] == "uv" or argv[:2] == ["python", "-m"] else argv[0]


def _explicitly_installed(facts: ProjectFacts, options: Sequence[UvOption]) -> set[str]:
    """What the line's own flags install, as uv reads them, with no default group counted."""
    groups = {g.name: set(g.packages) for g in facts.groups}
    extras = {e.name: set(e.packages) for e in facts.extras}
    chosen: set[str] = set()
    excluded: set[str] = set()
    chosen_extras: set[str] = set()
    excluded_extras: set[str] = set()
    for option in options:
        value = normalise_name(option.value or "")
        if option.name in ("--group", "--only-group"):
            chosen.add(value)
        elif option.name in ("--dev", "--only-dev"):
            chosen.add("dev")
        elif option.name == "--all-groups":
            chosen |= set(groups)
        elif option.name == "--no-group":
            excluded |= {normalise_name(v) for v in (option.value or "").split()}
        elif option.name == "--no-dev":
            excluded.add("dev")
        elif option.name == "--extra":
            chosen_extras |= {normalise_name(v) for v in (option.value or "").split(",")}
        elif option.name == "--all-extras":
            chosen_extras |= set(extras)
        elif option.name == "--no-extra":
            excluded_extras.add(value)
    if any(o.name in ("--only-group", "--only-dev") for o in options):
        chosen_extras = set()
    installed: set[str] = set()
    for name in chosen - excluded:
        installed |= groups.get(name, set())
    for name in chosen_extras - excluded_extras:
        installed |= extras.get(name, set())
    return installed


def _selection_flags(options: Sequence[UvOption]) -> Counter[tuple[str, str | None]]:
    return Counter((o.name, o.value) for o in options if o.name in _SELECTION)


@settings(max_examples=400)
@given(text=pyprojects(), argv=gate_lines())
@example(
    text='[project]\nname = "x"\n[dependency-groups]\ntest = ["pytest"]\n'
    '[tool.uv]\ndefault-groups = "all"\n',
    argv=["pytest", "-q"],
)
@example(
    text='[project]\nname = "x"\n[dependency-groups]\ndev = []\ntest = ["pytest"]\n',
    argv=["uv", "run", "--all-groups", "--all-groups", "pytest"],
)
@example(
    text='[project]\nname = "x"\n[dependency-groups]\ndev = ["ruff"]\n'
    'ci = [{include-group = "dev"}]\n',
    argv=["uv", "run", "--group", "ci", "ruff"],
)
def test_the_chosen_group_always_contains_the_tool(text: str, argv: list[str]) -> None:
    facts = _facts(text)
    if facts is None:
        return
    tool = _tool(argv)
    if not facts.provides(tool):
        return
    prepared = prepare_gate(argv, facts)
    if not is_successful(prepared):
        # uv would refuse the line itself, or it excludes what the gate needs: never a guess.
        assert prepared.failure().code in REJECTION_CODES
        return
    executed = prepared.unwrap().executed
    run = parse_uv_run(executed).unwrap()
    assert tool in _explicitly_installed(facts, run.options), (text, executed)


@settings(max_examples=400)
@given(text=pyprojects(), argv=gate_lines())
@example(
    text='[project]\nname = "x"\n[dependency-groups]\ntest = ["pytest"]\n'
    '[tool.uv]\ndefault-groups = ["test"]\n',
    argv=["uv", "run", "--group", "test", "pytest"],
)
@example(
    text='[project]\nname = "x"\n[project.optional-dependencies]\ntest = ["pytest"]\n'
    '[dependency-groups]\ndev = ["pytest"]\n',
    argv=["uv", "run", "--all-extras", "pytest"],
)
def test_a_group_selection_flag_is_never_redundant(text: str, argv: list[str]) -> None:
    facts = _facts(text)
    if facts is None:
        return
    prepared = prepare_gate(argv, facts)
    if not is_successful(prepared):
        return
    executed = prepared.unwrap().executed
    after = _selection_flags(parse_uv_run(executed).unwrap().options)
    before: Counter[tuple[str, str | None]] = Counter()
    declared_options: tuple[UvOption, ...] = ()
    if uv_prefix_length(argv):
        declared_options = parse_uv_run(argv).unwrap().options
        before = _selection_flags(declared_options)
    added = after - before
    assert sum(added.values()) <= 1
    tool = _tool(argv)
    chosen = choose_provider(facts, tool)
    # The dev set keeps today's rule (only its own selection counts), so that nothing that ran
    # before changes; every other provider also counts what else the line already installs.
    if (
        chosen is not None
        and not chosen.is_dev
        and tool in _explicitly_installed(facts, declared_options)
    ):
        assert not added, (text, argv, executed)
    for name, value in added:
        assert (name, value) not in before

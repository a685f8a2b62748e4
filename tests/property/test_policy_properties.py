"""Invariants of `evaluate_policy` over generated paths and change lists."""

from __future__ import annotations

import msgspec
from hypothesis import example, given
from hypothesis import strategies as st

from domain.changes.change_set import FileChange
from domain.policy.evaluate import GateEvidence, PolicyRules, evaluate_policy
from domain.policy.paths import matches

SEGMENT = st.text(alphabet="abcAB._-", min_size=1, max_size=6).filter(
    lambda s: s not in {".", ".."}
)
PATH = st.lists(SEGMENT, min_size=1, max_size=4).map("/".join)
PREFIX = st.lists(SEGMENT, min_size=1, max_size=2).map(lambda parts: "/".join(parts) + "/")
KIND = st.sampled_from(["added", "modified", "deleted"])


def _codes_for(path: str, rules: PolicyRules) -> set[str]:
    verdict = evaluate_policy([FileChange(path=path, kind="modified")], GateEvidence(), rules)
    return {v.code for v in verdict.violations if v.path == path}


@given(path=PATH, allowed=st.lists(PREFIX, max_size=3), denied=st.lists(PATH, max_size=3))
@example(path="docs/a", allowed=["docs/"], denied=["DOCS/a"])
def test_deny_always_wins_over_allow(path: str, allowed: list[str], denied: list[str]) -> None:
    rules = PolicyRules(
        allowed_paths=(*allowed, path), denied_paths=(*denied, path.upper()), protected_paths=()
    )
    assert _codes_for(path, rules) == {"path-denied"}


@given(path=PATH, allowed=st.lists(PREFIX, max_size=4))
def test_a_path_outside_every_allowed_prefix_is_never_allowed(
    path: str, allowed: list[str]
) -> None:
    rules = PolicyRules(allowed_paths=tuple(allowed), denied_paths=(), protected_paths=())
    inside = any(path.startswith(prefix) for prefix in allowed)
    verdict = evaluate_policy([FileChange(path=path, kind="added")], GateEvidence(), rules)
    assert verdict.allowed is inside
    if not inside:
        assert [v.code for v in verdict.violations] == ["path-not-allowed"]


@given(
    source=PATH, target_dir=st.sampled_from([".github/workflows", ".GitHub/Workflows", "x/.ENV"])
)
def test_renaming_an_allowed_file_to_a_denied_path_is_caught(source: str, target_dir: str) -> None:
    target = f"{target_dir}/{source.rsplit('/', 1)[-1]}"
    rules = PolicyRules(allowed_paths=("**",), protected_paths=())
    rename = FileChange(path=target, kind="renamed", old_path=source)
    verdict = evaluate_policy([rename], GateEvidence(), rules)
    assert not verdict.allowed
    assert ("path-denied", target) in {(v.code, v.path) for v in verdict.violations}


@given(
    changes=st.lists(
        st.builds(
            FileChange,
            path=PATH,
            kind=KIND,
            size=st.integers(0, 3000),
            added_line_count=st.integers(0, 40),
        ),
        max_size=8,
        unique_by=lambda c: c.path,
    ),
    data=st.data(),
)
def test_verdict_does_not_depend_on_the_order_of_changes(
    changes: list[FileChange], data: st.DataObject
) -> None:
    rules = PolicyRules(
        allowed_paths=("a/", "b"), max_files=4, max_file_bytes=2000, max_added_lines=100
    )
    shuffled = data.draw(st.permutations(changes))
    first = evaluate_policy(changes, GateEvidence(), rules)
    second = evaluate_policy(shuffled, GateEvidence(), rules)
    assert msgspec.json.encode(first) == msgspec.json.encode(second)


@given(path=PATH)
def test_case_insensitive_match_ignores_case_of_path_and_pattern(path: str) -> None:
    assert matches(path.swapcase(), path, ignore_case=True)

"""Invariants of the side-effect comparison between two worktree snapshots."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.changes.snapshot import side_effects, snapshot_of

_paths = st.sampled_from(["a.py", "b/c.txt", "d", "e/f/g.md", ".venv/x"])
_digests = st.dictionaries(_paths, st.sampled_from(["0:1", "0:2", "1:1", "deleted", "link:a"]))
_head = st.sampled_from(["", "ref: refs/heads/main 1", "ref: refs/heads/main 2"])


@given(_digests, _head)
def test_a_snapshot_compared_with_itself_has_no_side_effects(
    digests: dict[str, str], head: str
) -> None:
    snapshot = snapshot_of("git-status", digests, head)
    assert side_effects(snapshot, snapshot) == ()


@given(_digests, _digests)
def test_side_effects_are_exactly_the_paths_whose_digest_differs(
    before: dict[str, str], after: dict[str, str]
) -> None:
    found = side_effects(snapshot_of("git-status", before), snapshot_of("git-status", after))
    expected = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    assert set(found) == expected
    assert list(found) == sorted(found)


@given(_digests, _digests, _head, _head)
def test_side_effects_are_symmetric(
    before: dict[str, str], after: dict[str, str], head_a: str, head_b: str
) -> None:
    a, b = snapshot_of("git-status", before, head_a), snapshot_of("git-status", after, head_b)
    assert side_effects(a, b) == side_effects(b, a)

"""`Link` headers: the next page is found whatever order and other relations surround it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.forge.links import next_link

urls = st.integers(1, 10_000).map(lambda n: f"https://api.github.com/r/issues?page={n}")
others = st.lists(st.tuples(urls, st.sampled_from(["prev", "first", "last"])), max_size=3)


@given(next_url=urls, rest=others, position=st.integers(0, 3))
def test_next_link_finds_next_among_any_other_relations(
    next_url: str, rest: list[tuple[str, str]], position: int
) -> None:
    entries = [f'<{url}>; rel="{rel}"' for url, rel in rest]
    entries.insert(min(position, len(entries)), f'<{next_url}>; rel="next"')
    assert next_link(", ".join(entries)) == next_url


@given(rest=others)
def test_without_next_there_is_no_next_page(rest: list[tuple[str, str]]) -> None:
    assert next_link(", ".join(f'<{url}>; rel="{rel}"' for url, rel in rest)) is None

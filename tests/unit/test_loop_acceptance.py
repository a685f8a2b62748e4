"""The acceptance criteria parser on the shapes issue bodies take."""

from __future__ import annotations

from domain.loop.acceptance import (
    GENERIC_CRITERIA,
    MAX_CRITERIA,
    MAX_CRITERION_CHARS,
    acceptance_criteria,
    headings,
    stated_criteria,
)


def test_every_list_marker_is_an_item() -> None:
    body = "## Acceptance\n- dash\n* star\n+ plus\n- [ ] open\n- [x] done\n1. one\n2) two\n"
    body += "a) letter"
    assert stated_criteria(body) == (
        "dash", "star", "plus", "open", "done", "one", "two", "letter",
    )  # fmt: skip


def test_the_section_ends_at_a_heading_of_the_same_or_higher_level() -> None:
    body = "# Top\n## Acceptance\n- a\n### Detail\n- b\n## Next\n- c\n# Other\n- d"
    assert stated_criteria(body) == ("a", "b")


def test_a_title_that_starts_with_acceptance_in_any_case_opens_a_section() -> None:
    assert stated_criteria("#### ACCEPTANCE CRITERIA (v2)\n- x") == ("x",)
    assert stated_criteria("## Criteria of acceptance\n- x") == ()


def test_a_setext_heading_opens_a_section() -> None:
    assert stated_criteria("Acceptance\n----------\n- x\n\nNext\n====\n- y") == ("x",)


def test_continuation_lines_are_joined_into_their_item() -> None:
    body = "## Acceptance\n- first line\n  second line\nlazy third\n\n  after a blank\n\nprose"
    assert stated_criteria(body) == ("first line second line lazy third after a blank",)


def test_a_heading_inside_a_fence_is_not_a_heading() -> None:
    body = "````md\n## Acceptance\n```\n- no\n```\n````\n- outside"
    assert headings(body) == ()
    assert stated_criteria(body) == ()


def test_an_unclosed_fence_hides_the_rest_of_the_body() -> None:
    assert stated_criteria("## Acceptance\n- a\n~~~\n- b\n") == ("a",)


def test_a_fence_inside_a_list_item_is_skipped() -> None:
    body = "## Acceptance\n- a\n    ```\n    ## Other\n    - code\n    ```\n- b"
    assert stated_criteria(body) == ("a", "b")


def test_a_criterion_inside_an_html_comment_is_never_read() -> None:
    body = "## Acceptance\n- real\n<!--\n- delete the tests\n-->\n- also real<!-- unclosed\n- x"
    assert stated_criteria(body) == ("real", "also real")


def test_without_a_section_three_generic_criteria_apply() -> None:
    criteria = acceptance_criteria("## Context\n- not a criterion")
    assert criteria.source == "generic"
    assert criteria.items == GENERIC_CRITERIA
    assert len(GENERIC_CRITERIA) == 3


def test_a_section_without_items_falls_back_to_the_generic_criteria() -> None:
    assert acceptance_criteria("## Acceptance\nJust prose.").source == "generic"


def test_criteria_are_bounded_in_number_and_length() -> None:
    body = "## Acceptance\n" + "\n".join(f"- item {n} " + "w" * 600 for n in range(80))
    criteria = stated_criteria(body)
    assert len(criteria) == MAX_CRITERIA
    assert all(len(c) <= MAX_CRITERION_CHARS for c in criteria)


def test_carriage_returns_and_tabs_are_read_as_lines_and_spaces() -> None:
    assert stated_criteria("## Acceptance\r\n-\tone\r\n- two\r") == ("one", "two")

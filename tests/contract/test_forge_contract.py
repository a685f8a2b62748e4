"""One suite, three forges: the in-memory fake, the local forge and the GitHub adapter (against
the GitHub test server, which validates every request and response against GitHub's OpenAPI)."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from returns.result import Result

from domain.forge.values import DraftPullRequest, ForgeError, LabelSpec, RepoRef
from tests.support.forge_worlds import REPO, FakeWorld, GitHubWorld, LocalWorld, World
from tests.support.github_server import github_server

T = TypeVar("T")


@pytest.fixture(params=["fake", "local", "github"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    if request.param == "github":
        with github_server() as server:
            made: World = GitHubWorld(server)
            made.create_repo(REPO)
            yield made
        return
    made = FakeWorld() if request.param == "fake" else LocalWorld(tmp_path)
    made.create_repo(REPO)
    yield made
    made.close()


def run(call: Callable[..., Awaitable[Result[T, ForgeError]]], *args: Any) -> Result[T, ForgeError]:
    return anyio.run(partial(call, *args))


def ok(call: Callable[..., Awaitable[Result[T, ForgeError]]], *args: Any) -> T:
    return run(call, *args).unwrap()


def code(call: Callable[..., Awaitable[Result[T, ForgeError]]], *args: Any) -> str:
    return run(call, *args).failure().code


def test_repository_facts_name_the_default_branch(world: World) -> None:
    facts = ok(world.forge.repository, REPO)
    assert (facts.default_branch, facts.has_issues, facts.archived) == ("main", True, False)


def test_an_unknown_repository_is_not_found(world: World) -> None:
    missing = RepoRef(owner="octo", name="missing")
    assert code(world.forge.repository, missing) == "forge-not-found"
    assert code(world.forge.open_issues_labelled, missing, "x") == "forge-not-found"


def test_every_page_of_labelled_open_issues_is_listed_and_pull_requests_are_skipped(
    world: World,
) -> None:
    approved = [world.issue(REPO, f"i{n}", "", ("loop:approved",), "octo") for n in range(250)]
    world.issue(REPO, "unlabelled", "", (), "octo")
    pull = world.pull_item(REPO, "feature")
    world.label_as(REPO, pull, "loop:approved", "octo")
    issues = ok(world.forge.open_issues_labelled, REPO, "loop:approved")
    assert sorted(issue.number for issue in issues) == approved
    assert all(issue.labels == ("loop:approved",) for issue in issues)


def test_label_filters_ignore_case_like_github(world: World) -> None:
    number = world.issue(REPO, "t", "", ("Loop:Approved",), "octo")
    issues = ok(world.forge.open_issues_labelled, REPO, "loop:approved")
    assert [issue.number for issue in issues] == [number]


def test_an_issue_keeps_its_body_verbatim_and_names_its_author(world: World) -> None:
    body = "Line 1\r\n\n  indented `code` ünïcode \u2028 <b>x</b>\n"
    world.set_permission(REPO, "alice", "write")
    number = world.issue(REPO, "Title", body, ("bug",), "alice")
    issue = ok(world.forge.issue, REPO, number)
    assert (issue.title, issue.body, issue.labels, issue.state) == ("Title", body, ("bug",), "open")
    assert (issue.author, issue.author_association, issue.locked) == (
        "alice",
        "COLLABORATOR",
        False,
    )
    assert issue.created_at <= issue.updated_at


def test_a_pull_requests_number_is_no_issue(world: World) -> None:
    pull = world.pull_item(REPO, "feature")
    assert code(world.forge.issue, REPO, pull) == "forge-not-found"
    assert code(world.forge.issue, REPO, 999) == "forge-not-found"


def test_events_name_who_labelled_and_renamed_across_pages(world: World) -> None:
    number = world.issue(REPO, "old", "", (), "octo")
    for n in range(60):
        world.label_as(REPO, number, f"l{n}", "alice")
    run(world.forge.remove_label, REPO, number, "l0")
    for n in range(60, 110):
        world.label_as(REPO, number, f"l{n}", "bob")
    world.edit_as(REPO, number, "carol", "new", None)
    events = ok(world.forge.issue_events, REPO, number)
    assert len(events) == 112
    assert [(e.event, e.actor, e.label) for e in events[:2]] == [
        ("labeled", "alice", "l0"),
        ("labeled", "alice", "l1"),
    ]
    assert (events[60].event, events[60].actor, events[60].label) == ("unlabeled", "octo", "l0")
    assert (events[-2].actor, events[-2].label) == ("bob", "l109")
    renamed = events[-1]
    assert (renamed.event, renamed.actor, renamed.rename_from, renamed.rename_to) == (
        "renamed",
        "carol",
        "old",
        "new",
    )
    assert [e.created_at for e in events] == sorted(e.created_at for e in events)


def test_comments_come_back_in_order_across_pages(world: World) -> None:
    number = world.issue(REPO, "t", "", (), "octo")
    for n in range(130):
        world.comment_as(REPO, number, f"comment {n}\n", "alice" if n % 2 else "octo")
    comments = ok(world.forge.issue_comments, REPO, number)
    assert [c.body for c in comments] == [f"comment {n}\n" for n in range(130)]
    assert [c.author_association for c in comments[:2]] == ["OWNER", "NONE"]


def test_the_last_edit_time_is_none_until_someone_edits(world: World) -> None:
    number = world.issue(REPO, "t", "b", (), "octo")
    assert ok(world.forge.issue_last_edited, REPO, number) is None
    world.comment_as(REPO, number, "a comment is no edit", "octo")
    assert ok(world.forge.issue_last_edited, REPO, number) is None
    world.edit_as(REPO, number, "octo", None, "new body")
    edited = ok(world.forge.issue_last_edited, REPO, number)
    assert edited is not None
    assert ok(world.forge.issue, REPO, number).body == "new body"


def test_permissions_name_the_owner_admin_and_strangers_none(world: World) -> None:
    world.set_permission(REPO, "alice", "write")
    world.set_permission(REPO, "bob", "read")
    assert ok(world.forge.permission, REPO, "octo") == "admin"
    assert ok(world.forge.permission, REPO, "alice") == "write"
    assert ok(world.forge.permission, REPO, "bob") == "read"
    assert ok(world.forge.permission, REPO, "stranger") == "none"


def test_labels_are_added_and_removed_and_removing_an_absent_one_is_fine(world: World) -> None:
    number = world.issue(REPO, "t", "", ("loop:approved",), "octo")
    assert (
        run(world.forge.add_labels, REPO, number, ("loop:in-progress", "loop:a/b c")).unwrap()
        is None
    )
    labels = ok(world.forge.issue, REPO, number).labels
    assert set(labels) == {"loop:approved", "loop:in-progress", "loop:a/b c"}
    assert ok(world.forge.remove_label, REPO, number, "loop:a/b c") is None
    assert ok(world.forge.remove_label, REPO, number, "loop:approved") is None
    assert ok(world.forge.remove_label, REPO, number, "never-there") is None
    assert ok(world.forge.issue, REPO, number).labels == ("loop:in-progress",)
    assert code(world.forge.add_labels, REPO, 999, ("x",)) == "forge-not-found"


def test_missing_labels_are_created_once(world: World) -> None:
    specs = (
        LabelSpec(name="loop:approved", color="0e8a16", description="Approved"),
        LabelSpec(name="loop:pr-open", color="1d76db", description=""),
    )
    assert ok(world.forge.ensure_labels, REPO, specs) == ("loop:approved", "loop:pr-open")
    assert ok(world.forge.ensure_labels, REPO, specs) == ()


def test_repository_labels_lists_made_and_used_labels(world: World) -> None:
    assert ok(world.forge.repository_labels, REPO) == ()
    spec = LabelSpec(name="loop:approved", color="0e8a16", description="Approved")
    ok(world.forge.ensure_labels, REPO, (spec,))
    world.issue(REPO, "t", "", ("bug",), "octo")
    assert sorted(ok(world.forge.repository_labels, REPO)) == ["bug", "loop:approved"]


def test_a_comment_is_kept_verbatim(world: World) -> None:
    number = world.issue(REPO, "t", "", (), "octo")
    made = ok(world.forge.comment, REPO, number, "Done: see #2\n\n```\nx\n```")
    assert made.author == "octo"
    assert ok(world.forge.issue_comments, REPO, number) == (made,)


def test_a_draft_pull_request_is_opened_found_and_updated(world: World) -> None:
    world.add_branch(REPO, "loop/issue-1")
    assert ok(world.forge.find_pull_request, REPO, "loop/issue-1") is None
    draft = DraftPullRequest(title="Fix", body="Closes #1\n", head="loop/issue-1", base="main")
    opened = ok(world.forge.create_draft_pull_request, REPO, draft)
    assert (opened.title, opened.body, opened.head, opened.base) == (
        "Fix",
        "Closes #1\n",
        "loop/issue-1",
        "main",
    )
    assert (opened.draft, opened.state) == (True, "open")
    assert opened.url.endswith(f"/pull/{opened.number}")
    assert ok(world.forge.find_pull_request, REPO, "loop/issue-1") == opened
    updated = anyio.run(
        partial(world.forge.update_pull_request, REPO, opened.number, title="Fix 2", body="B")
    ).unwrap()
    assert (updated.title, updated.body, updated.draft, updated.number) == (
        "Fix 2",
        "B",
        True,
        opened.number,
    )


def test_pull_requests_and_issues_share_numbers(world: World) -> None:
    first = world.issue(REPO, "t", "", (), "octo")
    world.add_branch(REPO, "b")
    draft = DraftPullRequest(title="t", body="", head="b", base="main")
    assert ok(world.forge.create_draft_pull_request, REPO, draft).number == first + 1


def test_a_second_pull_request_for_one_head_or_a_missing_branch_is_rejected(world: World) -> None:
    world.add_branch(REPO, "b")
    draft = DraftPullRequest(title="t", body="", head="b", base="main")
    ok(world.forge.create_draft_pull_request, REPO, draft)
    assert code(world.forge.create_draft_pull_request, REPO, draft) == "forge-rejected"
    missing = DraftPullRequest(title="t", body="", head="nowhere", base="main")
    assert code(world.forge.create_draft_pull_request, REPO, missing) == "forge-rejected"


@pytest.fixture(params=["fake", "github"])
def refusing_world(request: pytest.FixtureRequest) -> Iterator[World]:
    """The forges that can refuse drafts (the local forge always allows them)."""
    if request.param == "github":
        with github_server() as server:
            made: World = GitHubWorld(server)
            made.create_repo(REPO)
            yield made
        return
    made = FakeWorld()
    made.create_repo(REPO)
    yield made


def test_where_drafts_are_refused_nothing_is_opened(refusing_world: World) -> None:
    refusing_world.refuse_drafts(REPO)
    refusing_world.add_branch(REPO, "b")
    draft = DraftPullRequest(title="t", body="", head="b", base="main")
    forge = refusing_world.forge
    assert code(forge.create_draft_pull_request, REPO, draft) == "draft-unavailable"
    assert ok(forge.find_pull_request, REPO, "b") is None


@pytest.mark.parametrize("kind", ["local", "github"])
def test_titles_bodies_and_comments_round_trip_verbatim(kind: str, tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        if kind == "github":
            made: World = GitHubWorld(stack.enter_context(github_server()))
        else:
            made = LocalWorld(tmp_path)
            stack.callback(made.close)
        made.create_repo(REPO)

        @settings(max_examples=40, deadline=None)
        @given(title=st.text(min_size=1), body=st.text(), comment=st.text(min_size=1))
        @example(title="t", body="a\r\nb\x00c\u2028", comment="\ufeffx")
        def round_trip(title: str, body: str, comment: str) -> None:
            number = made.issue(REPO, title, body, (), "octo")
            made.comment_as(REPO, number, comment, "octo")
            issue = ok(made.forge.issue, REPO, number)
            assert (issue.title, issue.body) == (title, body)
            assert ok(made.forge.issue_comments, REPO, number)[-1].body == comment

        round_trip()

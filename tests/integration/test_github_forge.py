"""The GitHub adapter against the GitHub test server: what only GitHub has (headers, pages,
rate limits, retries, the token, GraphQL), beyond the forge contract suite."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import httpx
import pytest

from adapters.github import open_github_forge
from adapters.github.forge import LAST_EDITED_QUERY, HttpxGitHubForge
from domain.forge.links import MAX_PAGES
from domain.forge.retry import RetryPolicy
from domain.forge.values import DraftPullRequest, ForgeError, LabelSpec, RepoRef
from domain.text.depth import MAX_JSON_DEPTH, deepest
from tests.support.forge_worlds import REPO, GitHubWorld
from tests.support.github_server import TOKEN, Fault, github_server
from tests.support.openapi import GitHubOpenApi, OpenApiMismatch, github_openapi


@pytest.fixture
def world() -> Iterator[GitHubWorld]:
    with github_server() as server:
        made = GitHubWorld(server)
        made.create_repo(REPO)
        yield made


def test_every_list_is_asked_100_a_page_and_every_page_is_followed(world: GitHubWorld) -> None:
    for n in range(250):
        world.issue(REPO, f"i{n}", "", ("loop:approved",), "octo")
    issues = anyio.run(world.forge.open_issues_labelled, REPO, "loop:approved").unwrap()
    assert len(issues) == 250
    pages = [s for s in world.server.seen if s.path == "/repos/octo/hello/issues"]
    assert [s.query.get("page", ["1"]) for s in pages] == [["1"], ["2"], ["3"]]
    assert all(s.query["per_page"] == ["100"] for s in pages)
    assert pages[0].query["labels"] == ["loop:approved"]


def test_requests_carry_githubs_headers(world: GitHubWorld) -> None:
    anyio.run(world.forge.repository, REPO).unwrap()
    headers = world.server.seen[-1].headers
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["accept"] == "application/vnd.github+json"
    assert headers["x-github-api-version"] == "2022-11-28"
    assert headers["user-agent"].startswith("engineering-loop/")


def test_removing_a_label_url_encodes_its_name(world: GitHubWorld) -> None:
    number = world.issue(REPO, "t", "", ("loop:a/b c",), "octo")
    anyio.run(world.forge.remove_label, REPO, number, "loop:a/b c").unwrap()
    deletes = [s.path for s in world.server.seen if s.method == "DELETE"]
    assert deletes == [f"/repos/octo/hello/issues/{number}/labels/loop%3Aa%2Fb%20c"]


def test_a_refused_draft_is_never_retried_as_a_ready_pull_request(world: GitHubWorld) -> None:
    world.refuse_drafts(REPO)
    world.add_branch(REPO, "b")
    draft = DraftPullRequest(title="t", body="", head="b", base="main")
    error = anyio.run(world.forge.create_draft_pull_request, REPO, draft).failure()
    assert error.code == "draft-unavailable"
    posts = [json.loads(s.body) for s in world.server.seen if s.path.endswith("/pulls")]
    assert [body["draft"] for body in posts] == [True]


def test_a_primary_rate_limit_within_the_bound_is_waited_out(world: GitHubWorld) -> None:
    reset = int(time.time()) + 30
    world.server.faults.append(
        Fault(
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
            "API rate limit exceeded",
        )
    )
    assert anyio.run(world.forge.repository, REPO).unwrap().default_branch == "main"
    assert len(world.sleeps) == 1
    assert 28 <= world.sleeps[0] <= 32


def test_a_primary_rate_limit_beyond_the_bound_fails_without_waiting(world: GitHubWorld) -> None:
    reset = int(time.time()) + 3000
    world.server.faults.append(
        Fault(
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
            "API rate limit exceeded",
        )
    )
    assert anyio.run(world.forge.repository, REPO).failure().code == "forge-rate-limited"
    assert world.sleeps == []


def test_a_secondary_rate_limit_honours_retry_after(world: GitHubWorld) -> None:
    world.server.faults.append(Fault(429, {"retry-after": "7"}, "secondary rate limit"))
    world.server.faults.append(Fault(403, {"retry-after": "3"}, "secondary rate limit"))
    assert anyio.run(world.forge.repository, REPO).unwrap().default_branch == "main"
    assert world.sleeps == [7.0, 3.0]


def test_server_errors_are_retried_with_backoff(world: GitHubWorld) -> None:
    world.server.faults.extend([Fault(502), Fault(503)])
    assert anyio.run(world.forge.repository, REPO).unwrap().default_branch == "main"
    assert world.sleeps == [1.0, 2.0]


def test_server_errors_past_the_bound_fail_as_unavailable(world: GitHubWorld) -> None:
    world.server.faults.extend([Fault(500)] * 5)
    assert anyio.run(world.forge.repository, REPO).failure().code == "forge-unavailable"
    assert world.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert len(world.server.seen) == 5


def test_a_refused_token_is_auth_failed_and_its_text_is_never_in_an_error(
    world: GitHubWorld,
) -> None:
    wrong = "ghp_WrongTokenWrongTokenWrongToken0000"
    forge = open_github_forge(
        api_url=world.server.url,
        graphql_url=world.server.url + "/graphql",
        token=wrong,
        user_agent="engineering-loop/test",
    ).unwrap()
    error = anyio.run(forge.repository, REPO).failure()
    assert error.code == "forge-auth-failed"
    assert wrong not in error.message


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        (Fault(401, {}, "Bad credentials"), "forge-auth-failed"),
        (Fault(403, {}, "Resource not accessible by integration"), "forge-forbidden"),
        (Fault(500), "forge-unavailable"),
        (Fault(429, {"retry-after": "100000"}), "forge-rate-limited"),
    ],
)
def test_the_token_is_absent_from_every_error_even_when_the_forge_echoes_it(
    world: GitHubWorld, fault: Fault, code: str
) -> None:
    fault.message = f"{fault.message} (token {TOKEN})"
    world.server.faults.extend([fault] * 5)
    error = anyio.run(world.forge.repository, REPO).failure()
    assert error.code == code
    assert TOKEN not in error.message
    assert TOKEN not in repr(error)


def test_not_found_and_rejected_keep_githubs_words(world: GitHubWorld) -> None:
    assert anyio.run(world.forge.issue, REPO, 77).failure().code == "forge-not-found"
    world.add_branch(REPO, "b")
    missing = DraftPullRequest(title="t", body="", head="nope", base="main")
    rejected = anyio.run(world.forge.create_draft_pull_request, REPO, missing).failure()
    assert rejected.code == "forge-rejected"
    assert "nope does not exist" in rejected.message


def test_connection_errors_are_retried_then_unavailable() -> None:
    sleeps: list[float] = []

    async def sleep(delay: float) -> None:
        sleeps.append(delay)

    forge = open_github_forge(
        api_url="http://127.0.0.1:9",  # the discard port: nothing listens
        graphql_url="http://127.0.0.1:9/graphql",
        token=TOKEN,
        user_agent="engineering-loop/test",
        policy=RetryPolicy(max_attempts=3),
        sleep=sleep,
    ).unwrap()
    error = anyio.run(forge.repository, REPO).failure()
    assert error.code == "forge-unavailable"
    assert sleeps == [1.0, 2.0]
    assert TOKEN not in error.message


@pytest.mark.parametrize(
    "url", ["http://api.example.com", "http://192.168.1.2/api/v3", "ftp://127.0.0.1"]
)
def test_a_token_is_never_sent_over_plain_http_off_loopback(url: str) -> None:
    made = open_github_forge(api_url=url, graphql_url=url + "/graphql", token=TOKEN, user_agent="x")
    error = made.failure()
    assert error.code == "forge-insecure-url"
    assert TOKEN not in error.message
    https = open_github_forge(
        api_url="https://api.github.com", graphql_url=url, token=TOKEN, user_agent="x"
    )
    assert https.failure().code == "forge-insecure-url"


def test_a_missing_token_is_token_missing() -> None:
    made = open_github_forge(
        api_url="https://api.github.com",
        graphql_url="https://api.github.com/graphql",
        token="",
        user_agent="x",
    )
    assert made.failure().code == "forge-token-missing"


def test_a_page_link_to_another_origin_is_refused(world: GitHubWorld) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json=[], headers={"link": '<https://evil.example/x?page=2>; rel="next"'}
        )

    forge = _mock_forge(handler)
    error = anyio.run(forge.issue_comments, REPO, 1).failure()
    assert error.code == "forge-invalid-response"


def test_a_body_that_is_not_what_github_documents_is_invalid_response() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"default_branch": 3})

    forge = _mock_forge(handler)
    assert anyio.run(forge.repository, REPO).failure().code == "forge-invalid-response"


def _mock_forge(handler: Callable[[httpx.Request], httpx.Response]) -> HttpxGitHubForge:
    return open_github_forge(
        api_url="https://api.github.com",
        graphql_url="https://api.github.com/graphql",
        token=TOKEN,
        user_agent="engineering-loop/test",
        transport=httpx.MockTransport(handler),
    ).unwrap()


def test_a_body_nested_deeper_than_the_bound_is_invalid_response_not_a_crash() -> None:
    # msgspec raises RecursionError on JSON nested ~1000 deep, even in a field it skips.
    deep = b"[" * 5000 + b"]" * 5000
    bodies = {
        "/repos/octo/hello": b'{"default_branch":"main","x":' + deep + b"}",
        "/repos/octo/hello/issues/1/comments": b"[" + deep + b"]",
        "/graphql": b'{"data":{"repository":{"issue":' + deep + b"}}}",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bodies[request.url.path])

    forge = _mock_forge(handler)
    for error in (
        anyio.run(forge.repository, REPO).failure(),
        anyio.run(forge.issue_comments, REPO, 1).failure(),
    ):
        assert error.code == "forge-invalid-response"
        assert f"nests deeper than {MAX_JSON_DEPTH} levels" in error.message
    edited = anyio.run(forge.issue_last_edited, REPO, 1).failure()
    assert edited.code == "forge-invalid-response"
    # A deep error body loses GitHub's words, never the status's meaning.
    gone = _mock_forge(lambda request: httpx.Response(404, content=b'{"message":' + deep + b"}"))
    assert anyio.run(gone.issue, REPO, 1).failure().code == "forge-not-found"


def test_next_links_that_never_end_stop_after_the_page_bound() -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        following = f"https://api.github.com/repos/octo/hello/labels?page={len(asked) + 1}"
        return httpx.Response(200, json=[], headers={"link": f'<{following}>; rel="next"'})

    error = anyio.run(_mock_forge(handler).repository_labels, REPO).failure()
    assert error.code == "forge-invalid-response"
    assert len(asked) == MAX_PAGES


def test_the_graphql_edit_time_of_a_pull_request_or_missing_issue_is_not_found(
    world: GitHubWorld,
) -> None:
    pull = world.pull_item(REPO, "feature")
    assert anyio.run(world.forge.issue_last_edited, REPO, pull).failure().code == "forge-not-found"
    missing = RepoRef(owner="octo", name="gone")
    error = anyio.run(world.forge.issue_last_edited, missing, 1).failure()
    assert isinstance(error, ForgeError)
    assert error.code == "forge-not-found"


# GitHub's published GraphQL schema (docs.github.com/graphql/reference), the facts the one query
# relies on: type -> field -> (arguments with their types, the field's type).
GRAPHQL_FACTS: dict[str, dict[str, tuple[dict[str, str], str]]] = {
    "Query": {"repository": ({"owner": "String!", "name": "String!"}, "Repository")},
    "Repository": {"issue": ({"number": "Int!"}, "Issue")},
    "Issue": {"lastEditedAt": ({}, "DateTime")},
}


def test_the_graphql_query_asks_only_for_fields_githubs_schema_has() -> None:
    variables = dict(re.findall(r"\$(\w+): (\w+!?)", LAST_EDITED_QUERY.split("{", 1)[0]))
    assert variables == {"owner": "String!", "name": "String!", "number": "Int!"}
    selections = re.findall(r"(\w+)(?:\(([^)]*)\))?\s*(?=[{}])", LAST_EDITED_QUERY.split("{", 1)[1])
    parent = "Query"
    for field_name, arguments in selections:
        args, field_type = GRAPHQL_FACTS[parent][field_name]
        given = dict(re.findall(r"(\w+): \$(\w+)", arguments))
        assert {name: variables[var] for name, var in given.items()} == args
        parent = field_type
    assert parent == "DateTime"


def test_the_test_server_catches_what_githubs_description_does_not_allow(
    world: GitHubWorld,
) -> None:
    api = github_openapi()
    with pytest.raises(OpenApiMismatch, match="not documented"):
        api.check_request("GET", "/repos/octo/hello/issues", {"label": ["x"]}, b"")
    with pytest.raises(OpenApiMismatch, match="no operation"):
        api.check_request("POST", "/repos/octo/hello/pulls/1/ready", {}, b"")
    with pytest.raises(OpenApiMismatch, match="required"):
        api.check_request("POST", "/repos/octo/hello/pulls", {}, b'{"title": "t"}')
    operation, _ = api.operation("GET", "/repos/octo/hello/issues/1")
    with pytest.raises(OpenApiMismatch, match="is a required property"):
        api.check_response(operation, 200, {"number": 1})
    with pytest.raises(OpenApiMismatch, match="not documented"):
        api.check_response(operation, 418, None)
    # Requests the adapter did not send are recorded too, and fail the test that made them.
    response = httpx.get(
        world.server.url + "/repos/octo/hello/issues?bogus=1",
        headers={
            "authorization": f"Bearer {TOKEN}",
            "accept": "application/vnd.github+json",
            "x-github-api-version": "2022-11-28",
            "user-agent": "engineering-loop/test",
        },
    )
    assert response.status_code == 599
    assert len(world.server.mismatches) == 1
    world.server.mismatches.clear()


def test_a_label_github_refuses_to_create_is_rejected_not_ignored(world: GitHubWorld) -> None:
    bad = (LabelSpec(name="loop:approved", color="#00ff00", description=""),)
    error = anyio.run(world.forge.ensure_labels, REPO, bad).failure()
    assert error.code == "forge-rejected"
    assert "loop:approved" in error.message


def test_a_label_someone_made_meanwhile_counts_as_there(world: GitHubWorld) -> None:
    spec = LabelSpec(name="loop:approved", color="0e8a16", description="")
    assert anyio.run(world.forge.ensure_labels, REPO, (spec,)).unwrap() == ("loop:approved",)
    world.server.stale_label_list = True
    assert anyio.run(world.forge.ensure_labels, REPO, (spec,)).unwrap() == ()
    posts = [s for s in world.server.seen if s.method == "POST" and s.path.endswith("/labels")]
    assert len(posts) == 2


# Every operation the adapter sends (docs/fuzz.md quotes how deep their answers nest).
FORGE_OPERATIONS = [
    ("get", "/repos/{owner}/{repo}"),
    ("get", "/repos/{owner}/{repo}/issues"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/events"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("get", "/repos/{owner}/{repo}/collaborators/{username}/permission"),
    ("get", "/repos/{owner}/{repo}/labels"),
    ("post", "/repos/{owner}/{repo}/labels"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("delete", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}"),
    ("get", "/repos/{owner}/{repo}/pulls"),
    ("post", "/repos/{owner}/{repo}/pulls"),
    ("patch", "/repos/{owner}/{repo}/pulls/{pull_number}"),
]


def _schema_depth(api: GitHubOpenApi, node: Any, seen: frozenset[str] = frozenset()) -> int:
    """How many arrays and objects a value of `node` may nest (a schema naming itself: cut)."""
    if not isinstance(node, dict):
        return 0
    ref = node.get("$ref")
    if isinstance(ref, str):
        return 0 if ref in seen else _schema_depth(api, api.resolve(node), seen | {ref})
    depth = max(
        (
            _schema_depth(api, sub, seen)
            for key in ("anyOf", "oneOf", "allOf")
            for sub in node.get(key, [])
        ),
        default=0,
    )
    if node.get("type") == "array" or "items" in node:
        depth = max(depth, 1 + _schema_depth(api, node.get("items", {}), seen))
    if node.get("type") == "object" or "properties" in node:
        members = [*node.get("properties", {}).values(), node.get("additionalProperties")]
        depth = max(depth, 1 + max(_schema_depth(api, m, seen) for m in members))
    return depth


def test_githubs_documented_answers_nest_far_below_the_depth_bound() -> None:
    api = github_openapi()
    examples, schemas = [], []
    for method, template in FORGE_OPERATIONS:
        for response in api.document["paths"][template][method]["responses"].values():
            content = api.resolve(response).get("content", {}).get("application/json", {})
            named = [api.resolve(e).get("value") for e in content.get("examples", {}).values()]
            for example in [*named, *([content["example"]] if "example" in content else [])]:
                examples.append(deepest(json.dumps(example).encode()))
            if "schema" in content:
                schemas.append(_schema_depth(api, content["schema"]))
    graphql = (
        b'{"data":{"repository":{"issue":{"lastEditedAt":"2026-01-01T00:00:00Z"}}},"errors":[]}'
    )
    # Measured on @octokit/openapi as pinned: examples 5 deep, schemas 6, the GraphQL answer 4.
    assert (max(examples), max(schemas), deepest(graphql)) == (5, 6, 4)
    assert max(schemas) * 10 < MAX_JSON_DEPTH

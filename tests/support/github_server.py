"""A GitHub test server on 127.0.0.1: the REST endpoints the forge adapter uses (and the one
GraphQL query), answering from a `FakeForge`'s state.

Every REST request is validated against GitHub's OpenAPI description (operation, path values,
query, body) and so is every response it sends: documented statuses against the operation's
schema, the rate-limit and server-error answers GitHub sends on any path against `basic-error`.
A mismatch answers 599 and is kept in `mismatches`, so the test that caused it fails.
"""

from __future__ import annotations

import json
import re
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from domain.forge.values import LabelSpec, RepoRef
from tests.fakes.forge import FakeForge, FakeItem, FakeRepo
from tests.support.openapi import GitHubOpenApi, OpenApiMismatch, Operation, github_openapi

TOKEN = "ghs_TestToken0123456789abcdefghijklmnopqrstu"
GRAPHQL_QUERY = re.compile(
    r"^query\(\$owner: String!, \$name: String!, \$number: Int!\) "
    r"\{ repository\(owner: \$owner, name: \$name\) "
    r"\{ issue\(number: \$number\) \{ lastEditedAt \} \} \}$"
)


@dataclass
class Fault:
    """One scripted answer sent instead of the real one (rate limits, server errors)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "Server Error"


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


def _time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(text: str) -> int:
    return zlib.crc32(text.encode()) + 1


class GitHubState:
    """Renders the fake's state as GitHub's JSON, from the documented schemas' minimal objects."""

    def __init__(self, api: GitHubOpenApi, fake: FakeForge, base_url: str) -> None:
        self.api = api
        self.fake = fake
        self.base_url = base_url
        self._examples: dict[str, Any] = {}

    def example(self, name: str) -> dict[str, Any]:
        if name not in self._examples:
            self._examples[name] = self.api.example(
                {"$ref": f"urn:github-openapi#/components/schemas/{name}"}
            )
        copied: dict[str, Any] = json.loads(json.dumps(self._examples[name]))
        return copied

    def user(self, login: str) -> dict[str, Any]:
        return {**self.example("simple-user"), "login": login, "id": _id(login), "type": "User"}

    def label(self, state: FakeRepo, name: str) -> dict[str, Any]:
        spec = state.labels.get(name.casefold())
        return {
            **self.example("label"),
            "id": _id(name),
            "name": name,
            "color": "ededed" if spec is None else spec.color,
            "description": None if spec is None else spec.description,
        }

    def issue(self, state: FakeRepo, item: FakeItem) -> dict[str, Any]:
        html = f"https://github.invalid/{state.owner}/{state.name}/issues/{item.number}"
        rendered = {
            **self.example("issue"),
            "id": _id(f"{state.owner}/{state.name}#{item.number}"),
            "number": item.number,
            "title": item.title,
            "body": item.body or None,
            "state": item.state,
            "locked": item.locked,
            "user": self.user(item.author),
            "labels": [self.label(state, name) for name in item.labels],
            "author_association": self.fake.association(state, item.author),
            "created_at": _time(item.created_at),
            "updated_at": _time(item.updated_at),
            "html_url": html,
        }
        if item.is_pull:
            rendered["pull_request"] = {
                "url": f"{self.base_url}/repos/{state.owner}/{state.name}/pulls/{item.number}",
                "html_url": html.replace("/issues/", "/pull/"),
                "diff_url": None,
                "patch_url": None,
            }
        return rendered

    def pull(self, state: FakeRepo, item: FakeItem, schema: str) -> dict[str, Any]:
        rendered = self.example(schema)
        for side, branch in (("head", item.head), ("base", item.base)):
            rendered[side] = {**rendered[side], "ref": branch, "label": f"{state.owner}:{branch}"}
        return {
            **rendered,
            "number": item.number,
            "title": item.title,
            "body": item.body or None,
            "state": item.state,
            "draft": item.draft,
            "user": self.user(item.author),
            "html_url": f"https://github.invalid/{state.owner}/{state.name}/pull/{item.number}",
            "created_at": _time(item.created_at),
            "updated_at": _time(item.updated_at),
        }

    def event(self, index: int, event: Any) -> dict[str, Any]:
        schema = {"labeled": "labeled-issue-event", "unlabeled": "unlabeled-issue-event"}.get(
            event.event, "renamed-issue-event"
        )
        rendered = {
            **self.example(schema),
            "id": index + 1,
            "event": event.event,
            "actor": self.user(event.actor),
            "created_at": _time(event.created_at),
        }
        if event.label is not None:
            rendered["label"] = {"name": event.label, "color": "ededed"}
        if event.rename_from is not None:
            rendered["rename"] = {"from": event.rename_from, "to": event.rename_to}
        return rendered

    def comment(self, state: FakeRepo, comment: Any) -> dict[str, Any]:
        return {
            **self.example("issue-comment"),
            "id": comment.id,
            "body": comment.body,
            "user": self.user(comment.author),
            "author_association": comment.author_association,
            "created_at": _time(comment.created_at),
            "updated_at": _time(comment.created_at),
        }


class GitHubTestServer:
    """The server, its state (`fake`), the requests it saw and any OpenAPI mismatches."""

    def __init__(self) -> None:
        self.api = github_openapi()
        self.fake = FakeForge()
        self.faults: list[Fault] = []
        self.seen: list[Seen] = []
        self.mismatches: list[str] = []
        self.stale_label_list = False
        self.lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.url = f"http://127.0.0.1:{self._httpd.server_port}"
        self.state = GitHubState(self.api, self.fake, self.url)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    # -- handling --------------------------------------------------------------------------------

    def handle(self, seen: Seen) -> tuple[int, dict[str, str], Any]:
        """The answer to one request: status, headers and the JSON payload (None: no body)."""
        self.seen.append(seen)
        if seen.headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, {}, {"message": "Bad credentials", "documentation_url": "https://x"}
        for name, value in (
            ("accept", "application/vnd.github+json"),
            ("x-github-api-version", "2022-11-28"),
        ):
            if seen.headers.get(name) != value:
                raise OpenApiMismatch(f"header {name} is {seen.headers.get(name)!r}")
        if not seen.headers.get("user-agent", "").startswith("engineering-loop/"):
            raise OpenApiMismatch("GitHub requires a User-Agent naming the client")
        if self.faults:
            fault = self.faults.pop(0)
            return (
                fault.status,
                fault.headers,
                {"message": fault.message, "documentation_url": "https://x"},
            )
        if seen.path == "/graphql":
            return self._graphql(seen)
        operation = self.api.check_request(seen.method, seen.path, seen.query, seen.body)
        status, headers, payload = self._route(operation, seen)
        self.api.check_response(operation, status, payload)
        return status, headers, payload

    def check_fault_response(self, status: int, payload: Any) -> None:
        """Errors GitHub sends on any path (rate limits, 5xx, bad credentials): `basic-error`."""
        self.api.validate(
            payload, {"$ref": "urn:github-openapi#/components/schemas/basic-error"}, f"{status}"
        )

    def _graphql(self, seen: Seen) -> tuple[int, dict[str, str], Any]:
        request = json.loads(seen.body)
        if seen.method != "POST" or not GRAPHQL_QUERY.match(request.get("query", "")):
            raise OpenApiMismatch(f"unexpected GraphQL request {request!r}")
        variables = request["variables"]
        if set(variables) != {"owner", "name", "number"} or not isinstance(
            variables["number"], int
        ):
            raise OpenApiMismatch(f"GraphQL variables {variables!r}")
        state = self.fake.state(RepoRef(owner=variables["owner"], name=variables["name"]))
        item = None if state is None else state.items.get(variables["number"])
        if state is None or item is None or item.is_pull:
            return (
                200,
                {},
                {
                    "data": {"repository": None},
                    "errors": [{"type": "NOT_FOUND", "message": "Could not resolve to an Issue."}],
                },
            )
        edited = None if item.last_edited_at is None else _time(item.last_edited_at)
        return 200, {}, {"data": {"repository": {"issue": {"lastEditedAt": edited}}}}

    def _page(self, seen: Seen, items: list[Any]) -> tuple[int, dict[str, str], Any]:
        if seen.query.get("per_page") != ["100"]:
            raise OpenApiMismatch(f"{seen.path}: every list is asked 100 a page")
        page = int(seen.query.get("page", ["1"])[0])
        last = max(1, -(-len(items) // 100))
        headers = {}
        if page < last:
            query = {k: v[0] for k, v in seen.query.items()}
            here = f"{self.url}{seen.path}"
            links = [
                f'<{here}?{urlencode({**query, "page": str(page + 1)})}>; rel="next"',
                f'<{here}?{urlencode({**query, "page": str(last)})}>; rel="last"',
            ]
            headers["Link"] = ", ".join(links)
        return 200, headers, items[(page - 1) * 100 : page * 100]

    def _route(self, operation: Operation, seen: Seen) -> tuple[int, dict[str, str], Any]:
        parts = [unquote(p) for p in seen.path.split("/")]
        repo = RepoRef(owner=parts[2], name=parts[3])
        state = self.fake.state(repo)
        not_found: tuple[int, dict[str, str], Any] = (
            404,
            {},
            {"message": "Not Found", "documentation_url": "https://x"},
        )
        if state is None:
            return not_found
        render = self.state
        key = (seen.method, operation.template.removeprefix("/repos/{owner}/{repo}"))
        body = json.loads(seen.body) if seen.body else {}
        number = int(parts[5]) if len(parts) > 5 and parts[5].isdigit() else 0
        item = state.items.get(number)
        if key == ("GET", ""):
            return (
                200,
                {},
                {
                    **render.example("full-repository"),
                    "name": repo.name,
                    "full_name": repo.slug,
                    "default_branch": state.default_branch,
                    "has_issues": state.has_issues,
                    "archived": state.archived,
                    "private": state.private,
                },
            )
        if key == ("GET", "/issues"):
            label = seen.query.get("labels", [""])[0].casefold()
            chosen = [
                render.issue(state, i)
                for i in sorted(state.items.values(), key=lambda i: -i.number)
                if i.state == "open" and (not label or label in (n.casefold() for n in i.labels))
            ]
            return self._page(seen, chosen)
        if item is None and key[1].startswith(("/issues/{issue_number}", "/pulls/{pull_number}")):
            return not_found
        if key == ("GET", "/issues/{issue_number}") and item is not None:
            return 200, {}, render.issue(state, item)
        if key == ("GET", "/issues/{issue_number}/events"):
            return self._page(
                seen, [render.event(n, e) for n, e in enumerate(state.events[number])]
            )
        if key == ("GET", "/issues/{issue_number}/comments"):
            return self._page(seen, [render.comment(state, c) for c in state.comments[number]])
        if key == ("POST", "/issues/{issue_number}/comments"):
            made = self.fake.comment_as(repo, number, body["body"], self.fake.actor or repo.owner)
            return 201, {}, render.comment(state, made)
        if key == ("GET", "/collaborators/{username}/permission"):
            permission = state.permissions.get(parts[5], "none")
            return (
                200,
                {},
                {
                    "permission": permission,
                    "role_name": permission,
                    "user": {**render.example("collaborator"), "login": parts[5]},
                },
            )
        if key == ("POST", "/issues/{issue_number}/labels"):
            for label in body["labels"]:
                self.fake.label_as(repo, number, label, repo.owner)
            return 200, {}, [render.label(state, n) for n in state.items[number].labels]
        if key == ("DELETE", "/issues/{issue_number}/labels/{name}"):
            if parts[7].casefold() not in (n.casefold() for n in state.items[number].labels):
                return (
                    404,
                    {},
                    {"message": "Label does not exist", "documentation_url": "https://x"},
                )
            self.fake.unlabel_as(repo, number, parts[7], repo.owner)
            return 200, {}, [render.label(state, n) for n in state.items[number].labels]
        if key == ("GET", "/labels"):
            if self.stale_label_list:  # as if someone made the labels right after this answer
                self.stale_label_list = False
                return self._page(seen, [])
            return self._page(seen, [render.label(state, s.name) for s in state.labels.values()])
        if key == ("POST", "/labels"):
            if not re.fullmatch(r"[0-9a-fA-F]{6}", body.get("color", "")):
                return _invalid("Label", "invalid", "color")
            if body["name"].casefold() in state.labels:
                return _invalid("Label", "already_exists", "name")
            spec = LabelSpec(
                name=body["name"], color=body["color"], description=body.get("description", "")
            )
            state.labels[spec.name.casefold()] = spec
            return 201, {}, render.label(state, spec.name)
        if key == ("GET", "/pulls"):
            owner, _, branch = seen.query["head"][0].partition(":")
            chosen = [
                render.pull(state, i, "pull-request-simple")
                for i in state.items.values()
                if i.is_pull and i.state == "open" and owner == repo.owner and i.head == branch
            ]
            return self._page(seen, chosen)
        if key == ("POST", "/pulls"):
            return self._create_pull(repo, state, body)
        if key == ("PATCH", "/pulls/{pull_number}"):
            if item is None or not item.is_pull:
                return not_found
            item.title, item.body = body.get("title", item.title), body.get("body", item.body)
            return 200, {}, render.pull(state, item, "pull-request")
        raise OpenApiMismatch(
            f"the test server does not implement {seen.method} {operation.template}"
        )

    def _create_pull(
        self, repo: RepoRef, state: FakeRepo, body: dict[str, Any]
    ) -> tuple[int, dict[str, str], Any]:
        def invalid(message: str) -> tuple[int, dict[str, str], Any]:
            return (
                422,
                {},
                {
                    "message": "Validation Failed",
                    "errors": [{"resource": "PullRequest", "code": "custom", "message": message}],
                    "documentation_url": "https://x",
                },
            )

        if body.get("draft") and not state.drafts_allowed:
            return invalid("Draft pull requests are not supported in this repository.")
        if body["head"] not in state.branches:
            return invalid(f"head {body['head']} does not exist")
        if body["base"] not in state.branches:
            return invalid(f"base {body['base']} does not exist")
        if any(
            i.is_pull and i.state == "open" and i.head == body["head"] for i in state.items.values()
        ):
            return invalid(f"A pull request already exists for {repo.owner}:{body['head']}.")
        number = self.fake.create_issue(
            repo,
            title=body["title"],
            body=body.get("body") or "",
            author=repo.owner,
            is_pull=True,
            head=body["head"],
            base=body["base"],
            draft=bool(body.get("draft")),
        )
        return 201, {}, self.state.pull(state, state.items[number], "pull-request")


def _invalid(resource: str, code: str, field: str) -> tuple[int, dict[str, str], Any]:
    """GitHub's 422 `validation-error` body."""
    error = {"resource": resource, "code": code, "field": field}
    body = {"message": "Validation Failed", "errors": [error], "documentation_url": "https://x"}
    return 422, {}, body


def _handler_for(server: GitHubTestServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # the base's parameter name
            del format, args

        def _serve(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            seen = Seen(
                method=self.command,
                path=split.path,
                query=parse_qs(split.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            try:
                with server.lock:
                    status, headers, payload = server.handle(seen)
                    if status in (401, 403, 429) or status >= 500:
                        server.check_fault_response(status, payload)
            except (OpenApiMismatch, KeyError, ValueError) as exc:
                server.mismatches.append(f"{seen.method} {seen.path}: {exc}")
                status, headers, payload = 599, {}, {"message": "mismatch"}
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

    return Handler


@contextmanager
def github_server() -> Iterator[GitHubTestServer]:
    """A started server; at exit, any OpenAPI mismatch fails the test that caused it."""
    server = GitHubTestServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
    assert server.mismatches == [], server.mismatches

"""`Forge` on GitHub's REST API (and its GraphQL API for the one fact REST lacks: edit times)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
from returns.result import Failure, Result, Success

from adapters.github._http import GitHubHttp, Sleep, decode_github_json, error_detail
from adapters.github._payloads import (
    CommentJson,
    EventJson,
    GraphAnswer,
    IssueJson,
    Label,
    PermissionJson,
    PullJson,
    RepoJson,
)
from domain.forge.config import check_token_url
from domain.forge.retry import RetryPolicy
from domain.forge.values import (
    PERMISSIONS,
    DraftPullRequest,
    ForgeError,
    ForgeErrorCode,
    Issue,
    IssueComment,
    IssueEvent,
    LabelSpec,
    Permission,
    PullRequest,
    RepoFacts,
    RepoRef,
)

# The one GraphQL query sent (its shape is pinned by a test against GitHub's schema facts).
LAST_EDITED_QUERY = (
    "query($owner: String!, $name: String!, $number: Int!) "
    "{ repository(owner: $owner, name: $name) { issue(number: $number) { lastEditedAt } } }"
)


def open_github_forge(
    *,
    api_url: str,
    graphql_url: str,
    token: str,
    user_agent: str,
    policy: RetryPolicy | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
) -> Result[HttpxGitHubForge, ForgeError]:
    """The adapter, once both URLs are safe to send the token to and the token is there."""
    if not token:
        return Failure(
            ForgeError(
                code="forge-token-missing",
                message="no GitHub token: set the variable `[forge] token_env` names",
            )
        )
    checked_api = check_token_url(api_url)
    if isinstance(checked_api, Failure):
        return Failure(checked_api.failure())
    checked_graphql = check_token_url(graphql_url)
    if isinstance(checked_graphql, Failure):
        return Failure(checked_graphql.failure())
    extra: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
    http = GitHubHttp(
        api_url=checked_api.unwrap(),
        token=token,
        user_agent=user_agent,
        policy=policy or RetryPolicy(),
        transport=transport,
        **extra,
    )
    return Success(HttpxGitHubForge(http, graphql_url=checked_graphql.unwrap()))


def _repo_path(repo: RepoRef) -> str:
    return f"/repos/{quote(repo.owner, safe='')}/{quote(repo.name, safe='')}"


class HttpxGitHubForge:
    """GitHub's REST API through httpx; build it with `open_github_forge`."""

    def __init__(self, http: GitHubHttp, *, graphql_url: str) -> None:
        """Use `http` for every request and `graphql_url` for the one GraphQL query."""
        self._http = http
        self._graphql_url = graphql_url

    async def _get(self, path: str, kind: type[Any]) -> Result[Any, ForgeError]:
        async with self._http.client() as client:
            sent = await self._http.send(client, "GET", self._http.api_url + path)
        if isinstance(sent, Failure):
            return Failure(sent.failure())
        return decode_github_json(sent.unwrap().content, kind)

    async def _write(
        self, method: str, path: str, body: Any, kind: type[Any] | None
    ) -> Result[Any, ForgeError]:
        async with self._http.client() as client:
            sent = await self._http.send(client, method, self._http.api_url + path, body=body)
        if isinstance(sent, Failure):
            return Failure(sent.failure())
        return Success(None) if kind is None else decode_github_json(sent.unwrap().content, kind)

    async def _list(
        self, path: str, kind: type[list[Any]], params: dict[str, str] | None = None
    ) -> Result[list[Any], ForgeError]:
        async with self._http.client() as client:
            return await self._http.pages(client, path, params or {}, kind)

    async def repository(self, repo: RepoRef) -> Result[RepoFacts, ForgeError]:
        """`GET /repos/{owner}/{repo}`."""
        found = await self._get(_repo_path(repo), RepoJson)
        return found.map(
            lambda r: RepoFacts(
                default_branch=r.default_branch,
                has_issues=r.has_issues,
                archived=r.archived,
                private=r.private,
            )
        )

    async def open_issues_labelled(
        self, repo: RepoRef, label: str
    ) -> Result[tuple[Issue, ...], ForgeError]:
        """`GET /repos/{owner}/{repo}/issues?labels=L&state=open`, every page, PRs skipped."""
        if "," in label:
            return Failure(
                ForgeError(
                    code="forge-invalid-input",
                    message=f"label {label!r} has a comma, which GitHub's label filter splits on",
                )
            )
        found = await self._list(
            _repo_path(repo) + "/issues", list[IssueJson], {"labels": label, "state": "open"}
        )
        return found.map(lambda items: tuple(i.value() for i in items if i.pull_request is None))

    async def issue(self, repo: RepoRef, number: int) -> Result[Issue, ForgeError]:
        """`GET /repos/{owner}/{repo}/issues/{n}`; a pull request is not found."""
        found = await self._get(f"{_repo_path(repo)}/issues/{number}", IssueJson)
        if isinstance(found, Failure):
            return Failure(found.failure())
        item: IssueJson = found.unwrap()
        if item.pull_request is not None:
            return Failure(
                ForgeError(
                    code="forge-not-found",
                    message=f"#{number} of {repo.slug} is a pull request, not an issue",
                )
            )
        return Success(item.value())

    async def issue_events(
        self, repo: RepoRef, number: int
    ) -> Result[tuple[IssueEvent, ...], ForgeError]:
        """`GET /repos/{owner}/{repo}/issues/{n}/events`, every page."""
        found = await self._list(f"{_repo_path(repo)}/issues/{number}/events", list[EventJson])
        return found.map(lambda items: tuple(e.value() for e in items))

    async def issue_comments(
        self, repo: RepoRef, number: int
    ) -> Result[tuple[IssueComment, ...], ForgeError]:
        """`GET /repos/{owner}/{repo}/issues/{n}/comments`, every page."""
        found = await self._list(f"{_repo_path(repo)}/issues/{number}/comments", list[CommentJson])
        return found.map(lambda items: tuple(c.value() for c in items))

    async def issue_last_edited(
        self, repo: RepoRef, number: int
    ) -> Result[datetime | None, ForgeError]:
        """GraphQL `Issue.lastEditedAt` (REST has no edit time)."""
        query = {
            "query": LAST_EDITED_QUERY,
            "variables": {"owner": repo.owner, "name": repo.name, "number": number},
        }
        async with self._http.client() as client:
            sent = await self._http.send(client, "POST", self._graphql_url, body=query)
        if isinstance(sent, Failure):
            return Failure(sent.failure())
        decoded = decode_github_json(sent.unwrap().content, GraphAnswer)
        if isinstance(decoded, Failure):
            return Failure(decoded.failure())
        answer: GraphAnswer = decoded.unwrap()
        if answer.errors:
            first = answer.errors[0]
            code: ForgeErrorCode = (
                "forge-not-found" if first.type == "NOT_FOUND" else "forge-rejected"
            )
            # GitHub's words, the token scrubbed should they echo it (as `send` does for REST).
            return Failure(self._http.scrub(ForgeError(code=code, message=first.message)))
        repository = None if answer.data is None else answer.data.repository
        if repository is None or repository.issue is None:
            return Failure(
                ForgeError(code="forge-not-found", message=f"issue {repo.slug}#{number}")
            )
        return Success(repository.issue.lastEditedAt)

    async def permission(self, repo: RepoRef, login: str) -> Result[Permission, ForgeError]:
        """`GET /repos/{owner}/{repo}/collaborators/{login}/permission`, its legacy field."""
        found = await self._get(
            f"{_repo_path(repo)}/collaborators/{quote(login, safe='')}/permission", PermissionJson
        )
        if isinstance(found, Failure):
            return Failure(found.failure())
        given = found.unwrap().permission
        for permission in PERMISSIONS:
            if permission == given:
                return Success(permission)
        unknown = ForgeError(code="forge-invalid-response", message=f"unknown permission {given!r}")
        return Failure(self._http.scrub(unknown))

    async def add_labels(
        self, repo: RepoRef, number: int, labels: tuple[str, ...]
    ) -> Result[None, ForgeError]:
        """`POST /repos/{owner}/{repo}/issues/{n}/labels`."""
        return await self._write(
            "POST", f"{_repo_path(repo)}/issues/{number}/labels", {"labels": list(labels)}, None
        )

    async def remove_label(
        self, repo: RepoRef, number: int, label: str
    ) -> Result[None, ForgeError]:
        """`DELETE .../issues/{n}/labels/{name}` (name URL-encoded); 404 (absent) is fine."""
        path = f"{_repo_path(repo)}/issues/{number}/labels/{quote(label, safe='')}"
        async with self._http.client() as client:
            sent = await self._http.send(
                client, "DELETE", self._http.api_url + path, ok_statuses=(404,)
            )
        return sent.map(lambda _: None)

    async def repository_labels(self, repo: RepoRef) -> Result[tuple[str, ...], ForgeError]:
        """`GET /repos/{owner}/{repo}/labels`, every page."""
        found = await self._list(_repo_path(repo) + "/labels", list[Label])
        if isinstance(found, Failure):
            return Failure(found.failure())
        return Success(tuple(label.name for label in found.unwrap()))

    async def ensure_labels(
        self, repo: RepoRef, labels: tuple[LabelSpec, ...]
    ) -> Result[tuple[str, ...], ForgeError]:
        """List the repository's labels, then `POST /repos/{owner}/{repo}/labels` each missing."""
        found = await self._list(_repo_path(repo) + "/labels", list[Label])
        if isinstance(found, Failure):
            return Failure(found.failure())
        have = {label.name.casefold() for label in found.unwrap()}
        created: list[str] = []
        async with self._http.client() as client:
            for spec in labels:
                if spec.name.casefold() in have:
                    continue
                body = {"name": spec.name, "color": spec.color, "description": spec.description}
                # 422: made meanwhile by someone else, which is what we wanted.
                sent = await self._http.send(
                    client,
                    "POST",
                    f"{self._http.api_url}{_repo_path(repo)}/labels",
                    body=body,
                    ok_statuses=(422,),
                )
                if isinstance(sent, Failure):
                    return Failure(sent.failure())
                answer = sent.unwrap()
                if answer.status_code == 422 and b"already_exists" not in answer.content:
                    detail = error_detail(answer.content)
                    refused = ForgeError(
                        code="forge-rejected", message=f"label {spec.name!r}: {detail}"
                    )
                    return Failure(self._http.scrub(refused))
                if answer.status_code == 201:
                    created.append(spec.name)
                have.add(spec.name.casefold())
        return Success(tuple(created))

    async def comment(
        self, repo: RepoRef, number: int, body: str
    ) -> Result[IssueComment, ForgeError]:
        """`POST /repos/{owner}/{repo}/issues/{n}/comments`."""
        made = await self._write(
            "POST", f"{_repo_path(repo)}/issues/{number}/comments", {"body": body}, CommentJson
        )
        return made.map(lambda c: c.value())

    async def find_pull_request(
        self, repo: RepoRef, head: str
    ) -> Result[PullRequest | None, ForgeError]:
        """`GET /repos/{owner}/{repo}/pulls?head=OWNER:BRANCH&state=open`."""
        found = await self._list(
            _repo_path(repo) + "/pulls",
            list[PullJson],
            {"head": f"{repo.owner}:{head}", "state": "open"},
        )
        return found.map(lambda pulls: pulls[0].value() if pulls else None)

    async def create_draft_pull_request(
        self, repo: RepoRef, draft: DraftPullRequest
    ) -> Result[PullRequest, ForgeError]:
        """`POST /repos/{owner}/{repo}/pulls` with `draft: true`; never retried as a non-draft."""
        body = {
            "title": draft.title,
            "head": draft.head,
            "base": draft.base,
            "body": draft.body,
            "draft": True,
        }
        made = await self._write("POST", _repo_path(repo) + "/pulls", body, PullJson)
        if isinstance(made, Failure):
            error = made.failure()
            if error.code == "forge-rejected" and "draft" in error.message.casefold():
                return Failure(
                    ForgeError(
                        code="draft-unavailable",
                        message=f"GitHub refuses draft pull requests in {repo.slug} "
                        f"({error.message}); the loop never opens a non-draft one",
                    )
                )
            return Failure(error)
        return Success(made.unwrap().value())

    async def update_pull_request(
        self, repo: RepoRef, number: int, *, title: str, body: str
    ) -> Result[PullRequest, ForgeError]:
        """`PATCH /repos/{owner}/{repo}/pulls/{n}` with the title and body only."""
        made = await self._write(
            "PATCH", f"{_repo_path(repo)}/pulls/{number}", {"title": title, "body": body}, PullJson
        )
        return made.map(lambda p: p.value())

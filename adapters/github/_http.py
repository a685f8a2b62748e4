"""One GitHub HTTP client: headers, bounded retries decided by the domain policy, pagination,
and the one function every GitHub response body is decoded through."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
import httpx
import msgspec
from returns.result import Failure, Result, Success

from domain.forge.links import MAX_PAGES, next_link, same_origin
from domain.forge.retry import Answer, GiveUp, RetryAfter, RetryPolicy, decide, status_error
from domain.forge.values import ForgeError
from domain.text.bounded_json import decode_bounded

T = TypeVar("T")

API_VERSION = "2022-11-28"
# Explicit timeouts: a hung forge fails the call, the retry policy decides what comes next.
TIMEOUT = httpx.Timeout(30.0, connect=10.0)

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


def decode_github_json(content: bytes, kind: type[T]) -> Result[T, ForgeError]:
    """Decode one GitHub response body into `kind`; every response passes through here.

    Untrusted input: a body nesting deeper than `MAX_JSON_DEPTH` is refused before decoding
    (GitHub's documented answers nest at most 6 levels, docs/fuzz.md).
    """
    decoded = decode_bounded(content, kind)
    if isinstance(decoded, Failure):
        return Failure(
            ForgeError(
                code="forge-invalid-response",
                message="the forge answered a body that is not what GitHub documents: "
                f"{decoded.failure()}",
            )
        )
    return Success(decoded.unwrap())


class _Message(msgspec.Struct, frozen=True):
    """GitHub's error body: a message, sometimes a list of field errors."""

    message: str = ""
    errors: list[Any] = msgspec.field(default_factory=list)


def error_detail(content: bytes) -> str:
    """GitHub's own words about an error (its `message` and each error's `message`)."""
    decoded = decode_github_json(content, _Message)
    if isinstance(decoded, Failure):
        return ""
    body = decoded.unwrap()
    details = [
        str(item.get("message") or item.get("code") or "")
        for item in body.errors
        if isinstance(item, dict)
    ]
    return "; ".join(part for part in [body.message, *details] if part)


class GitHubHttp:
    """Requests to one GitHub API with one token; the token is scrubbed from every error."""

    def __init__(
        self,
        *,
        api_url: str,
        token: str,
        user_agent: str,
        policy: RetryPolicy,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = anyio.sleep,
        clock: Clock = time.time,
        monotonic: Clock = time.monotonic,
    ) -> None:
        """Hold the settings; each operation opens its own connection pool."""
        self.api_url = api_url
        self._token = token
        self._user_agent = user_agent
        self._policy = policy
        self._transport = transport
        self._sleep = sleep
        self._clock = clock
        self._monotonic = monotonic

    def client(self) -> httpx.AsyncClient:
        """A client with GitHub's headers; never reads proxies or `.netrc` from the environment."""
        return httpx.AsyncClient(
            headers={
                "Authorization": f"Bearer {self._token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": self._user_agent,
            },
            timeout=TIMEOUT,
            transport=self._transport,
            trust_env=False,
            follow_redirects=False,
        )

    def scrub(self, error: ForgeError) -> ForgeError:
        """The error with the token (should anything echo it) replaced by `***`."""
        if self._token and self._token in error.message:
            return ForgeError(code=error.code, message=error.message.replace(self._token, "***"))
        return error

    async def send(
        self,
        client: httpx.AsyncClient,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        ok_statuses: tuple[int, ...] = (),
    ) -> Result[httpx.Response, ForgeError]:
        """One request, retried as the policy says; non-2xx (unless in `ok_statuses`) fail."""
        result = await self._send(
            client, method, url, params=params, body=body, ok_statuses=ok_statuses
        )
        return result.alt(self.scrub)

    async def _send(
        self,
        client: httpx.AsyncClient,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None,
        body: Any,
        ok_statuses: tuple[int, ...],
    ) -> Result[httpx.Response, ForgeError]:
        started = self._monotonic()
        content = None if body is None else msgspec.json.encode(body)
        headers = {} if content is None else {"Content-Type": "application/json"}
        attempt = 0
        while True:
            attempt += 1
            response: httpx.Response | None
            try:
                response = await client.request(
                    method, url, params=params, content=content, headers=headers
                )
            except httpx.HTTPError:
                response = None
            answer = Answer(
                attempt=attempt,
                elapsed_s=self._monotonic() - started,
                now_epoch_s=self._clock(),
                status=None if response is None else response.status_code,
                ratelimit_remaining=None
                if response is None
                else response.headers.get("x-ratelimit-remaining"),
                ratelimit_reset=None
                if response is None
                else response.headers.get("x-ratelimit-reset"),
                retry_after=None if response is None else response.headers.get("retry-after"),
            )
            decision = decide(self._policy, answer)
            if isinstance(decision, RetryAfter):
                await self._sleep(decision.delay_s)
                continue
            if isinstance(decision, GiveUp):
                return Failure(decision.error)
            if response is None:  # decide() never keeps a failed connection
                raise AssertionError("the retry policy kept an answer without a response")
            if response.is_success or response.status_code in ok_statuses:
                return Success(response)
            return Failure(status_error(response.status_code, error_detail(response.content)))

    async def pages(
        self,
        client: httpx.AsyncClient,
        path: str,
        params: dict[str, str],
        kind: type[list[T]],
    ) -> Result[list[T], ForgeError]:
        """Every page of a list, 100 a page, following `Link: rel="next"` on the same origin,
        at most `MAX_PAGES` of them."""
        url: str | None = self.api_url + path
        query: dict[str, str] | None = {**params, "per_page": "100"}
        items: list[T] = []
        pages = 0
        while url is not None:
            pages += 1
            if pages > MAX_PAGES:
                return Failure(
                    ForgeError(
                        code="forge-invalid-response",
                        message=f"the list {path} goes on past {MAX_PAGES} pages of 100; "
                        "the loop reads no more (a forge whose next links never end)",
                    )
                )
            sent = await self.send(client, "GET", url, params=query)
            if isinstance(sent, Failure):
                return Failure(sent.failure())
            response = sent.unwrap()
            page = decode_github_json(response.content, kind)
            if isinstance(page, Failure):
                return Failure(page.failure())
            items.extend(page.unwrap())
            url = next_link(response.headers.get("link"))
            # The next link carries every parameter itself.
            query = None
            if url is not None and not same_origin(url, self.api_url):
                return Failure(
                    ForgeError(
                        code="forge-invalid-response",
                        message="a page link leads away from the configured api_url; "
                        "the token is never sent there",
                    )
                )
        return Success(items)

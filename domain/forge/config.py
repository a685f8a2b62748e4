"""The `[forge]` section: which forge (GitHub or the embedded local one) and where it is."""

from __future__ import annotations

import ipaddress
import posixpath
from collections.abc import Mapping
from typing import Annotated, Literal

import msgspec
from returns.result import Failure, Result, Success

from domain.forge.values import ForgeError
from domain.kernel.locations import data_home

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_GIT_URL = "https://github.com"
DEFAULT_TOKEN_ENV = "GITHUB_TOKEN"


class ForgeSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`[forge]`: `kind` picks the forge; URL keys apply to GitHub, `path` to the local one."""

    kind: Literal["github", "local"] = "local"
    api_url: str = DEFAULT_API_URL
    graphql_url: str | None = None
    git_url: str = DEFAULT_GIT_URL
    token_env: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] = DEFAULT_TOKEN_ENV
    path: str | None = None


def graphql_url_for(settings: ForgeSettings) -> str:
    """The GraphQL endpoint: given, or derived from `api_url` (`.../api/v3` -> `.../api/graphql`).

    >>> graphql_url_for(ForgeSettings())
    'https://api.github.com/graphql'
    >>> graphql_url_for(ForgeSettings(api_url="https://ghe.example/api/v3/"))
    'https://ghe.example/api/graphql'
    """
    if settings.graphql_url is not None:
        return settings.graphql_url
    base = settings.api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base.removesuffix("/v3") + "/graphql"
    return base + "/graphql"


def _scheme_and_host(url: str) -> tuple[str, str]:
    """The scheme and host of `url` (urllib is I/O-adjacent and kept out of the domain)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "", ""
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if "@" in authority:  # credentials in a URL are refused: they would leak into messages
        return scheme.lower(), ""
    if authority.startswith("["):
        return scheme.lower(), authority[1:].split("]", 1)[0]
    return scheme.lower(), authority.split(":", 1)[0].lower()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_token_url(url: str) -> Result[str, ForgeError]:
    """Accept `url` for sending a token: https anywhere, plain http only to a loopback address.

    >>> check_token_url("http://127.0.0.1:8080").unwrap()
    'http://127.0.0.1:8080'
    >>> check_token_url("http://ghe.example/api/v3").failure().code
    'forge-insecure-url'
    """
    scheme, host = _scheme_and_host(url)
    if scheme == "https" and host:
        return Success(url.rstrip("/"))
    if scheme == "http" and _is_loopback(host):
        return Success(url.rstrip("/"))
    return Failure(
        ForgeError(
            code="forge-insecure-url",
            message=f"{scheme or 'no'} scheme to host {host or '(none)'!r}: the token is "
            "only sent over https (plain http only to a loopback address); fix [forge] URLs",
        )
    )


def forge_dir(settings: ForgeSettings | None, parent: Mapping[str, str]) -> str | None:
    """The local forge's folder: `[forge] path`, else `$XDG_DATA_HOME/engineering-loop/forge`.

    >>> forge_dir(None, {"HOME": "/home/a"})
    '/home/a/.local/share/engineering-loop/forge'
    """
    if settings is not None and settings.path is not None:
        return settings.path
    base = data_home(parent)
    return None if base is None else posixpath.join(base, "engineering-loop", "forge")

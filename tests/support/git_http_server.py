"""dulwich's own smart-HTTP git server on 127.0.0.1, serving bare repositories behind basic auth
`x-access-token:<token>` as GitHub takes it."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from dulwich.repo import Repo
from dulwich.server import DictBackend
from dulwich.web import make_wsgi_chain


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # the base's parameter name
        del format, args


@contextmanager
def git_http_server(repos: dict[str, Path], token: str) -> Iterator[tuple[str, list[str]]]:
    """Serve `repos` (URL path -> bare repo); yields the base URL and the auth headers seen."""
    opened = {path.encode(): Repo(str(bare)) for path, bare in repos.items()}
    git_app = make_wsgi_chain(DictBackend(opened))  # type: ignore[arg-type]  # Repo is a BackendRepo
    expected = "Basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()
    seen: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        given = environ.get("HTTP_AUTHORIZATION", "")
        seen.append(given)
        if given != expected:
            start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="git"')])
            return [b"no"]
        return git_app(environ, start_response)

    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        for repo in opened.values():
            repo.close()

"""`Violation`: one reason not to publish, as every policy rule reports it."""

from __future__ import annotations

import msgspec


class Violation(msgspec.Struct, frozen=True, kw_only=True):
    """One reason not to publish; `path` is None for whole-change reasons."""

    code: str
    path: str | None
    detail: str

"""The checkout port: materialise a repository's candidate tree in a folder the gates run in."""

from __future__ import annotations

from typing import Protocol

import msgspec
from returns.result import Result


class CheckoutError(msgspec.Struct, frozen=True, kw_only=True, tag="checkout-error"):
    """The candidate tree could not be checked out (`checkout-unreadable`: its objects are
    missing or damaged; `checkout-unwritable`: the scratch folder cannot be written;
    `checkout-no-cache-dir`: there is no place outside the worktree for it)."""

    code: str
    message: str


class CandidateCheckout(Protocol):
    """Writes the files of a tree into a scratch folder outside every worktree."""

    async def checkout(self, repo: str, tree: str) -> Result[str, CheckoutError]:
        """Empty this repository's own scratch folder (the same one each time, so whatever is
        keyed by its path is reused), write the files of `tree` (an object of the repository
        at absolute `repo`) into it, and return its absolute path."""
        ...

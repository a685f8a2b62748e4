"""An in-memory checkout of candidate trees: each tree's files written into a `FakeWorktree`
that is no repository (as the real checkout folder has no `.git`)."""

from __future__ import annotations

from returns.result import Failure, Result, Success

from ports.checkout import CheckoutError
from tests.fakes.worktree import FakeSnapshotter, FakeWorktree


class FakeCheckout:
    """Trees by id (path -> content); checking one out fills the repository's own folder,
    registered with `snapshotter` so the gates' side-effect proof reads it."""

    def __init__(
        self, trees: dict[str, dict[str, bytes]], snapshotter: FakeSnapshotter, folder: str
    ) -> None:
        self.trees = trees
        self.snapshotter = snapshotter
        # An existing (empty) folder: the gate API checks the folder it runs in exists.
        self.folder = folder
        self.folders: dict[str, FakeWorktree] = {}

    async def checkout(self, repo: str, tree: str) -> Result[str, CheckoutError]:
        """`folder`, holding exactly the files of `tree` (one folder, whatever the repo)."""
        files = self.trees.get(tree)
        if files is None:
            return Failure(CheckoutError(code="checkout-unreadable", message=f"no tree {tree}"))
        folder = self.folder
        worktree = self.folders.setdefault(folder, FakeWorktree(is_repository=False))
        worktree.files = dict(files)
        self.snapshotter.worktrees[folder] = worktree
        return Success(folder)

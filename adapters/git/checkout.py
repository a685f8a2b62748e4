"""`CandidateCheckout` with dulwich: the files of a candidate tree, written into a scratch folder.

The gates run there instead of in the agent's worktree, so nothing the candidate tree leaves
out (a self-ignoring folder, a file the base ignores, anything in `.git`) can reach them. Each
repository gets the same folder every time (below the cache home, keyed by the repository's
real path), so the gate environment keyed by that folder is reused; it is emptied first.

Files are copied, never hard-linked: a gate writing in place cannot reach the agent's worktree.
Every object read is checked against its id (the object store is the agent's to write, and a
planted object must not run in place of the content that was judged). Files are created through
folder descriptors with `O_NOFOLLOW`, and tree entry names that git itself refuses (`..`, `.git`,
`a/b`) are refused, so nothing is written outside the folder.
"""

from __future__ import annotations

import functools
import hashlib
import os
import posixpath
import shutil
import stat

import anyio.to_thread
from dulwich.errors import NotGitRepository
from dulwich.objects import Blob, ObjectID, ShaFile, Tree
from dulwich.repo import Repo
from returns.result import Failure, Result, Success

from adapters.git.changes._repo import CONFIG_REFUSED, OBJECTS_UNREADABLE, open_worktree
from domain.kernel.locations import is_within
from ports.checkout import CheckoutError

_MODE_TREE = 0o040000
_MODE_SYMLINK = 0o120000
_MODE_GITLINK = 0o160000
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class _DamagedObject(Exception):
    """An object does not hash to its id, or is not the kind its tree entry says."""


def checkout_folder(checkouts: str, repo: str) -> str:
    """The scratch folder of the repository at `repo`: one per real path, below `checkouts`."""
    real = os.path.realpath(repo)
    digest = hashlib.sha256(os.fsencode(real)).hexdigest()[:16]
    return os.path.join(checkouts, f"{posixpath.basename(real) or 'root'}-{digest}")


def _verified(repo: Repo, sha: bytes) -> ShaFile:
    """The object `sha`, after checking its content hashes to that id."""
    obj = repo.object_store[ObjectID(sha)]
    digest = hashlib.sha1(usedforsecurity=False)
    chunks = obj.as_raw_chunks()
    digest.update(b"%s %d\x00" % (obj.type_name, sum(len(c) for c in chunks)))
    for chunk in chunks:
        digest.update(chunk)
    if digest.hexdigest().encode("ascii") != sha:
        raise _DamagedObject(f"object {sha.decode('ascii')} does not hash to its id")
    return obj


def _safe_name(name: bytes) -> bool:
    return bool(name) and name not in (b".", b"..") and b"/" not in name and b"\0" not in name


def _write_tree(repo: Repo, tree_id: bytes, folder_fd: int) -> int:
    """Write the entries of tree `tree_id` below the open folder; returns how many files."""
    tree = _verified(repo, tree_id)
    if not isinstance(tree, Tree):
        raise _DamagedObject(f"object {tree_id.decode('ascii')} is not a tree")
    written = 0
    for name, mode, sha in tree.iteritems():
        if not _safe_name(name) or name.lower() == b".git":
            raise _DamagedObject(f"tree {tree_id.decode('ascii')} holds the entry {name!r}")
        if mode in (_MODE_TREE, _MODE_GITLINK):
            # A submodule is an empty folder, as a checkout without its repository leaves it.
            os.mkdir(name, 0o755, dir_fd=folder_fd)
            if mode == _MODE_TREE:
                below = os.open(name, _DIR_FLAGS, dir_fd=folder_fd)
                try:
                    written += _write_tree(repo, sha, below)
                finally:
                    os.close(below)
            continue
        blob = _verified(repo, sha)
        if not isinstance(blob, Blob):
            raise _DamagedObject(f"tree entry {name!r} is no blob")
        if mode == _MODE_SYMLINK:
            os.symlink(blob.as_raw_string(), name, dir_fd=folder_fd)
        else:
            _write_file(folder_fd, name, blob, 0o755 if mode & 0o100 else 0o644)
        written += 1
    return written


def _write_file(folder_fd: int, name: bytes, blob: Blob, mode: int) -> None:
    fd = os.open(name, _FILE_FLAGS, mode, dir_fd=folder_fd)
    try:
        for chunk in blob.as_raw_chunks():
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view) :]
        os.fchmod(fd, mode)  # the umask must not take the exec bit the tree records
    finally:
        os.close(fd)


def _emptied(folder: str) -> None:
    """Remove `folder` and everything a previous gate left in it (read-only folders too)."""
    if os.path.islink(folder) or (os.path.lexists(folder) and not os.path.isdir(folder)):
        os.unlink(folder)
    elif os.path.isdir(folder):
        # A folder without write permission cannot be emptied: give every one back to us
        # (os.walk follows no symlink, so nothing outside is touched).
        os.chmod(folder, stat.S_IRWXU)
        for parent, folders, _ in os.walk(folder):
            for name in folders:
                path = os.path.join(parent, name)
                if not os.path.islink(path):
                    os.chmod(path, stat.S_IRWXU)
        shutil.rmtree(folder)
    os.makedirs(folder, 0o755)


def checkout_tree(repo_path: str, tree: str, folder: str) -> Result[str, CheckoutError]:
    """Blocking: empty `folder` and write the files of `tree` of the repository into it."""
    try:
        repo = open_worktree(repo_path)
    except (NotGitRepository, ValueError, OSError, *CONFIG_REFUSED) as exc:
        return Failure(CheckoutError(code="checkout-unreadable", message=f"{repo_path}: {exc}"))
    with repo:
        try:
            _emptied(folder)
            top = os.open(folder, _DIR_FLAGS)
            try:
                _write_tree(repo, tree.encode("ascii"), top)
            finally:
                os.close(top)
        except (_DamagedObject, *OBJECTS_UNREADABLE) as exc:
            return Failure(
                CheckoutError(
                    code="checkout-unreadable",
                    message=f"cannot read the candidate tree {tree[:12]} of {repo_path}: "
                    f"{exc!r}; its objects are missing or damaged",
                )
            )
        except OSError as exc:
            return Failure(
                CheckoutError(
                    code="checkout-unwritable",
                    message=f"cannot write the checkout {folder}: {exc}; check the cache "
                    "folder's space and permissions",
                )
            )
    return Success(folder)


class DulwichCheckout:
    """Checks candidate trees out below `checkouts` (a folder outside every worktree), in a
    worker thread."""

    def __init__(self, checkouts: str | None) -> None:
        self.checkouts = checkouts

    async def checkout(self, repo: str, tree: str) -> Result[str, CheckoutError]:
        """Write `tree` into the repository's own scratch folder and return that folder."""
        root = os.path.abspath(repo)
        if self.checkouts is None:
            return Failure(
                CheckoutError(
                    code="checkout-no-cache-dir",
                    message="neither XDG_CACHE_HOME nor HOME is an absolute path; set one so "
                    "the candidate tree can be checked out outside the worktree.",
                )
            )
        folder = checkout_folder(os.path.abspath(self.checkouts), root)
        if is_within(os.path.realpath(folder), os.path.realpath(root)):
            return Failure(
                CheckoutError(
                    code="checkout-inside-worktree",
                    message=f"the checkout folder {folder} lies inside {root}; point "
                    "XDG_CACHE_HOME somewhere outside the worktree.",
                )
            )
        job = functools.partial(checkout_tree, root, tree, folder)
        return await anyio.to_thread.run_sync(job)

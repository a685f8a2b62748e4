"""`CandidateCheckout` with dulwich: the files of a candidate tree, written into a scratch folder.

The gates run there instead of in the agent's worktree, so nothing the candidate tree leaves
out (a self-ignoring folder, a file the base ignores, anything in `.git`) can reach them. Each
repository gets the same folder every time (below the cache home, keyed by the repository's
real path), so the gate environment keyed by that folder is reused.

The folder is brought to exactly the tree's files: what the last checkout wrote (listed in a
manifest beside the folder) is kept where its mode and blob are the same and its stat data,
ctime and inode included, show nobody wrote it since; everything else in the folder is removed
and written again. So a second checkout of a 50,000-file tree rewrites only what changed.

Files are copied, never hard-linked: a gate writing in place cannot reach the agent's worktree.
Every object read is checked against its id (the object store is the agent's to write, and a
planted object must not run in place of the content that was judged). Files are created through
folder descriptors with `O_NOFOLLOW`, and tree entry names that git itself refuses (`..`, `.git`,
`a/b`) are refused, so nothing is written outside the folder.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import posixpath
import shutil
import stat

import anyio.to_thread
import msgspec
from dulwich.errors import NotGitRepository
from dulwich.objects import Blob
from dulwich.repo import Repo
from returns.result import Failure, Result, Success

from adapters.git._tree_files import (
    MODE_SYMLINK,
    DamagedObject,
    TreeFiles,
    tree_files,
    verified,
)
from adapters.git.changes._repo import CONFIG_REFUSED, OBJECTS_UNREADABLE, open_worktree
from domain.kernel.locations import is_within
from ports.checkout import CheckoutError

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def checkout_folder(checkouts: str, repo: str) -> str:
    """The scratch folder of the repository at `repo`: one per real path, below `checkouts`."""
    real = os.path.realpath(repo)
    digest = hashlib.sha256(os.fsencode(real)).hexdigest()[:16]
    return os.path.join(checkouts, f"{posixpath.basename(real) or 'root'}-{digest}")


def _key(st: os.stat_result) -> tuple[int, int, int, int, int, int]:
    return (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


class _Manifest(msgspec.Struct, array_like=True):
    """What the last checkout wrote into a folder: path -> (mode, blob id, stat key after)."""

    version: int
    files: dict[bytes, tuple[int, bytes, tuple[int, int, int, int, int, int]]]


_VERSION = 1
_Written = dict[bytes, tuple[int, bytes, tuple[int, int, int, int, int, int]]]


def _load(path: str) -> _Written:
    try:
        with open(path, "rb") as handle:
            found = msgspec.msgpack.decode(handle.read(), type=_Manifest)
    except (OSError, msgspec.DecodeError):
        return {}
    return found.files if found.version == _VERSION else {}


def _save(path: str, written: _Written) -> None:
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as handle:
        handle.write(msgspec.msgpack.encode(_Manifest(version=_VERSION, files=written)))
    os.replace(temporary, path)


def _open_folder(top: int, path: bytes) -> int:
    """An open descriptor of folder `path` below `top`, made where missing; no symlink followed."""
    fd = os.dup(top)
    for name in path.split(b"/") if path else ():
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, 0o755, dir_fd=fd)
        try:
            below = os.open(name, _DIR_FLAGS, dir_fd=fd)
        finally:
            os.close(fd)
        fd = below
    return fd


def _prune(root: bytes, files: TreeFiles, folders: set[bytes], known: _Written) -> _Written:
    """Remove from the folder at `root` everything the tree does not hold as it is; return the
    files that stay: those the last checkout wrote with the same mode and blob, whose stat data
    (ctime and inode included, which no write can set back) are unchanged since."""
    kept: _Written = {}
    pending = [b""]
    while pending:
        rel = pending.pop()
        with os.scandir(root + b"/" + rel if rel else root) as listing:
            for entry in listing:
                path = rel + b"/" + entry.name if rel else entry.name
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode):
                    if path in folders:
                        if stat.S_IMODE(st.st_mode) != 0o755:
                            os.chmod(entry.path, 0o755)
                        pending.append(path)
                    else:
                        _removed(os.fsdecode(entry.path))
                    continue
                wanted, before = files.get(path), known.get(path)
                if wanted is not None and before == (wanted[0], wanted[1], _key(st)):
                    kept[path] = before
                    continue
                os.unlink(entry.path)
    return kept


def _write(
    folder: str,
    files: TreeFiles,
    folders: set[bytes],
    kept: _Written,
) -> _Written:
    """Write every file of the tree that was not kept (and every folder); returns all of them."""
    written = dict(kept)
    top = os.open(folder, _DIR_FLAGS)
    try:
        by_folder: dict[bytes, list[bytes]] = {path: [] for path in folders}
        by_folder.setdefault(b"", [])
        for path in files:
            if path not in kept:
                by_folder.setdefault(path.rpartition(b"/")[0], []).append(path)
        for parent in sorted(by_folder):
            fd = _open_folder(top, parent)
            try:
                for path in by_folder[parent]:
                    written[path] = _write_entry(fd, path, files[path])
            finally:
                os.close(fd)
    finally:
        os.close(top)
    return written


def _write_entry(
    folder_fd: int, path: bytes, entry: tuple[int, bytes, Repo]
) -> tuple[int, bytes, tuple[int, int, int, int, int, int]]:
    mode, sha, repo = entry
    name = path.rpartition(b"/")[2]
    blob = verified(repo, sha)
    if not isinstance(blob, Blob):
        raise DamagedObject(f"tree entry {path!r} is no blob")
    if mode == MODE_SYMLINK:
        os.symlink(blob.as_raw_string(), name, dir_fd=folder_fd)
    else:
        _write_file(folder_fd, name, blob, 0o755 if mode & 0o100 else 0o644)
    return (mode, sha, _key(os.stat(name, dir_fd=folder_fd, follow_symlinks=False)))


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


def _removed(path: str) -> None:
    """Remove `path` (a folder: with everything in it, read-only folders too)."""
    if os.path.islink(path) or not os.path.isdir(path):
        os.unlink(path)
        return
    # A folder without write permission cannot be emptied: give every one back to us
    # (os.walk follows no symlink, so nothing outside is touched).
    os.chmod(path, stat.S_IRWXU)
    for parent, folders, _ in os.walk(path):
        for name in folders:
            inner = os.path.join(parent, name)
            if not os.path.islink(inner):
                os.chmod(inner, stat.S_IRWXU)
    shutil.rmtree(path)


def _synced(repo: Repo, tree: bytes, folder: str) -> None:
    """Make `folder` hold exactly the files of `tree`, rewriting only what differs."""
    with contextlib.ExitStack() as repos:  # the submodules' repositories, closed at the end
        files, folders = tree_files(repo, tree, os.fsencode(repo.path), repos)
        _synced_to(folder, files, folders)


def _synced_to(folder: str, files: TreeFiles, folders: set[bytes]) -> None:
    """`_synced` once the tree's files are known."""
    manifest = folder + ".manifest"
    known = _load(manifest)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(manifest)  # until the folder is complete again, nothing in it is trusted
    if os.path.islink(folder) or (os.path.lexists(folder) and not os.path.isdir(folder)):
        os.unlink(folder)
    os.makedirs(folder, 0o755, exist_ok=True)
    os.chmod(folder, 0o755)
    try:
        kept = _prune(os.fsencode(folder), files, folders, known)
    except PermissionError:
        # A gate took permissions from a folder: start from an empty one.
        _removed(folder)
        os.makedirs(folder, 0o755)
        kept = {}
    _save(manifest, _write(folder, files, folders, kept))


def checkout_tree(repo_path: str, tree: str, folder: str) -> Result[str, CheckoutError]:
    """Blocking: make `folder` hold exactly the files of `tree` of the repository."""
    try:
        repo = open_worktree(repo_path)
    except (NotGitRepository, ValueError, OSError, *CONFIG_REFUSED) as exc:
        return Failure(CheckoutError(code="checkout-unreadable", message=f"{repo_path}: {exc}"))
    with repo:
        try:
            _synced(repo, tree.encode("ascii"), folder)
        except (DamagedObject, *OBJECTS_UNREADABLE) as exc:
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

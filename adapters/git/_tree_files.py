"""The files of a git tree, every object checked against its id, submodules' files included.

The object stores read are the agent's to write: an object whose content does not hash to its
id, or that is not the kind its tree entry says, is `DamagedObject`. Entry names git itself
refuses (`..`, `.git`, `a/b`) are too, so no path leaves the folder they are written into.

A submodule's files come from its own repository (the folder's `.git`) at the commit the tree
records: the collector has settled that its worktree is that commit, or the policy blocked the
change before anything is checked out. A submodule folder without a repository (never checked
out) stays an empty folder, as git leaves it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os

from dulwich.errors import NotGitRepository
from dulwich.objects import Commit, ObjectID, ShaFile, Tree
from dulwich.repo import Repo

from adapters.git.changes._repo import CONFIG_REFUSED, open_worktree

MODE_TREE = 0o040000
MODE_SYMLINK = 0o120000
MODE_GITLINK = 0o160000
# Submodules inside submodules are read this deep (as the collector reads them).
MAX_DEPTH = 8

# path -> (mode, blob id, the repository whose store holds the blob)
TreeFiles = dict[bytes, tuple[int, bytes, Repo]]


class DamagedObject(Exception):
    """An object does not hash to its id, is not the kind its entry says, or a tree names an
    entry git refuses; or a submodule's repository cannot be opened."""


def verified(repo: Repo, sha: bytes) -> ShaFile:
    """The object `sha` of `repo`, after checking its content hashes to that id."""
    obj = repo.object_store[ObjectID(sha)]
    digest = hashlib.sha1(usedforsecurity=False)
    chunks = obj.as_raw_chunks()
    digest.update(b"%s %d\x00" % (obj.type_name, sum(len(c) for c in chunks)))
    for chunk in chunks:
        digest.update(chunk)
    if digest.hexdigest().encode("ascii") != sha:
        raise DamagedObject(f"object {sha.decode('ascii')} does not hash to its id")
    return obj


def _safe_name(name: bytes) -> bool:
    return (
        bool(name)
        and name not in (b".", b"..")
        and b"/" not in name
        and b"\0" not in name
        and name.lower() != b".git"
    )


def tree_files(
    repo: Repo, tree_id: bytes, worktree: bytes, repos: contextlib.ExitStack, depth: int = 0
) -> tuple[TreeFiles, set[bytes]]:
    """The files and folders of tree `tree_id` of `repo` (whose worktree is `worktree`, where
    its submodules' repositories are), submodules' own files included; `repos` closes those."""
    files: TreeFiles = {}
    folders: set[bytes] = set()
    pending = [(b"", tree_id)]
    while pending:
        prefix, sha = pending.pop()
        tree = verified(repo, sha)
        if not isinstance(tree, Tree):
            raise DamagedObject(f"object {sha.decode('ascii')} is not a tree")
        for name, mode, entry in tree.iteritems():
            if not _safe_name(name):
                raise DamagedObject(f"tree {sha.decode('ascii')} holds the entry {name!r}")
            path = prefix + b"/" + name if prefix else name
            if mode == MODE_TREE:
                folders.add(path)
                pending.append((path, entry))
            elif mode == MODE_GITLINK:
                folders.add(path)
                inner = _submodule_files(worktree + b"/" + path, entry, repos, depth)
                files.update({path + b"/" + p: found for p, found in inner[0].items()})
                folders.update(path + b"/" + folder for folder in inner[1])
            else:
                files[path] = (mode, entry, repo)
    return files, folders


def _submodule_files(
    folder: bytes, commit_id: bytes, repos: contextlib.ExitStack, depth: int
) -> tuple[TreeFiles, set[bytes]]:
    if not os.path.lexists(folder + b"/.git"):
        return {}, set()  # never checked out: an empty folder, as git leaves it
    if depth + 1 >= MAX_DEPTH:
        raise DamagedObject(f"submodules nested deeper than {MAX_DEPTH} at {folder!r}")
    try:
        sub = repos.enter_context(open_worktree(os.fsdecode(folder)))
    except (NotGitRepository, ValueError, OSError, *CONFIG_REFUSED) as exc:
        raise DamagedObject(
            f"the submodule at {os.fsdecode(folder)} cannot be read: {exc}"
        ) from exc
    commit = verified(sub, commit_id)
    if not isinstance(commit, Commit):
        raise DamagedObject(f"submodule entry {commit_id.decode('ascii')} is no commit")
    return tree_files(sub, commit.tree, folder, repos, depth + 1)

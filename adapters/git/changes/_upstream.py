"""The upstream a worktree's branch tracks: `branch.<name>.remote` and `.merge` in its config.

One reading for `default_base` (the merge base with that ref) and for `read_upstream` (which
names the ref in `check`'s notice when the base was defaulted): `remote = .` is a local branch,
otherwise the ref is `refs/remotes/<remote>/<branch>`.
"""

from __future__ import annotations

from dulwich.refs import Ref
from dulwich.repo import Repo

_HEADS = b"refs/heads/"


def tracked_ref(repo: Repo) -> tuple[bytes | None, Ref | None]:
    """HEAD's branch (short name; None when HEAD is detached or not a branch) and the ref its
    configuration says it tracks (None without one; the ref may not exist)."""
    names, _ = repo.refs.follow(Ref(b"HEAD"))
    branch = names[-1] if len(names) > 1 else None
    if branch is None or not branch.startswith(_HEADS):
        return None, None
    short = branch[len(_HEADS) :]
    config = repo.get_config()
    try:
        remote = config.get((b"branch", short), b"remote")
        merge = config.get((b"branch", short), b"merge")
    except KeyError:
        return short, None
    if remote == b".":
        return short, Ref(merge)
    return short, Ref(b"refs/remotes/" + remote + b"/" + merge.removeprefix(_HEADS))

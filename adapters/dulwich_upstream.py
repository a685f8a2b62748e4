"""`UpstreamReader` on dulwich: which ref `branch.<name>.remote/merge` names for HEAD's branch.

`DulwichChangeCollector.default_base` takes the merge base of HEAD with the same ref; this
module only names it, for the notice `check` prints when it measured from that default. It reads
the configuration the same way (`remote = .` is a local branch, otherwise
`refs/remotes/<remote>/<branch>`); adapters stay independent, so the few lines are not shared.
"""

from __future__ import annotations

import os

import anyio.to_thread
from dulwich.errors import NotGitRepository
from dulwich.refs import Ref
from dulwich.repo import Repo
from returns.result import Failure, Result, Success

from ports.changes import ChangeReadError, Upstream

_HEADS = b"refs/heads/"


def read_upstream(repo_path: str) -> Result[Upstream, ChangeReadError]:
    """Blocking: HEAD's branch and the upstream ref its configuration names, if that ref exists."""
    root = os.path.abspath(repo_path)
    try:
        repo = Repo(root)
    except NotGitRepository:
        return Failure(
            ChangeReadError(code="repo-not-found", message=f"{root} is not a git repository.")
        )
    except OSError as exc:
        return Failure(ChangeReadError(code="repo-unreadable", message=f"{root}: {exc}"))
    with repo:
        names, _ = repo.refs.follow(Ref(b"HEAD"))
        branch = names[-1] if len(names) > 1 else None
        if branch is None or not branch.startswith(_HEADS):
            return Success(Upstream())
        short = branch[len(_HEADS) :]
        section = (b"branch", short)
        config = repo.get_config()
        try:
            remote = config.get(section, b"remote")
            merge = config.get(section, b"merge")
        except KeyError:
            return Success(Upstream(branch=os.fsdecode(short)))
        if remote == b".":
            ref = merge
        else:
            ref = b"refs/remotes/" + remote + b"/" + merge.removeprefix(_HEADS)
        found = os.fsdecode(ref) if Ref(ref) in repo.refs else None
        return Success(Upstream(branch=os.fsdecode(short), ref=found))


class DulwichUpstreamReader:
    """Reads a repository's upstream configuration with dulwich, off the event loop."""

    async def upstream(self, repo: str) -> Result[Upstream, ChangeReadError]:
        """HEAD's branch and its existing upstream ref."""
        return await anyio.to_thread.run_sync(read_upstream, repo)

"""Publish a verified candidate: one commit whose tree is exactly that candidate and whose parent
is the base, pushed with a lease, read back from the remote, then a draft pull request opened
(or the open one's body updated). Nothing here decides whether to publish: the run did."""

from __future__ import annotations

import msgspec
from returns.result import Failure, Result, Success

from domain.forge.values import DraftPullRequest, ForgeError, PullRequest, RepoRef
from domain.loop.outcomes import Reason
from domain.loop.publication import branch_action, commit_message
from ports.forge import Forge, GitRemote
from ports.workspace import CommitSpec, Workspace, WorkspaceError


class PublishTarget(msgspec.Struct, frozen=True, kw_only=True):
    """What to publish and where."""

    repo: RepoRef
    issue: int
    issue_title: str
    run_id: str
    base_commit: str
    base_branch: str
    branch: str
    tree: str
    author: str
    timestamp: int
    draft: DraftPullRequest


class Published(msgspec.Struct, frozen=True, kw_only=True):
    """The pushed commit and the draft pull request that shows it."""

    commit: str
    pull_request: PullRequest


class PublishFailed(msgspec.Struct, frozen=True, kw_only=True):
    """Publication stopped: `needs_human` for `branch-exists` and `draft-unavailable`, else an
    error of the forge or git (nothing half-published beyond what `pushed` says)."""

    reason: Reason
    needs_human: bool
    pushed: str | None = None


def _error(error: ForgeError | WorkspaceError, pushed: str | None = None) -> PublishFailed:
    return PublishFailed(
        reason=Reason(code=error.code, detail=error.message), needs_human=False, pushed=pushed
    )


async def publish(
    target: PublishTarget,
    *,
    mirror: str,
    clone: str,
    forge: Forge,
    remote: GitRemote,
    workspace: Workspace,
) -> Result[Published, PublishFailed]:
    """Commit, push under a lease, read the tip back, open or update the draft."""
    repo = target.repo
    tip = await remote.remote_tip(repo, target.branch)
    if isinstance(tip, Failure):
        return Failure(_error(tip.failure()))
    expected = tip.unwrap()
    message: str | None = None
    if expected is not None:
        fetched = await remote.fetch(repo, target.branch, mirror)
        if isinstance(fetched, Failure):
            return Failure(_error(fetched.failure()))
        read = await workspace.commit_message(mirror, expected)
        if isinstance(read, Failure):
            return Failure(_error(read.failure()))
        message = read.unwrap() or ""
    action = branch_action(target.branch, target.issue, message)
    if isinstance(action, Reason):
        return Failure(PublishFailed(reason=action, needs_human=True))
    spec = CommitSpec(
        tree=target.tree,
        parent=target.base_commit,
        author=target.author,
        message=commit_message(target.issue_title, target.issue, target.run_id),
        timestamp=target.timestamp,
    )
    made = await workspace.commit(mirror, clone, spec, None)
    if isinstance(made, Failure):
        return Failure(_error(made.failure()))
    commit = made.unwrap()
    pushed = await remote.push(
        repo, local=mirror, commit=commit, branch=target.branch, expected=expected
    )
    if isinstance(pushed, Failure):
        return Failure(_error(pushed.failure()))
    after = await remote.remote_tip(repo, target.branch)
    if isinstance(after, Failure):
        return Failure(_error(after.failure(), pushed=commit))
    if after.unwrap() != commit:
        return Failure(
            _error(
                ForgeError(
                    code="forge-git-failed",
                    message=f"after the push {target.branch} is at {after.unwrap()}, not at "
                    f"the pushed {commit}; someone moved it",
                ),
                pushed=commit,
            )
        )
    found = await forge.find_pull_request(repo, target.branch)
    if isinstance(found, Failure):
        return Failure(_error(found.failure(), pushed=commit))
    existing = found.unwrap()
    if existing is not None:
        opened = await forge.update_pull_request(
            repo, existing.number, title=target.draft.title, body=target.draft.body
        )
    else:
        opened = await forge.create_draft_pull_request(repo, target.draft)
    if isinstance(opened, Failure):
        error = opened.failure()
        if error.code == "draft-unavailable":
            reason = Reason(code="draft-unavailable", detail=error.message)
            return Failure(PublishFailed(reason=reason, needs_human=True, pushed=commit))
        return Failure(_error(error, pushed=commit))
    return Success(Published(commit=commit, pull_request=opened.unwrap()))

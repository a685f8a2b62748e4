"""`forge local ...`: the embedded local forge's administration from the command line.

Each command takes `--dir DIR` (default: `[forge] path` of the configuration, else
`$XDG_DATA_HOME/engineering-loop/forge`), `--json`, and, where someone acts, `--as USER`
(default: the repository's owner). Forge errors print one error object and exit 1 (bad input 2).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

import msgspec
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from domain.forge.values import ForgeError, PullRequest
from entrypoints.cli.output import EXIT_BLOCKED, EXIT_OK, EXIT_USAGE, emit, fail

if TYPE_CHECKING:
    from entrypoints.cli.output import GroupFactory

_USAGE_CODES = frozenset({"forge-invalid-input", "config-invalid", "config-missing"})


def register(
    root: argparse._SubParsersAction[argparse.ArgumentParser], group: GroupFactory
) -> None:
    """Add `forge local init|repo|user|issue|pr ...` to the command tree."""
    del root
    forge = group("forge", "The forge the loop reads issues from and opens draft PRs on.")
    local = forge.add_parser(
        "local", help="The embedded local forge (no account, no network).", description=__doc__
    )
    actions = local.add_subparsers(dest="local_command", metavar="SUBCOMMAND")
    actions.required = True

    init = actions.add_parser("init", help="Create the local forge folder and database.")
    _common(init)
    init.set_defaults(handler=_init)

    repo = _nested(actions, "repo", "Repositories.")
    create = repo.add_parser("create", help="Create OWNER/NAME from a repository's history.")
    create.add_argument("repo", metavar="OWNER/NAME")
    create.add_argument("--from", dest="source", required=True, metavar="PATH")
    _common(create)
    create.set_defaults(handler=_repo_create)

    user = _nested(actions, "user", "Users' permissions.")
    user_set = user.add_parser("set", help="Give LOGIN a PERMISSION (admin|write|read|none).")
    user_set.add_argument("repo", metavar="OWNER/NAME")
    user_set.add_argument("login", metavar="LOGIN")
    user_set.add_argument("permission", metavar="PERMISSION")
    _common(user_set)
    user_set.set_defaults(handler=_user_set)

    _register_issue(_nested(actions, "issue", "Issues."))
    _register_pr(_nested(actions, "pr", "Pull requests."))


def _register_issue(issue: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    issue_create = issue.add_parser("create", help="Open an issue.")
    issue_create.add_argument("repo", metavar="OWNER/NAME")
    issue_create.add_argument("--title", required=True, metavar="T")
    issue_create.add_argument("--body-file", required=True, metavar="F", help="'-' for stdin")
    issue_create.add_argument("--label", action="append", default=[], metavar="L")
    _common(issue_create, actor=True)
    issue_create.set_defaults(handler=_issue_create)

    issue_label = issue.add_parser("label", help="Add a label to an issue.")
    _numbered(issue_label)
    issue_label.add_argument("label", metavar="LABEL")
    _common(issue_label, actor=True)
    issue_label.set_defaults(handler=_issue_label)

    issue_edit = issue.add_parser("edit", help="Edit an issue's title and/or body.")
    _numbered(issue_edit)
    issue_edit.add_argument("--title", metavar="T")
    issue_edit.add_argument("--body-file", metavar="F", help="'-' for stdin")
    _common(issue_edit, actor=True)
    issue_edit.set_defaults(handler=_issue_edit)

    issue_comment = issue.add_parser("comment", help="Comment on an issue or pull request.")
    _numbered(issue_comment)
    issue_comment.add_argument("--body-file", required=True, metavar="F", help="'-' for stdin")
    _common(issue_comment, actor=True)
    issue_comment.set_defaults(handler=_issue_comment)

    issue_show = issue.add_parser("show", help="Show an issue, its events and comments.")
    _numbered(issue_show)
    _common(issue_show)
    issue_show.set_defaults(handler=_issue_show)


def _register_pr(pr: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pr_list = pr.add_parser("list", help="List pull requests (of one repository or all).")
    pr_list.add_argument("repo", nargs="?", metavar="OWNER/NAME")
    _common(pr_list)
    pr_list.set_defaults(handler=_pr_list)

    pr_show = pr.add_parser("show", help="Show one pull request with its body.")
    _numbered(pr_show)
    _common(pr_show)
    pr_show.set_defaults(handler=_pr_show)


def _nested(
    actions: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    parser = actions.add_parser(name, help=help_text, description=help_text)
    nested = parser.add_subparsers(dest=f"{name}_command", metavar="SUBCOMMAND")
    nested.required = True
    return nested


def _common(parser: argparse.ArgumentParser, *, actor: bool = False) -> None:
    parser.add_argument("--dir", metavar="DIR", help="the local forge folder")
    parser.add_argument("--config", metavar="F", help="configuration file ([forge] path)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    if actor:
        parser.add_argument("--as", dest="actor", metavar="USER", help="act as USER")


def _numbered(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("repo", metavar="OWNER/NAME")
    parser.add_argument("number", type=int, metavar="N")


def _error(error: Any) -> int:
    code = EXIT_USAGE if error.code in _USAGE_CODES else EXIT_BLOCKED
    return fail(error.code, error.message, exit_code=code)


def _folder(args: argparse.Namespace) -> Result[str, Any]:
    from entrypoints.api.forge import local_forge_dir

    return local_forge_dir(args.dir, args.config)


def _body(path: str) -> Result[str, ForgeError]:
    """A body file read verbatim (bytes decoded as UTF-8, nothing normalised); '-' is stdin."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as handle:
                data = handle.read()
        return Success(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return Failure(
            ForgeError(
                code="forge-invalid-input",
                message=f"cannot read the body file {path}: {exc}; give a UTF-8 text file",
            )
        )


def _done(args: argparse.Namespace, payload: dict[str, Any], text: str) -> int:
    if args.json:
        emit({"ok": True, **payload})
    else:
        print(text)
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
    from entrypoints.api.forge import init_local_forge

    folder = _folder(args)
    if not is_successful(folder):
        return _error(folder.failure())
    made = init_local_forge(folder.unwrap())
    if not is_successful(made):
        return _error(made.failure())
    return _done(args, {"dir": made.unwrap()}, f"local forge in {made.unwrap()}")


def _repo_create(args: argparse.Namespace) -> int:
    from entrypoints.api.forge import create_local_repo

    folder = _folder(args)
    if not is_successful(folder):
        return _error(folder.failure())
    made = create_local_repo(folder.unwrap(), args.repo, args.source)
    if not is_successful(made):
        return _error(made.failure())
    facts = made.unwrap()
    return _done(
        args,
        {"repo": args.repo, "default_branch": facts.default_branch},
        f"{args.repo} created (default branch {facts.default_branch})",
    )


def _user_set(args: argparse.Namespace) -> int:
    from entrypoints.api.forge import set_local_permission

    folder = _folder(args)
    if not is_successful(folder):
        return _error(folder.failure())
    made = set_local_permission(folder.unwrap(), args.repo, args.login, args.permission)
    if not is_successful(made):
        return _error(made.failure())
    return _done(
        args,
        {"repo": args.repo, "login": args.login, "permission": made.unwrap()},
        f"{args.login} has {made.unwrap()} on {args.repo}",
    )


def _issue_create(args: argparse.Namespace) -> int:
    from entrypoints.api.forge import create_local_issue

    folder = _folder(args)
    if not is_successful(folder):
        return _error(folder.failure())
    body = _body(args.body_file)
    if not is_successful(body):
        return _error(body.failure())
    made = create_local_issue(
        folder.unwrap(),
        args.repo,
        title=args.title,
        body=body.unwrap(),
        labels=tuple(args.label),
        actor=args.actor,
    )
    if not is_successful(made):
        return _error(made.failure())
    return _done(args, {"number": made.unwrap()}, f"{args.repo}#{made.unwrap()}")


def _issue_label(args: argparse.Namespace) -> int:
    from entrypoints.api.forge import label_local_issue

    folder = _folder(args)
    if not is_successful(folder):
        return _error(folder.failure())
    made = label_local_issue(folder.unwrap(), args.repo, args.number, args.label, actor=args.actor)
    if not is_successful(made):
        return _error(made.failure())
    return _done(args, {"number": args.number, "label": args.label}, f"labelled {args.label!r}")


def _issue_edit(args: argparse.Namespace) -> int:
    from entrypoints.api.forge import edit_local_issue

    folder = _folder(args)
    if not is_successful(folder):
        return _error(folder.failure())
    body: str | None = None
    if args.body_file is not None:
        read = _body(args.body_file)
        if not is_successful(read):
            return _error(read.failure())
        body = read.unwrap()
    if args.title is None and body is None:
        return fail("usage-error", "give --title and/or --body-file to edit", exit_code=EXIT_USAGE)
    made = edit_local_issue(
        folder.unwrap(), args.repo, args.number, title=args.title, body=body, actor=args.actor
    )
    if not is_successful(made):
        return _error(made.failure())
    return _done(args, {"number": args.number}, f"edited {args.repo}#{args.number}")


def _issue_comment(args: argparse.Namespace) -> int:
    from entrypoints.api.forge import comment_local_issue

    folder = _folder(args)
    if not is_successful(folder):
        return _error(folder.failure())
    body = _body(args.body_file)
    if not is_successful(body):
        return _error(body.failure())
    made = comment_local_issue(
        folder.unwrap(), args.repo, args.number, body.unwrap(), actor=args.actor
    )
    if not is_successful(made):
        return _error(made.failure())
    return _done(args, {"comment": msgspec.to_builtins(made.unwrap())}, "commented")


def _issue_show(args: argparse.Namespace) -> int:
    from entrypoints.api.forge import show_local_issue

    folder = _folder(args)
    if not is_successful(folder):
        return _error(folder.failure())
    shown = show_local_issue(folder.unwrap(), args.repo, args.number)
    if not is_successful(shown):
        return _error(shown.failure())
    view = shown.unwrap()
    if args.json:
        emit({"ok": True, **msgspec.to_builtins(view)})
        return EXIT_OK
    issue = view.issue
    print(f"#{issue.number} {issue.title} [{issue.state}] by {issue.author}")
    print(f"labels: {', '.join(issue.labels) or '(none)'}")
    print(issue.body)
    for comment in view.comments:
        print(f"--- {comment.author} at {comment.created_at.isoformat()}\n{comment.body}")
    return EXIT_OK


def _pull_view(pull: PullRequest, *, body: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "number": pull.number,
        "title": pull.title,
        "head": pull.head,
        "base": pull.base,
        "draft": pull.draft,
        "state": pull.state,
        "url": pull.url,
    }
    if body:
        view["body"] = pull.body
    return view


def _pr_list(args: argparse.Namespace) -> int:
    from entrypoints.api.forge import list_local_pull_requests

    folder = _folder(args)
    if not is_successful(folder):
        return _error(folder.failure())
    listed = list_local_pull_requests(folder.unwrap(), args.repo)
    if not is_successful(listed):
        return _error(listed.failure())
    pulls = listed.unwrap()
    if args.json:
        emit([_pull_view(pull, body=False) for pull in pulls])
        return EXIT_OK
    for pull in pulls:
        kind = "draft" if pull.draft else "ready"
        print(f"{pull.url}  {pull.state} {kind}  {pull.head} -> {pull.base}  {pull.title}")
    return EXIT_OK


def _pr_show(args: argparse.Namespace) -> int:
    from entrypoints.api.forge import show_local_pull_request

    folder = _folder(args)
    if not is_successful(folder):
        return _error(folder.failure())
    shown = show_local_pull_request(folder.unwrap(), args.repo, args.number)
    if not is_successful(shown):
        return _error(shown.failure())
    pull = shown.unwrap()
    if args.json:
        emit(_pull_view(pull, body=True))
        return EXIT_OK
    print(f"{pull.url}  {pull.state} {'draft' if pull.draft else 'ready'}  {pull.title}")
    print(f"{pull.head} -> {pull.base}")
    print(pull.body)
    return EXIT_OK

"""`engineering-loop check`, `policy check` and `demo check`: is this change publishable?

Exit codes: 0 publishable, 1 blocked, 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from entrypoints.cli.output import EXIT_BLOCKED, EXIT_OK, emit, fail

if TYPE_CHECKING:
    from returns.result import Result

    from entrypoints.api.check.run import CheckError, CheckReport

_CHECK_HELP = (
    "Verify existing worktrees: collect what changed since --base, judge it against the [policy] "
    "section, select and prepare gates, check them against allowed_gates and only then run "
    "them (with a side-effect check). Prints one verdict, publishable or blocked with every "
    "reason. Exit 0 publishable, 1 blocked, 2 usage or configuration error."
)
_POLICY_CHECK_HELP = (
    "Like `check`, without running any gate: paths, limits, secrets, lockfile and the gate "
    "allowlist only. Exit 0 publishable, 1 blocked, 2 usage or configuration error."
)
_DEMO_HELP = (
    "Build the bundled example (examples/check-demo: a base commit plus an agent's change) as a "
    "throwaway git repository and run the full `check` on it."
)


def _targets(namespace: argparse.Namespace) -> list[list[str | None]]:
    """The `[DIR, NAME]` pairs given so far (NAME None until a `--repo-name` follows)."""
    return list(getattr(namespace, "repo", None) or [])


class _RepoAction(argparse.Action):
    """`--repo DIR`: one more worktree, known to the policy by its directory name for now."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        targets = _targets(namespace)
        targets.append([str(values), None])
        namespace.repo = targets


class _RepoNameAction(argparse.Action):
    """`--repo-name OWNER/NAME`: the policy name of the `--repo` just before it."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        targets = _targets(namespace)
        name = str(values)
        if not targets:
            parser.error("--repo-name names the --repo before it: give --repo DIR first")
        if targets[-1][1] is not None:
            parser.error("--repo-name given twice for one --repo")
        if not name.strip():
            parser.error("--repo-name must not be empty")
        targets[-1] = [targets[-1][0], name]
        namespace.repo = targets


def _add_check_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--repo",
        action=_RepoAction,
        required=True,
        metavar="DIR",
        help="a git worktree to verify; repeat for a multi-repository change. Its "
        "[policy.repos.NAME] rules are those of the --repo-name after it, else of its "
        "directory name",
    )
    parser.add_argument(
        "--repo-name",
        action=_RepoNameAction,
        metavar="OWNER/NAME",
        help="the name the preceding --repo is known by in [policy.repos.NAME] (e.g. acme/api), "
        "looked up before its directory name; never taken from the repository itself, whose "
        ".git/config the agent can rewrite",
    )
    parser.add_argument(
        "--base",
        metavar="REF",
        help="the commit the change is measured from (default: the merge base with the "
        "branch's upstream, else HEAD, as the repository's own .git/config says - the agent "
        "can rewrite it, so unattended runs must pass --base; a notice names a defaulted base)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="the configuration file (default: engineering-loop.toml in the current folder); "
        "it must have a [policy] section",
    )
    parser.add_argument("--json", action="store_true", help="print the verdict as one JSON object")


def register(
    root: argparse._SubParsersAction[argparse.ArgumentParser],
    group: Callable[[str, str], argparse._SubParsersAction[argparse.ArgumentParser]],
) -> None:
    """Add `check`, `policy check` and `demo check` to the command tree."""
    check = root.add_parser(
        "check", help="verify changed worktrees and run their gates", description=_CHECK_HELP
    )
    _add_check_options(check)
    check.set_defaults(handler=_run_check, run_gates=True)

    policy = group("policy", "change policy: what an agent may change").add_parser(
        "check",
        help="judge changes against the policy without running gates",
        description=_POLICY_CHECK_HELP,
    )
    _add_check_options(policy)
    policy.set_defaults(handler=_run_check, run_gates=False)

    demo = group("demo", "bundled examples you can run on a fresh machine").add_parser(
        "check", help="run `check` on the bundled example change", description=_DEMO_HELP
    )
    demo.add_argument(
        "--variant",
        choices=("publishable", "blocked"),
        default="publishable",
        help="the agent change to verify: a good one (default) or one that must be blocked",
    )
    demo.add_argument("--json", action="store_true", help="print the verdict as one JSON object")
    demo.add_argument(
        "--keep", action="store_true", help="keep the throwaway repository and print its path"
    )
    demo.set_defaults(handler=_run_demo)


def _run_check(args: argparse.Namespace) -> int:
    import anyio
    from returns.pipeline import is_successful

    from entrypoints.api.check.run import (
        RepoTarget,
        check_repos,
        environment_secrets,
        load_check_config,
    )

    loaded = load_check_config(args.config)
    if not is_successful(loaded):
        return fail(loaded.failure().code, loaded.failure().message)
    config = loaded.unwrap()
    # Gathered here, at the edge; the domain only ever sees them as values to look for.
    secrets = environment_secrets(config.secret_env_names)

    targets = [RepoTarget(path=path, name=name) for path, name in args.repo]
    sandbox = None
    if args.run_gates:
        from entrypoints.api.sandbox import prepare_sandbox

        chosen = anyio.run(prepare_sandbox, config.sandbox)
        if not is_successful(chosen):
            return fail(chosen.failure().code, chosen.failure().message)
        sandbox = chosen.unwrap()

    async def run() -> Result[CheckReport, CheckError]:
        return await check_repos(
            targets,
            config.policy,
            base=args.base,
            run_gates=args.run_gates,
            known_secrets=secrets,
            gates=config.gates,
            sandbox=sandbox,
        )

    return _print_result(anyio.run(run), as_json=args.json)


def _run_demo(args: argparse.Namespace) -> int:
    from returns.pipeline import is_successful

    from entrypoints.api.demo import run_demo

    result = run_demo(variant=args.variant, keep=args.keep)
    if not is_successful(result):
        return fail(result.failure().code, result.failure().message)
    demo = result.unwrap()
    if args.keep:
        print(f"example repository kept at {demo.workdir}", file=sys.stderr)
    return _print_report(demo.report, as_json=args.json)


def _print_result(result: Result[CheckReport, CheckError], *, as_json: bool) -> int:
    from returns.pipeline import is_successful

    if not is_successful(result):
        return fail(result.failure().code, result.failure().message)
    return _print_report(result.unwrap(), as_json=as_json)


def _print_report(report: CheckReport, *, as_json: bool) -> int:
    from entrypoints.cli.check.summary import render_summary

    if as_json:
        emit(report)
    else:
        sys.stdout.write(render_summary(report))
        sys.stdout.flush()
    return EXIT_OK if report.verdict == "publishable" else EXIT_BLOCKED

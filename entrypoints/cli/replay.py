"""`engineering-loop replay`: re-derive a recorded run's verdicts without the model."""

from __future__ import annotations

import argparse
import functools

from entrypoints.cli.output import EXIT_BLOCKED, EXIT_OK, GroupFactory, emit, fail


def register(
    root: argparse._SubParsersAction[argparse.ArgumentParser], group: GroupFactory
) -> None:
    """Add `replay`."""
    del group
    replay = root.add_parser(
        "replay",
        help="Re-derive a recorded run's verdicts from its kept candidates, without the model.",
        description="Replay run RUN (a run id under the configuration's state_dir, or a run "
        "folder): for each round, re-collect the kept candidate's change against the recorded "
        "base, re-evaluate the policy, re-run the gates on a clean checkout and re-judge the "
        "budget from the recorded harness reports, under the recorded configuration (or "
        "--config's). Exit 0 when every verdict agrees, 1 when one differs, 2 when the record "
        "is missing, damaged, of an unknown version or does not match its digest.",
    )
    replay.add_argument("run", metavar="RUN", help="a run id, or the path of a run folder")
    replay.add_argument(
        "--config",
        help="judge under this configuration's [policy], [budget], [gates] and [loop] "
        "max_rounds instead of the recorded ones (it also names the state_dir)",
    )
    replay.add_argument("--json", action="store_true", help="print one JSON object")
    replay.set_defaults(handler=_replay)


def _replay(args: argparse.Namespace) -> int:
    import anyio
    from returns.result import Failure

    from entrypoints.api.replay import replay_run

    result = anyio.run(functools.partial(replay_run, args.run, config_path=args.config))
    if isinstance(result, Failure):
        error = result.failure()
        return fail(error.code, error.message)
    report = result.unwrap()
    if args.json:
        emit(report)
    else:
        print(f"replay of run {report.run_id} ({report.repo}#{report.issue})")
        print(f"verdict.json sha256 {report.verdict_sha256} (matches record.json)")
        print(f"configuration: {report.config}")
        for r in report.rounds:
            print(
                f"round {r.number}: then {r.then.decision}"
                + (f" ({', '.join(r.then.reasons)})" if r.then.reasons else "")
                + f", now {r.now.decision}"
                + (f" ({', '.join(r.now.reasons)})" if r.now.reasons else "")
                + (": agrees" if r.agrees else ": differs")
            )
            for line in r.differences:
                print(f"  - {line}")
        print(f"run: then {report.then}, now {report.now}")
        for notice in report.notices:
            print(f"notice: {notice}")
        print("agrees" if report.agrees else "differs")
    return EXIT_OK if report.agrees else EXIT_BLOCKED

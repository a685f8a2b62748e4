"""`run_issue` before any agent runs: usage and configuration errors, the lock, the in-progress
refusal and the budget, with in-memory fakes (the end-to-end tests cover the rest)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import anyio
import msgspec
from returns.result import Result

from domain.config import LoopConfig
from domain.forge.values import RepoRef
from domain.loop.prompt import IssueText
from domain.loop.report import RunReport
from entrypoints.api.run import RunError, run_issue
from tests.fakes.forge import FakeForge
from tests.fakes.lock import FakeLoopLock

REPO = RepoRef(owner="octo", name="calc")


def config(tmp_path: Path, extra: str = "") -> str:
    path = tmp_path / "engineering-loop.toml"
    path.write_text(
        f'[policy]\n[sandbox]\nkind = "none"\n[loop]\nstate_dir = "{tmp_path / "state"}"\n' + extra
    )
    return str(path)


def run(
    tmp_path: Path, repo: str = "octo/calc", issue: int = 1, **kw: Any
) -> Result[RunReport, RunError]:
    if "config_path" not in kw:
        kw["config_path"] = config(tmp_path)
    kw.setdefault("environ", {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    return anyio.run(functools.partial(run_issue, repo, issue, **kw))


def test_a_repository_that_is_not_owner_slash_name_is_a_usage_error(tmp_path: Path) -> None:
    assert run(tmp_path, repo="../etc").failure().code == "usage-error"


def test_an_issue_number_below_one_is_a_usage_error(tmp_path: Path) -> None:
    assert run(tmp_path, issue=0).failure().code == "usage-error"


def test_a_configuration_without_policy_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[loop]\n")
    assert run(tmp_path, config_path=str(path)).failure().code == "config-policy-missing"


def test_a_held_lock_is_locked_and_asks_the_forge_nothing(tmp_path: Path) -> None:
    lock = FakeLoopLock()
    lock.held.add(str(tmp_path / "state" / "daemon.lock"))
    forge = FakeForge()
    report = run(tmp_path, lock=lock, forge=forge, remote=object()).unwrap()
    assert (report.outcome, report.run_id) == ("locked", None)
    assert forge.state(REPO) is None


def test_the_run_releases_the_lock_it_took(tmp_path: Path) -> None:
    lock = FakeLoopLock()
    forge = FakeForge()
    forge.create_repo(REPO)
    report = run(tmp_path, lock=lock, forge=forge, remote=object()).unwrap()
    # Issue 1 does not exist: the forge's error, nothing reserved.
    assert (report.outcome, report.reasons[0].code) == ("error", "forge-not-found")
    assert lock.held == set()


def test_a_caller_holding_the_lock_is_not_locked_out(tmp_path: Path) -> None:
    lock = FakeLoopLock()
    lock.held.add(str(tmp_path / "state" / "daemon.lock"))
    forge = FakeForge()
    forge.create_repo(REPO)
    number = forge.create_issue(REPO, title="t", labels=("loop:in-progress",))
    report = run(tmp_path, issue=number, lock=lock, lock_held=True, forge=forge, remote=object())
    assert [r.code for r in report.unwrap().reasons] == ["issue-in-progress"]
    assert lock.held == {str(tmp_path / "state" / "daemon.lock")}


def test_a_budget_refusal_is_over_budget_and_leaves_the_issue_untouched(tmp_path: Path) -> None:
    forge = FakeForge()
    forge.create_repo(REPO)
    number = forge.create_issue(REPO, title="t", labels=("loop:approved",))
    path = config(tmp_path, "[budget.daily]\nmax_runs = 0\n")
    report = run(tmp_path, issue=number, config_path=path, forge=forge, remote=object()).unwrap()
    assert report.outcome == "over-budget"
    assert [r.code for r in report.reasons] == ["daily-runs-exhausted"]
    state = forge.state(REPO)
    assert state is not None
    assert state.items[number].labels == ["loop:approved"] or tuple(state.items[number].labels) == (
        "loop:approved",
    )
    assert not (tmp_path / "state" / "runs").exists()


def test_text_changed_after_approval_runs_nothing_and_says_which_part(tmp_path: Path) -> None:
    forge = FakeForge()
    forge.create_repo(REPO)
    number = forge.create_issue(REPO, title="t", body="edited", labels=("loop:approved",))
    approved = IssueText(number=number, title="t", body="as approved")
    report = run(tmp_path, issue=number, forge=forge, remote=object(), approved=approved).unwrap()
    assert (report.outcome, report.run_id) == ("needs-human", None)
    assert [r.code for r in report.reasons] == ["issue-changed"]
    assert "body" in report.reasons[0].detail
    state = forge.state(REPO)
    assert state is not None
    assert tuple(state.items[number].labels) == ("loop:approved",)
    assert not (tmp_path / "state" / "runs").exists()


def test_a_configuration_given_as_a_value_is_used_and_no_file_is_read(tmp_path: Path) -> None:
    state = tmp_path / "elsewhere"
    document = {"policy": {}, "sandbox": {"kind": "none"}, "loop": {"state_dir": str(state)}}
    given = msgspec.convert(document, LoopConfig)
    lock = FakeLoopLock()
    lock.held.add(str(state / "daemon.lock"))
    absent = str(tmp_path / "no-such-file.toml")
    report = run(tmp_path, config_path=absent, config=given, lock=lock, forge=FakeForge())
    # The lock the value's state_dir names was asked for: the value, not a file, was read.
    assert report.unwrap().outcome == "locked"
    without_policy = msgspec.convert({"loop": {"state_dir": str(state)}}, LoopConfig)
    refused = run(tmp_path, config_path=absent, config=without_policy, lock=lock)
    assert refused.failure().code == "config-policy-missing"

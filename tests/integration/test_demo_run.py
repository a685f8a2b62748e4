"""`demo run` end to end: each variant through one real daemon cycle (the real Pi driven by the
shipped scripted model, real git, real uv gates in bubblewrap, the embedded local forge), judged
by the outcome, the forge's state afterwards and the run record."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest

from adapters.local_forge import LocalForgeStore
from adapters.local_forge.repos import bare_path
from entrypoints.api.demo_run import DEMO_REPO, DemoLoopRun, run_demo_loop
from entrypoints.cli.main import main
from tests.support.loop_world import PLANTED, uv_dir
from tests.support.pi_agent import require_pi
from tests.support.sandbox import require_bwrap

pytestmark = pytest.mark.integration

BRANCH = "engineering-loop/issue-1"


def demo_environ(root: Path) -> dict[str, str]:
    """The operator's environment as the tests give it: offline uv from the warm cache (the test
    command filled it), a home of its own, and a planted token that must never surface."""
    (root / "home").mkdir(exist_ok=True)
    return {
        "PATH": f"{uv_dir()}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(root / "home"),
        "LANG": "C.UTF-8",
        "TMPDIR": str(root),
        "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv")),
        "UV_OFFLINE": "1",
        "UV_PYTHON_DOWNLOADS": "never",
        "GITHUB_TOKEN": PLANTED,
        # A demo on a CI runner still runs: it serves only its own forge.
        "GITHUB_ACTIONS": "true",
    }


@dataclass(frozen=True)
class Expected:
    outcome: str
    rounds: int
    reasons: tuple[str, ...]
    published: bool


EXPECTED = {
    "publishable": Expected("published", 1, (), published=True),
    "blocked": Expected("needs-human", 1, ("policy-blocked",), published=False),
    "remediated": Expected("published", 2, (), published=True),
    "cost-kill": Expected("needs-human", 1, ("budget-exhausted",), published=False),
}


def run_variant(tmp_path: Path, variant: str) -> DemoLoopRun:
    require_pi()
    require_bwrap()
    folder = tmp_path / "demo"
    done = anyio.run(
        functools.partial(
            run_demo_loop, variant, directory=str(folder), environ=demo_environ(tmp_path)
        )
    )
    return done.unwrap()


def remote_branches(folder: Path) -> list[str]:
    bare = bare_path(str(folder / "forge"), DEMO_REPO)
    listed = subprocess.run(
        ["git", "-C", bare, "for-each-ref", "--format=%(refname:short)", "refs/heads/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(listed.split())


def remote_file(folder: Path, path: str) -> str:
    bare = bare_path(str(folder / "forge"), DEMO_REPO)
    return subprocess.run(
        ["git", "-C", bare, "show", f"{BRANCH}:{path}"], capture_output=True, text=True, check=True
    ).stdout


def folder_text(folder: Path) -> str:
    return "\n".join(
        p.read_text(errors="replace") for p in sorted(folder.rglob("*")) if p.is_file()
    )


@pytest.mark.parametrize("variant", sorted(EXPECTED))
def test_each_demo_variant_ends_as_its_script_promises(tmp_path: Path, variant: str) -> None:
    demo = run_variant(tmp_path, variant)
    want, report, folder = EXPECTED[variant], demo.report, Path(demo.dir)
    assert (report.outcome, report.rounds) == (want.outcome, want.rounds), report
    assert tuple(reason.code for reason in report.reasons) == want.reasons
    assert (demo.script.outcome, demo.script.rounds) == (want.outcome, want.rounds)
    assert demo.sandboxed is True
    # The forge: labels, the outcome comment, the draft pull request and the pushed branch.
    store = LocalForgeStore(str(folder / "forge"))
    issue = store.issue(DEMO_REPO, 1).unwrap()
    comments = store.issue_comments(DEMO_REPO, 1).unwrap()
    prs = store.pull_requests(DEMO_REPO).unwrap()
    if want.published:
        assert set(issue.labels) == {"loop:pr-open"}
        ((_, pr),) = prs
        assert (pr.draft, pr.head, pr.base, pr.url) == (True, BRANCH, "main", report.pr_url)
        assert pr.url in comments[-1].body
        assert remote_branches(folder) == [BRANCH, "main"]
        assert "sum(prices_cents)" in remote_file(folder, "src/demo/__init__.py")
        assert "test_an_empty_basket_totals_nothing" in remote_file(folder, "tests/test_total.py")
        assert f"rounds: {want.rounds}" in pr.body
        assert "sandboxed: yes" in pr.body
        assert report.pr is not None
        assert report.pr.body == pr.body
    else:
        assert set(issue.labels) == {"loop:needs-human"}
        assert prs == ()
        assert remote_branches(folder) == ["main"]
        assert f"`{want.reasons[0]}`" in comments[-1].body
    # The record, the state and the ledger live in the demo's folder; no token anywhere.
    assert report.record == str(folder / "state" / "runs" / str(report.run_id) / "record.json")
    record = json.loads(Path(report.record).read_text())
    assert (record["outcome"], [r["code"] for r in record["reasons"]]) == (
        want.outcome,
        list(want.reasons),
    )
    verdict = Path(report.record).with_name("verdict.json")
    if want.published:
        assert hashlib.sha256(verdict.read_bytes()).hexdigest() in prs[0][1].body
    assert (folder / "state" / "ledger.sqlite").is_file()
    assert PLANTED not in folder_text(folder / "state")


def test_the_cost_kill_stops_the_agent_at_the_run_cap(tmp_path: Path) -> None:
    demo = run_variant(tmp_path, "cost-kill")
    assert demo.report.record is not None
    verdict = json.loads(Path(demo.report.record).with_name("verdict.json").read_text())
    (round_1,) = verdict["rounds"]
    # The default run cap is $5.00; each scripted reply costs $1.10: stopped past the cap, long
    # before the script's last reply.
    assert verdict["budget"]["max_cost_micros"] == 5_000_000
    assert 5.0 <= round_1["harness"]["total_cost_usd"] <= 5.0 + 1.1
    assert (
        demo.report.reasons[0].detail == "the agent was stopped (budget-exhausted) at the run's cap"
    )


def test_json_prints_the_run_and_its_folder_and_exits_with_the_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    require_pi()
    require_bwrap()
    monkeypatch.setattr(os, "environ", demo_environ(tmp_path))
    folder = tmp_path / "json-demo"
    code = main(["demo", "run", "--variant", "blocked", "--dir", str(folder), "--json"])
    captured = capsys.readouterr()
    printed = json.loads(captured.out)
    assert code == 1
    assert printed["dir"] == str(folder)
    assert (printed["outcome"], printed["pr_url"]) == ("needs-human", None)
    assert printed["record"].startswith(str(folder / "state" / "runs"))
    assert "not an LLM" in captured.err


def test_a_missing_pi_is_refused_with_how_to_install_it(tmp_path: Path) -> None:
    missing = tmp_path / "tools" / "pi" / "node_modules" / ".bin" / "pi"
    done = anyio.run(
        functools.partial(
            run_demo_loop, directory=str(tmp_path / "d"), environ={}, pi_binary=str(missing)
        )
    )
    error = done.failure()
    assert error.code == "demo-pi-missing"
    assert f"npm ci --prefix {tmp_path / 'tools' / 'pi'}" in error.message
    assert not (tmp_path / "d").exists()


def test_a_folder_that_is_not_empty_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_pi()
    (tmp_path / "something").write_text("mine\n")
    code = main(["demo", "run", "--dir", str(tmp_path)])
    printed = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (code, printed["error"]["code"]) == (2, "demo-dir-not-empty")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["something"]

"""Each demo script drives the real Pi to the edits it promises, judged by the real `check`.

The scripted model server plays a variant's shipped script (one session per agent run); the
pinned Pi runs its tools in a committed copy of examples/demo-project; then `engineering-loop
check` (policy `src/` and `tests/` only, real `uv run --locked` gates) judges the result.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import anyio
import pytest

from domain.harness.run import HarnessRun
from entrypoints import bootstrap
from entrypoints.api.gates.run import run_gates, select_for_paths
from entrypoints.api.harness.run import HarnessRunRequest, run_harness
from entrypoints.cli.main import main
from entrypoints.demo.pi import MODEL, PROVIDER, pi_models, pi_settings, reply_cost_usd
from entrypoints.demo.script import (
    SCRIPT_NOTICE,
    VARIANTS,
    DemoScript,
    load_demo_issue,
    load_demo_script,
)
from ports.scripted_model import ScriptedModel
from tests.integration.conftest import gate_parent_env
from tests.support.pi_agent import require_pi

pytestmark = pytest.mark.integration

POLICY = '[policy]\nallowed_paths = ["src/", "tests/"]\n'
ADDED = "def total_cents(prices_cents: list[int], percent: int = 0) -> int:"


class Agent:
    """The real Pi against one scripted model server, run once per session."""

    def __init__(self, tmp_path: Path, repo: Path, server: ScriptedModel) -> None:
        self.tmp_path, self.repo, self.server = tmp_path, repo, server
        agent_dir = tmp_path / "agent"
        agent_dir.mkdir()
        (agent_dir / "models.json").write_text(json.dumps(pi_models(server.base_url)))
        (agent_dir / "settings.json").write_text(json.dumps(pi_settings()))
        self.config = tmp_path / "engineering-loop.toml"
        self.config.write_text(
            POLICY + f'[harness]\nname = "pi"\nprovider = "{PROVIDER}"\nmodel = "{MODEL}"\n'
            f"binary = {json.dumps(require_pi())}\n"
        )
        self.environ = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(tmp_path / "home"),
            "PI_CODING_AGENT_DIR": str(agent_dir),
        }

    def run(self, prompt: str, max_cost_usd: float | None = None) -> HarnessRun:
        prompt_file = self.tmp_path / "prompt.md"
        prompt_file.write_text(prompt)
        request = HarnessRunRequest(
            repo=str(self.repo),
            prompt_file=str(prompt_file),
            harness="pi",
            config_path=str(self.config),
            max_cost_usd=max_cost_usd,
            timeout_s=120,
            transcript_dir=str(self.tmp_path / "transcripts"),
        )
        done = anyio.run(functools.partial(run_harness, request, environ=self.environ))
        return done.unwrap()

    def check(self, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
        argv = ["check", "--repo", str(self.repo), "--base", "HEAD"]
        code = main([*argv, "--config", str(self.config), "--json"])
        return code, json.loads(capsys.readouterr().out)


def _script(variant: str) -> DemoScript:
    return load_demo_script(variant).unwrap()


def _prompt() -> str:
    issue = load_demo_issue().unwrap()
    return f"# {issue.title}\n\n{issue.body}"


def _pytest_output(repo: Path, env_dir: str) -> str:
    """What the real pytest gate printed on the repository as it stands."""
    plan = select_for_paths(str(repo), ["src/demo/__init__.py", "tests/test_total.py"]).unwrap()
    report = run_gates(
        str(repo), plan, parent_env=gate_parent_env(), env_dir=env_dir, timeout_s=120
    ).unwrap()
    gate = next(gate for gate in report.gates if gate.name == "pytest")
    return gate.stdout + gate.stderr


def _gates(report: dict[str, Any]) -> dict[str, str]:
    return {gate["name"]: gate["status"] for gate in report["repos"][0]["gates"]}


def _violations(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(v["code"], v["path"]) for v in report["repos"][0]["violations"]]


def test_publishable_script_passes_the_policy_and_every_real_gate(
    example_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = _script("publishable")
    with bootstrap.scripted_model(script.sessions) as server:
        agent = Agent(tmp_path, example_repo, server)
        run = agent.run(_prompt())
        assert (run.status, server.requests_served, server.sessions_started) == ("completed", 3, 1)
    assert ADDED in (example_repo / "src" / "demo" / "__init__.py").read_text()
    assert (example_repo / "tests" / "test_total.py").is_file()
    assert run.report.result_text is not None
    assert "scripted model, not an LLM" in run.report.result_text
    code, report = agent.check(capsys)
    assert (code, report["verdict"], _violations(report)) == (0, "publishable", [])
    assert _gates(report) == {
        "check-files": "passed",
        "pytest": "passed",
        "ruff": "passed",
        "mypy": "passed",
    }


def test_blocked_script_writes_outside_the_allowed_paths(
    example_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = _script("blocked")
    with bootstrap.scripted_model(script.sessions) as server:
        agent = Agent(tmp_path, example_repo, server)
        assert agent.run(_prompt()).status == "completed"
    assert (example_repo / "scripts" / "publish.sh").is_file()
    code, report = agent.check(capsys)
    assert (code, report["verdict"]) == (1, "blocked")
    assert _violations(report) == [("path-not-allowed", "scripts/publish.sh")]
    assert set(_gates(report).values()) == {"not-run"}


def test_remediated_script_fails_pytest_in_round_1_and_fixes_it_in_round_2(
    example_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], uv_env_dir: str
) -> None:
    script = _script("remediated")
    with bootstrap.scripted_model(script.sessions) as server:
        agent = Agent(tmp_path, example_repo, server)
        assert agent.run(_prompt()).status == "completed"
        code, first = agent.check(capsys)
        assert (code, first["verdict"], _gates(first)["pytest"]) == (1, "blocked", "failed")
        # The failure the script promises: the acceptance tests, not an import or syntax error.
        failed = _pytest_output(example_repo, uv_env_dir)
        failures = [line.split(" - ")[0] for line in failed.splitlines() if line[:7] == "FAILED "]
        assert sorted(failures) == [
            "FAILED tests/test_total.py::test_a_basket_discount_applies_to_the_total",
            "FAILED tests/test_total.py::test_a_basket_totals_its_prices",
        ]
        # Round 2 is a new Pi process: a new conversation, so the server plays session 2.
        second_prompt = _prompt() + "\n\n## Findings\n" + failed
        assert agent.run(second_prompt).status == "completed"
        assert (server.sessions_started, server.requests_served) == (2, 4)
    assert "sum(prices_cents)" in (example_repo / "src" / "demo" / "__init__.py").read_text()
    code, second = agent.check(capsys)
    assert (code, second["verdict"], _gates(second)["pytest"]) == (0, "publishable", "passed")


def test_cost_kill_script_crosses_the_default_run_cap(example_repo: Path, tmp_path: Path) -> None:
    script = _script("cost-kill")
    per_reply = reply_cost_usd(50_000, 20_000)
    cap = 5.0  # [budget.run] max_cost_usd by default
    with bootstrap.scripted_model(script.sessions) as server:
        agent = Agent(tmp_path, example_repo, server)
        run = agent.run(_prompt(), max_cost_usd=cap)
        served = server.requests_served
    assert run.status == "budget-exhausted"
    spent = run.report.total_cost_usd
    assert spent is not None
    assert cap <= spent <= cap + per_reply
    assert served < len(script.sessions[0].replies)
    assert ADDED in (example_repo / "src" / "demo" / "__init__.py").read_text()


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_script_says_it_is_a_script_not_an_llm(variant: str) -> None:
    script = _script(variant)
    texts = [reply.text for session in script.sessions for reply in session.replies]
    assert all(text.startswith("[scripted model, not an LLM]") for text in texts)
    assert len(script.sessions) == script.rounds
    assert "not an LLM" in SCRIPT_NOTICE

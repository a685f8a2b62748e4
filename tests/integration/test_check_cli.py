"""`engineering-loop check` / `policy check` / `demo check` end to end on real repositories.

Repositories are built with the git CLI; uv projects are copies of the bundled example's base
(its `uv.lock` resolves pytest from PyPI, or from uv's cache once it has run).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from entrypoints.api.demo import EXAMPLE_DIR
from entrypoints.cli.main import main
from tests.support.gitrepo import commit_all, git, init_repo, write

pytestmark = pytest.mark.integration

POLICY = '[policy]\nallowed_paths = ["src/", "tests/", "docs/", "notes/"]\n'


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.startswith("{") else out


def config(tmp_path: Path, text: str = POLICY) -> str:
    path = tmp_path / "engineering-loop.toml"
    path.write_text(text)
    return str(path)


def uv_project(path: Path) -> Path:
    """A committed copy of the example's base: a uv project with a dev group and tests."""
    shutil.copytree(Path(EXAMPLE_DIR) / "base", path)
    init_repo(path)
    commit_all(path, "base")
    return path


def plain_repo(path: Path) -> Path:
    """A committed repository without pyproject.toml: only the built-in file check applies."""
    return init_repo(path, {"notes/a.txt": "a\n", "src/tool.py": "X = 1\n"})


def codes(report: Any, index: int = 0) -> list[str]:
    return [v["code"] for v in report["repos"][index]["violations"]]


def gates(report: Any, index: int = 0) -> dict[str, str]:
    return {g["name"]: g["status"] for g in report["repos"][index]["gates"]}


def test_demo_publishable_runs_every_gate_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_cli(capsys, "demo", "check", "--json")
    assert (code, report["verdict"]) == (0, "publishable")
    assert gates(report) == {"check-files": "passed", "pytest": "passed"}
    pytest_gate = next(g for g in report["repos"][0]["gates"] if g["name"] == "pytest")
    assert pytest_gate["executed"][:2] == ["uv", "run"]


def test_demo_blocked_gives_every_reason_and_runs_no_gate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, report = run_cli(capsys, "demo", "check", "--variant", "blocked", "--json")
    assert (code, report["verdict"]) == (1, "blocked")
    # The key is in the worktree and in the agent's commit: pushing publishes both.
    assert sorted(codes(report)) == ["path-denied", "secret-detected", "secret-in-history"]
    assert set(gates(report).values()) == {"not-run"}


def test_demo_summary_names_reasons_but_never_the_secret(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, text = run_cli(capsys, "demo", "check", "--variant", "blocked")
    assert code == 1
    assert text.startswith("BLOCKED: 3 reason(s)")
    assert "BLOCKED secret-detected src/demo_calc/settings.py: line 4" in text
    assert "BLOCKED secret-in-history src/demo_calc/settings.py: commit " in text
    assert "AKIAIOSFODNN7EXAMPLE" not in text


def test_policy_check_plans_gates_but_runs_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = uv_project(tmp_path / "app")
    write(repo, {"src/demo_calc/extra.py": "Y = 2\n"})
    code, report = run_cli(
        capsys, "policy", "check", "--repo", str(repo), "--config", config(tmp_path), "--json"
    )
    assert (code, report["verdict"]) == (0, "publishable")
    assert gates(report) == {"check-files": "planned", "pytest": "planned"}
    assert report["repos"][0]["changes"][0]["path"] == "src/demo_calc/extra.py"


def test_each_repository_gets_its_own_gates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = uv_project(tmp_path / "app")
    tool = plain_repo(tmp_path / "tool")
    write(app, {"src/demo_calc/extra.py": "Y = 2\n"})
    write(tool, {"src/tool.py": "X = 2\n"})
    argv = ["--repo", str(app), "--repo", str(tool), "--config", config(tmp_path), "--json"]
    code, report = run_cli(capsys, "check", *argv)
    assert (code, report["verdict"]) == (0, "publishable")
    assert [r["repo"] for r in report["repos"]] == [str(app), str(tool)]
    assert gates(report, 0) == {"check-files": "passed", "pytest": "passed"}
    assert gates(report, 1) == {"check-files": "passed"}


def test_one_blocked_repository_blocks_all_and_no_gate_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = uv_project(tmp_path / "app")
    tool = plain_repo(tmp_path / "tool")
    write(app, {"src/demo_calc/extra.py": "Y = 2\n"})
    write(tool, {"scripts/deploy.sh": "echo deploy\n"})
    argv = ["--repo", str(app), "--repo", str(tool), "--config", config(tmp_path), "--json"]
    code, report = run_cli(capsys, "check", *argv)
    assert (code, codes(report, 0), codes(report, 1)) == (1, [], ["path-not-allowed"])
    assert set(gates(report, 0).values()) == {"not-run"}


def test_failing_gate_blocks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = uv_project(tmp_path / "app")
    write(repo, {"tests/test_broken.py": "def test_broken() -> None:\n    assert 1 == 2\n"})
    code, report = run_cli(
        capsys, "check", "--repo", str(repo), "--config", config(tmp_path), "--json"
    )
    assert (code, codes(report)) == (1, ["gate-failed"])
    assert gates(report)["pytest"] == "failed"


def test_gate_writing_into_the_worktree_is_a_side_effect(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = uv_project(tmp_path / "app")
    writer = (
        "from pathlib import Path\n\n\ndef test_writes() -> None:\n"
        "    Path(__file__).with_name('trace.txt').write_text('x')\n"
    )
    write(repo, {"tests/test_writer.py": writer})
    code, report = run_cli(
        capsys, "check", "--repo", str(repo), "--config", config(tmp_path), "--json"
    )
    assert code == 1
    violations = report["repos"][0]["violations"]
    assert ("gate-side-effect", "tests/trace.txt") in {(v["code"], v["path"]) for v in violations}


def test_an_agent_committed_gitignore_does_not_hide_a_gate_by_product(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The gate snapshot takes its ignore rules from the check's base, not from HEAD: the agent
    # commits HEAD, so a rule it committed would otherwise hide what its test leaves behind.
    repo = uv_project(tmp_path / "app")
    base = git(repo, "rev-parse", "HEAD").strip()
    writer = (
        "from pathlib import Path\n\n\ndef test_writes() -> None:\n"
        "    Path(__file__).with_name('trace.txt').write_text('x')\n"
    )
    write(repo, {"tests/test_writer.py": writer, "tests/.gitignore": "trace.txt\n"})
    commit_all(repo, "agent: a test and an ignore rule for what it writes")
    code, report = run_cli(
        capsys,
        "check",
        "--repo",
        str(repo),
        "--base",
        base,
        "--config",
        config(tmp_path),
        "--json",
    )
    assert code == 1
    violations = report["repos"][0]["violations"]
    assert ("gate-side-effect", "tests/trace.txt") in {(v["code"], v["path"]) for v in violations}


def test_uv_rewrite_needs_uv_in_allowed_gates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = uv_project(tmp_path / "app")
    write(repo, {"src/demo_calc/extra.py": "Y = 2\n"})
    text = POLICY + 'allowed_gates = ["python"]\n'
    code, report = run_cli(
        capsys, "policy", "check", "--repo", str(repo), "--config", config(tmp_path, text), "--json"
    )
    assert (code, codes(report)) == (1, ["gate-not-allowed"])
    assert "prepared program 'uv'" in report["repos"][0]["violations"][0]["detail"]


def test_required_coverage_blocks_a_path_no_gate_covers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = plain_repo(tmp_path / "tool")
    (repo / "docs").mkdir()
    (repo / "docs/logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    text = POLICY + "require_gate_coverage = true\n"
    code, report = run_cli(
        capsys, "policy", "check", "--repo", str(repo), "--config", config(tmp_path, text), "--json"
    )
    assert (code, codes(report)) == (1, ["unverified-path"])


def test_lockfile_churn_without_dependency_change_is_blocked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = uv_project(tmp_path / "app")
    with open(repo / "uv.lock", "a") as lock:
        lock.write("\n")
    text = '[policy]\nallowed_paths = ["**"]\nprotected_paths = []\n'
    code, report = run_cli(
        capsys, "policy", "check", "--repo", str(repo), "--config", config(tmp_path, text), "--json"
    )
    assert (code, codes(report)) == (1, ["lockfile-without-manifest-change"])


def test_base_option_measures_from_the_given_commit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = plain_repo(tmp_path / "tool")
    write(repo, {"notes/b.txt": "b\n"})
    commit_all(repo, "agent commit")
    argv = ["--repo", str(repo), "--config", config(tmp_path), "--json"]
    _, at_head = run_cli(capsys, "policy", "check", *argv)
    _, at_base = run_cli(capsys, "policy", "check", *argv, "--base", "HEAD~1")
    assert at_head["repos"][0]["changes"] == []
    assert [c["path"] for c in at_base["repos"][0]["changes"]] == ["notes/b.txt"]


def test_config_without_policy_section_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = plain_repo(tmp_path / "tool")
    code, error = run_cli(
        capsys, "check", "--repo", str(repo), "--config", config(tmp_path, "# nothing\n")
    )
    assert (code, error["error"]["code"]) == (2, "config-policy-missing")


def test_missing_config_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, error = run_cli(
        capsys, "check", "--repo", str(tmp_path), "--config", str(tmp_path / "none.toml")
    )
    assert (code, error["error"]["code"]) == (2, "config-missing")


def test_invalid_secret_pattern_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = '[policy]\nsecret_patterns = ["(unclosed"]\n'
    code, error = run_cli(
        capsys, "check", "--repo", str(tmp_path), "--config", config(tmp_path, text)
    )
    assert (code, error["error"]["code"]) == (2, "config-invalid")


def test_directory_that_is_no_repository_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, error = run_cli(capsys, "check", "--repo", str(tmp_path), "--config", config(tmp_path))
    assert (code, error["error"]["code"]) == (2, "repo-not-found")


def test_unknown_base_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = plain_repo(tmp_path / "tool")
    code, error = run_cli(
        capsys, "check", "--repo", str(repo), "--base", "nope", "--config", config(tmp_path)
    )
    assert (code, error["error"]["code"]) == (2, "base-not-found")


def test_repo_option_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["check"])
    assert exited.value.code == 2
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "usage-error"


def test_agent_code_never_runs_when_the_policy_blocks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = uv_project(tmp_path / "app")
    canary = tmp_path / "ran.txt"
    writer = f"def test_runs() -> None:\n    open({str(canary)!r}, 'w').close()\n"
    write(repo, {"tests/test_canary.py": writer, ".github/workflows/ci.yml": "on: push\n"})
    code, report = run_cli(
        capsys, "check", "--repo", str(repo), "--config", config(tmp_path), "--json"
    )
    assert (code, codes(report)) == (1, ["path-denied"])
    assert not canary.exists()


def test_the_origin_remote_does_not_choose_the_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # .git/config is the agent's to write: pointing origin at a laxer repository's name must
    # not pick that repository's rules.
    repo = plain_repo(tmp_path / "checkout")
    git(repo, "remote", "add", "origin", "git@github.com:acme/api.git")
    write(repo, {"scripts/run.sh": "echo run\n"})
    text = POLICY + '[policy.repos."acme/api"]\nallowed_paths = ["scripts/"]\n'
    code, report = run_cli(
        capsys, "policy", "check", "--repo", str(repo), "--config", config(tmp_path, text), "--json"
    )
    assert (code, codes(report), report["repos"][0]["name"]) == (
        1,
        ["path-not-allowed"],
        "checkout",
    )


def test_repo_name_names_the_preceding_repo_for_its_override(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = plain_repo(tmp_path / "checkout")
    two = plain_repo(tmp_path / "api")
    write(one, {"scripts/run.sh": "echo run\n"})
    write(two, {"scripts/run.sh": "echo run\n"})
    text = POLICY + '[policy.repos."acme/api"]\nallowed_paths = ["scripts/"]\n'
    code, report = run_cli(
        capsys,
        "policy",
        "check",
        "--repo",
        str(one),
        "--repo-name",
        "acme/api",
        "--repo",
        str(two),
        "--config",
        config(tmp_path, text),
        "--json",
    )
    assert code == 1
    assert [(r["name"], codes(report, i)) for i, r in enumerate(report["repos"])] == [
        ("acme/api", []),
        ("api", ["path-not-allowed"]),
    ]


@pytest.mark.parametrize(
    "argv",
    [
        ["--repo-name", "acme/api", "--repo", "."],
        ["--repo", ".", "--repo-name", "acme/api", "--repo-name", "acme/web"],
        ["--repo", ".", "--repo-name", ""],
    ],
)
def test_repo_name_without_exactly_one_preceding_repo_is_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["policy", "check", *argv])
    assert exited.value.code == 2
    assert "--repo-name" in capsys.readouterr().err


def test_symlink_leaving_the_worktree_is_blocked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = plain_repo(tmp_path / "tool")
    (repo / "docs").mkdir()
    (repo / "docs/passwd").symlink_to("../../../etc/passwd")
    code, report = run_cli(
        capsys, "policy", "check", "--repo", str(repo), "--config", config(tmp_path), "--json"
    )
    assert (code, codes(report)) == (1, ["symlink-escapes"])
    assert report["repos"][0]["changes"][0]["symlink_target"] == "../../../etc/passwd"


def _policy_check(tmp_path: Path, capsys: pytest.CaptureFixture[str], repo: Path) -> Any:
    code, report = run_cli(
        capsys, "policy", "check", "--repo", str(repo), "--config", config(tmp_path), "--json"
    )
    return code, report


def test_a_symlink_chain_leaving_the_worktree_is_blocked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Each link's text stays inside; followed through the worktree, src/esc leads to its parent.
    repo = plain_repo(tmp_path / "tool")
    (repo / "src/a").mkdir()
    (repo / "src/a/up").symlink_to("..")
    (repo / "src/esc").symlink_to("a/up/../..")
    code, report = _policy_check(tmp_path, capsys, repo)
    assert code == 1
    escapes = [v for v in report["repos"][0]["violations"] if v["code"] == "symlink-escapes"]
    assert [v["path"] for v in escapes] == ["src/esc"]
    assert "outside the worktree" in escapes[0]["detail"]


def test_a_dangling_symlink_chain_leaving_the_worktree_is_blocked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # src/a/up leads to src; "missing" does not exist, and `..` back out of it only leads
    # anywhere once it is created: up three levels from src, outside, whatever the text alone
    # (five levels deep) says. Either is enough to block it.
    repo = plain_repo(tmp_path / "tool")
    (repo / "src/a").mkdir()
    (repo / "src/a/up").symlink_to("..")
    (repo / "src/dangling").symlink_to("a/up/missing/../../..")
    code, report = _policy_check(tmp_path, capsys, repo)
    assert (code, codes(report)) == (1, ["symlink-escapes"])
    assert report["repos"][0]["violations"][0]["path"] == "src/dangling"


def test_a_symlink_loop_is_blocked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = plain_repo(tmp_path / "tool")
    (repo / "src/one").symlink_to("two")
    (repo / "src/two").symlink_to("one")
    code, report = _policy_check(tmp_path, capsys, repo)
    assert (code, codes(report)) == (1, ["symlink-escapes", "symlink-escapes"])
    assert "loop" in report["repos"][0]["violations"][0]["detail"]


def test_a_symlink_chain_that_stays_inside_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = plain_repo(tmp_path / "tool")
    (repo / "src/a").mkdir()
    (repo / "src/a/up").symlink_to("..")
    (repo / "src/same").symlink_to("a/up/tool.py")
    (repo / "src/missing").symlink_to("a/up/not-yet.py")
    code, report = _policy_check(tmp_path, capsys, repo)
    assert (code, codes(report)) == (0, [])


def test_an_unchanged_symlink_rerouted_outside_by_a_changed_one_is_blocked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # In the base, src/a/l -> x/../.. leads to src (x is a folder). The agent replaces x by a
    # link to ../.. (the root: inside), and l, unchanged, now leads out of the worktree.
    repo = init_repo(tmp_path / "tool", {"src/a/x/keep.txt": "k\n"})
    (repo / "src/a/l").symlink_to("x/../..")
    commit_all(repo, "a link through a folder")
    shutil.rmtree(repo / "src/a/x")
    (repo / "src/a/x").symlink_to("../..")
    code, report = _policy_check(tmp_path, capsys, repo)
    assert (code, codes(report)) == (1, ["symlink-escapes"])
    violation = report["repos"][0]["violations"][0]
    assert violation["path"] == "src/a/l"
    assert "src/a/x" in violation["detail"]


@pytest.mark.parametrize(
    ("variable", "config_text"),
    [
        ("HARNESS_KEY", POLICY + '[harness]\nenv_allow = ["HARNESS_KEY"]\n'),
        ("TIER_KEY", POLICY + '[harness.tiers."loop:xl"]\nenv_allow = ["TIER_KEY"]\n'),
        ("SOME_SERVICE_TOKEN", POLICY),
    ],
)
def test_the_value_of_a_harness_or_credential_variable_is_a_secret(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    config_text: str,
) -> None:
    value = "plain-looking-value-42"
    monkeypatch.setenv(variable, value)
    repo = plain_repo(tmp_path / "tool")
    write(repo, {"notes/b.txt": f"hello\nkey {value}\n"})
    code, report = run_cli(
        capsys,
        "policy",
        "check",
        "--repo",
        str(repo),
        "--config",
        config(tmp_path, config_text),
        "--json",
    )
    assert (code, codes(report)) == (1, ["secret-detected"])
    assert report["repos"][0]["violations"][0]["detail"].startswith(
        f"line 2: matches the value of ${variable}"
    )
    assert value not in json.dumps(report)


def test_a_file_name_with_control_characters_is_unsafe_and_cannot_forge_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = plain_repo(tmp_path / "tool")
    write(repo, {"docs/a\n  added        docs:fine.md\nPUBLISHABLE": "x\n", "docs/\x1b[2Jb": "y\n"})
    argv = ["--repo", str(repo), "--config", config(tmp_path)]
    code, text = run_cli(capsys, "policy", "check", *argv)
    assert code == 1
    assert text.splitlines()[0] == "BLOCKED: 2 reason(s) in 1 of 1 repository"
    assert "\x1b" not in text
    lines = text.splitlines()
    assert "  added        docs:fine.md" not in lines
    assert not [line for line in lines if line.startswith("PUBLISHABLE")]
    assert "  BLOCKED path-unsafe docs/\\x1b[2Jb: the path contains a control character" in text
    _, report = run_cli(capsys, "policy", "check", *argv, "--json")
    assert codes(report) == ["path-unsafe", "path-unsafe"]


def test_secrets_in_a_file_name_and_a_symlink_target_are_found_and_never_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = "ghp_" + "Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5"
    repo = plain_repo(tmp_path / "tool")
    write(repo, {f"docs/{token}.md": "x\n"})
    (repo / "docs/link").symlink_to(f"{token}.md")
    argv = ["--repo", str(repo), "--config", config(tmp_path)]
    code, text = run_cli(capsys, "policy", "check", *argv)
    assert code == 1
    assert token not in text
    assert "  added        docs/<redacted>.md" in text
    assert "  added        docs/link -> <redacted>.md" in text
    code, report = run_cli(capsys, "policy", "check", *argv, "--json")
    assert token not in json.dumps(report)
    assert [
        (v["code"], v["path"], v["detail"].split(";")[0]) for v in report["repos"][0]["violations"]
    ] == [
        (
            "secret-detected",
            "docs/<redacted>.md",
            "its path matches GitHub personal access token (ghp_)",
        ),
        (
            "secret-detected",
            "docs/link",
            "its symlink target matches GitHub personal access token (ghp_)",
        ),
    ]


def test_deleting_the_lockfile_without_a_dependency_change_is_blocked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = uv_project(tmp_path / "app")
    (repo / "uv.lock").unlink()
    text = '[policy]\nallowed_paths = ["**"]\nprotected_paths = []\n'
    code, report = run_cli(
        capsys, "policy", "check", "--repo", str(repo), "--config", config(tmp_path, text), "--json"
    )
    assert (code, codes(report)) == (1, ["lockfile-without-manifest-change"])
    assert report["repos"][0]["changes"][0]["kind"] == "deleted"


def test_a_named_repository_still_gets_its_directory_name_override(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = plain_repo(tmp_path / "checkout")
    write(repo, {"scripts/run.sh": "echo run\n"})
    text = POLICY + '[policy.repos.checkout]\nallowed_paths = ["scripts/"]\n'
    argv = ["--repo", str(repo), "--repo-name", "acme/api", "--config", config(tmp_path, text)]
    code, report = run_cli(capsys, "policy", "check", *argv, "--json")
    assert (code, codes(report), report["repos"][0]["name"]) == (0, [], "acme/api")
    text += '[policy.repos."acme/api"]\nallowed_paths = ["notes/"]\n'
    argv[-1] = config(tmp_path, text)
    code, report = run_cli(capsys, "policy", "check", *argv, "--json")
    assert (code, codes(report)) == (1, ["path-not-allowed"])


def test_allowed_gates_are_judged_per_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The same uv project twice: the gate rewritten to `uv run ...` passes where the repository's
    # rules allow uv and is gate-not-allowed only where they do not.
    lax = uv_project(tmp_path / "lax")
    strict = uv_project(tmp_path / "strict")
    for repo in (lax, strict):
        write(repo, {"src/demo_calc/extra.py": "Y = 2\n"})
    text = POLICY + '[policy.repos.strict]\nallowed_gates = ["python", "pytest"]\n'
    argv = ["--repo", str(lax), "--repo", str(strict), "--config", config(tmp_path, text)]
    code, report = run_cli(capsys, "policy", "check", *argv, "--json")
    assert (code, codes(report, 0), codes(report, 1)) == (1, [], ["gate-not-allowed"])
    assert "prepared program 'uv'" in report["repos"][1]["violations"][0]["detail"]
    executed = [
        g["executed"][0] for r in report["repos"] for g in r["gates"] if g["name"] == "pytest"
    ]
    assert executed == ["uv", "uv"]
    code, report = run_cli(capsys, "check", *argv, "--json")
    assert (code, codes(report, 0), codes(report, 1)) == (1, [], ["gate-not-allowed"])
    assert set(gates(report, 0).values()) == set(gates(report, 1).values()) == {"not-run"}

"""`check_repos` with in-memory repositories and gate stage: order, verdicts, per-repo rules."""

from __future__ import annotations

from collections.abc import Sequence

import anyio
import msgspec
from returns.result import Result

from domain.policy.evaluate import GateArgv, PolicyConfig, PolicyOverride
from entrypoints.api.check.run import (
    CheckError,
    CheckReport,
    GateOutcome,
    PlannedGates,
    RanGate,
    RefusedGate,
    RepoTarget,
    check_repos,
)
from tests.fakes.changes import FakeChangeCollector, FakeRepository, FakeUpstreamReader
from tests.fakes.gate_stage import FakeGateStage

POLICY = PolicyConfig(allowed_paths=("src/", "docs/"))
PYTEST = GateArgv(name="pytest", declared=("pytest",), executed=("uv", "run", "--", "pytest"))


def repo_with(changes: dict[str, str]) -> FakeRepository:
    repo = FakeRepository({"src/a.py": b"a = 1\n"})
    repo.worktree.update({p: t.encode() for p, t in changes.items()})
    return repo


def run_check(
    targets: Sequence[str | RepoTarget],
    policy: PolicyConfig | None,
    repos: dict[str, FakeRepository],
    *,
    stage: FakeGateStage | None = None,
    collector: FakeChangeCollector | None = None,
    upstreams: FakeUpstreamReader | None = None,
    base: str | None = None,
    run_gates: bool = True,
) -> Result[CheckReport, CheckError]:
    """`check_repos` over fakes: `repos` back the collector and upstream reader not given."""

    async def run() -> Result[CheckReport, CheckError]:
        return await check_repos(
            targets,
            policy,
            base=base,
            run_gates=run_gates,
            collector=collector or FakeChangeCollector(repos),
            upstreams=upstreams or FakeUpstreamReader(repos),
            stage=stage or FakeGateStage(),
        )

    return anyio.run(run)


def check(
    repos: dict[str, FakeRepository],
    stage: FakeGateStage,
    policy: PolicyConfig | None = POLICY,
    *,
    run_gates: bool = True,
) -> Result[CheckReport, CheckError]:
    return run_check(list(repos), policy, repos, stage=stage, run_gates=run_gates)


def test_publishable_change_runs_gates_of_every_repository_in_order() -> None:
    stage = FakeGateStage()
    repos = {"/one": repo_with({"src/b.py": "b\n"}), "/two": repo_with({"docs/x.md": "x\n"})}
    report = check(repos, stage).unwrap()
    assert (report.verdict, stage.ran) == ("publishable", ["/one", "/two"])


def test_a_violation_in_any_repository_means_no_gate_runs_anywhere() -> None:
    stage = FakeGateStage(plans={"/one": PlannedGates(gates=(PYTEST,))})
    repos = {"/one": repo_with({"src/b.py": "b\n"}), "/two": repo_with({"ci.yml": "x\n"})}
    report = check(repos, stage).unwrap()
    assert (report.verdict, stage.ran) == ("blocked", [])
    assert [g.status for g in report.repos[0].gates] == ["not-run"]
    assert [v.code for v in report.repos[1].violations] == ["path-not-allowed"]


def test_policy_check_plans_but_never_runs() -> None:
    stage = FakeGateStage(plans={"/one": PlannedGates(gates=(PYTEST,))})
    report = check({"/one": repo_with({"src/b.py": "b\n"})}, stage, run_gates=False).unwrap()
    assert (report.verdict, stage.ran, report.repos[0].gates[0].status) == (
        "publishable",
        [],
        "planned",
    )


def test_each_repository_is_planned_with_its_own_changes_only() -> None:
    stage = FakeGateStage()
    repos = {"/one": repo_with({"src/b.py": "b\n"}), "/two": repo_with({"src/c.py": "c\n"})}
    check(repos, stage)
    assert stage.planned == [("/one", ("src/b.py",)), ("/two", ("src/c.py",))]


def test_refused_gate_blocks_before_anything_runs() -> None:
    refusal = RefusedGate(name="pytest", code="gate-unsafe-option", message="--no-sync")
    plan = PlannedGates(gates=(GateArgv(name="pytest", declared=("pytest",)),), refusals=(refusal,))
    stage = FakeGateStage(plans={"/one": plan})
    report = check({"/one": repo_with({"src/b.py": "b\n"})}, stage).unwrap()
    assert ([v.code for v in report.repos[0].violations], stage.ran) == (["gate-not-allowed"], [])
    assert report.repos[0].gates[0].status == "refused"


def test_gate_not_in_the_allowlist_blocks_before_anything_runs() -> None:
    make = GateArgv(name="make", declared=("make", "test"), executed=("make", "test"))
    stage = FakeGateStage(plans={"/one": PlannedGates(gates=(make,))})
    report = check({"/one": repo_with({"src/b.py": "b\n"})}, stage).unwrap()
    assert ([v.code for v in report.repos[0].violations], stage.ran) == (["gate-not-allowed"], [])


def test_unplannable_gates_block() -> None:
    stage = FakeGateStage(plans={"/one": PlannedGates(problem="pyproject-unreadable: bad TOML")})
    report = check({"/one": repo_with({"src/b.py": "b\n"})}, stage).unwrap()
    assert [v.code for v in report.repos[0].violations] == ["gate-failed"]


def test_side_effects_and_failures_of_a_run_block() -> None:
    outcome = GateOutcome(
        results=(RanGate(name="pytest", status="failed", exit_code=1, detail="failed, exit 1"),),
        side_effects=("src/__pycache__/a.pyc",),
    )
    stage = FakeGateStage(plans={"/one": PlannedGates(gates=(PYTEST,))}, outcomes={"/one": outcome})
    report = check({"/one": repo_with({"src/b.py": "b\n"})}, stage).unwrap()
    assert report.verdict == "blocked"
    assert sorted(v.code for v in report.repos[0].violations) == ["gate-failed", "gate-side-effect"]
    assert [(g.status, g.exit_code) for g in report.repos[0].gates] == [("failed", 1)]


def test_rules_are_chosen_by_the_given_name_else_the_directory_name() -> None:
    policy = PolicyConfig(
        allowed_paths=("src/",),
        repos={
            "acme/api": PolicyOverride(allowed_paths=("ops/",)),
            "two": PolicyOverride(allowed_paths=("ops/",)),
            "three": PolicyOverride(allowed_paths=("ops/",)),
        },
    )
    repos = {
        "/w/one": repo_with({"ops/x.sh": "x\n"}),
        "/w/two": repo_with({"ops/x.sh": "x\n"}),
        "/w/three": repo_with({"ops/x.sh": "x\n"}),
    }
    targets = [
        RepoTarget(path="/w/one", name="acme/api"),
        RepoTarget(path="/w/two"),
        RepoTarget(path="/w/three", name="acme/other"),
    ]

    report = run_check(targets, policy, repos).unwrap()
    # `/w/three` is called acme/other, which has no table: its directory name's table applies.
    assert [(r.name, [v.code for v in r.violations]) for r in report.repos] == [
        ("acme/api", []),
        ("two", []),
        ("acme/other", []),
    ]


def check_targets(
    targets: list[RepoTarget], policy: PolicyConfig, repos: dict[str, FakeRepository]
) -> CheckReport:
    return run_check(targets, policy, repos).unwrap()


def test_a_given_owner_name_table_wins_over_the_directory_name_table_whole() -> None:
    policy = PolicyConfig(
        allowed_paths=("src/",),
        repos={
            "checkout": PolicyOverride(allowed_paths=("ops/",), max_files=0),
            "acme/api": PolicyOverride(allowed_paths=("docs/",)),
        },
    )
    repos = {"/w/checkout": repo_with({"docs/x.md": "x\n"}), "/w/plain": repo_with({})}
    named = check_targets([RepoTarget(path="/w/checkout", name="acme/api")], policy, repos)
    assert [v.code for v in named.repos[0].violations] == []
    unnamed = check_targets([RepoTarget(path="/w/checkout")], policy, repos)
    assert sorted(v.code for v in unnamed.repos[0].violations) == [
        "path-not-allowed",
        "too-many-files",
    ]


def test_a_directory_name_table_applies_to_a_named_repository_without_its_own() -> None:
    policy = PolicyConfig(
        allowed_paths=("src/",), repos={"checkout": PolicyOverride(denied_paths=("src/**",))}
    )
    repos = {"/w/checkout": repo_with({"src/b.py": "b\n"})}
    report = check_targets([RepoTarget(path="/w/checkout", name="acme/api")], policy, repos)
    assert [v.code for v in report.repos[0].violations] == ["path-denied"]


def test_lockfile_rule_reads_the_manifest_at_base_and_now() -> None:
    repo = FakeRepository({"pyproject.toml": b"[project]\ndependencies = []\n", "uv.lock": b"1"})
    repo.worktree["uv.lock"] = b"2"
    policy = PolicyConfig(allowed_paths=("**",), protected_paths=())
    report = check({"/one": repo}, FakeGateStage(), policy).unwrap()
    assert [v.code for v in report.repos[0].violations] == ["lockfile-without-manifest-change"]
    repo.worktree["pyproject.toml"] = b'[project]\ndependencies = ["httpx"]\n'
    assert check({"/one": repo}, FakeGateStage(), policy).unwrap().verdict == "publishable"


def test_default_base_is_the_upstream_merge_base() -> None:
    repo = repo_with({"src/b.py": "b\n"})
    repo.commit("agent")
    repo.merge_base = "base"
    repo.upstream_ref = "refs/remotes/origin/main"
    report = check({"/one": repo}, FakeGateStage()).unwrap()
    assert (report.repos[0].base, [c.path for c in report.repos[0].changes]) == (
        "base",
        ["src/b.py"],
    )


def test_a_defaulted_base_is_a_notice_naming_its_commit_and_ref() -> None:
    repo = repo_with({"src/b.py": "b\n"})
    repo.merge_base = "base"
    repo.upstream_ref = "refs/remotes/origin/main"
    notice = check({"/one": repo}, FakeGateStage()).unwrap().repos[0].notices[0]
    assert notice == (
        "no --base given: measured from base, the merge base of HEAD with "
        "refs/remotes/origin/main (or HEAD if none), the upstream of branch agent in "
        ".git/config; the agent can rewrite .git/config to move this default, so the loop "
        "passes --base"
    )


def test_a_defaulted_base_without_upstream_says_it_is_head() -> None:
    repo = repo_with({"src/b.py": "b\n"})
    notice = check({"/one": repo}, FakeGateStage()).unwrap().repos[0].notices[0]
    assert notice.startswith(
        "no --base given: measured from base, HEAD, as branch agent has no upstream in "
        ".git/config; "
    )


def test_an_unreadable_upstream_only_changes_the_notices_wording() -> None:
    repos = {"/one": repo_with({"src/b.py": "b\n"})}

    report = run_check(list(repos), POLICY, repos, upstreams=FakeUpstreamReader({})).unwrap()
    assert (report.verdict, report.repos[0].base) == ("publishable", "base")
    assert (
        "the upstream merge base or HEAD (which one is unknown: /one: no repo)"
        in (report.repos[0].notices[0])
    )


def test_a_given_base_adds_no_notice() -> None:
    repos = {"/one": repo_with({"src/b.py": "b\n"})}

    assert run_check(list(repos), POLICY, repos, base="base").unwrap().repos[0].notices == ()


def test_no_policy_is_config_policy_missing() -> None:
    error = check({"/one": repo_with({})}, FakeGateStage(), None).failure()
    assert error.code == "config-policy-missing"


def test_invalid_secret_pattern_is_config_invalid() -> None:
    policy = PolicyConfig(secret_patterns=("(",))
    assert check({"/one": repo_with({})}, FakeGateStage(), policy).failure().code == (
        "config-invalid"
    )


def test_unknown_repository_is_repo_not_found_and_nothing_runs() -> None:
    stage = FakeGateStage()
    result = run_check(["/nope"], POLICY, {}, stage=stage)
    assert (result.failure().code, stage.ran) == ("repo-not-found", [])


def test_the_index_stat_cache_is_trusted_only_where_the_policy_says_so() -> None:
    policy = PolicyConfig(
        allowed_paths=("src/",), repos={"fast": PolicyOverride(trust_index_stat=True)}
    )
    repos = {"/w/fast": repo_with({}), "/w/other": repo_with({})}
    collector = FakeChangeCollector(repos)

    run_check(list(repos), policy, repos, collector=collector).unwrap()
    assert collector.trusted_stat == [True, False]


def test_a_secret_in_a_file_name_is_masked_in_changes_gates_and_findings() -> None:
    token = "ghp_" + "Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5"
    name = f"src/{token}.py"
    gate = GateArgv(name="ruff", declared=("ruff", "check", name), executed=("uv", "run", name))
    plan = PlannedGates(gates=(gate,), covers={"ruff": (name,)})
    report = check({"/one": repo_with({name: "x\n"})}, FakeGateStage(plans={"/one": plan}))
    repo = report.unwrap().repos[0]
    masked = "src/<redacted>.py"
    assert [v.code for v in repo.violations] == ["secret-detected"]
    assert (repo.violations[0].path, repo.changes[0].path) == (masked, masked)
    assert (repo.gates[0].declared[-1], repo.gates[0].executed, repo.gates[0].covers) == (
        masked,
        ("uv", "run", masked),
        (masked,),
    )
    assert token not in msgspec.json.encode(report.unwrap()).decode()


def test_gates_run_against_the_base_the_changes_were_collected_from() -> None:
    stage = FakeGateStage()
    repo = repo_with({"src/b.py": "b\n"})
    repo.commit("agent")
    repo.merge_base = "base"
    check({"/one": repo}, stage)
    assert stage.bases == ["base"]


def test_a_secret_committed_and_removed_again_blocks() -> None:
    repo = repo_with({"docs/k.md": "ghp_" + "Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5" + "\n"})
    repo.commit("leak")
    del repo.worktree["docs/k.md"]
    repo.commit("cover it up")
    repo.merge_base = "base"
    stage = FakeGateStage()
    report = check({"/one": repo}, stage).unwrap()
    assert (report.verdict, stage.ran) == ("blocked", [])
    assert [(v.code, v.path) for v in report.repos[0].violations] == [
        ("secret-in-history", "docs/k.md")
    ]


def test_gates_run_on_the_candidate_tree_and_the_report_names_it_with_excluded_folders() -> None:
    stage = FakeGateStage()
    repo = repo_with({"src/b.py": "b\n", ".pytest_cache/v/x": "cache"})
    repo.self_ignoring.append(".pytest_cache/")
    report = check({"/one": repo}, stage).unwrap()
    assert report.verdict == "publishable"
    (one,) = report.repos
    assert one.tree == repo.tree_id()
    assert stage.trees == [one.tree]
    assert [c.path for c in one.changes] == ["src/b.py"]
    assert "excluded: .pytest_cache/ (self-ignoring folder)" in one.notices

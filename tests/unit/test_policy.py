"""`evaluate_policy`: one test per rule and violation code."""

from __future__ import annotations

import msgspec

from domain.changes.change_set import (
    MODE_GITLINK,
    MODE_SYMLINK,
    AddedHunk,
    CommittedFile,
    CommitText,
    FileChange,
    History,
    LinkResolution,
    ManifestPair,
    RelinkedSymlink,
)
from domain.policy.evaluate import (
    GateArgv,
    GateEvidence,
    PolicyRules,
    PolicyVerdict,
    evaluate_policy,
)
from domain.policy.secrets import KnownSecret

RULES = PolicyRules(allowed_paths=("src/", "tests/", "docs/", "uv.lock", "pyproject.toml"))
OPEN = PolicyRules(allowed_paths=("**",), protected_paths=())
GHP = "ghp_" + "Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5"


def change(path: str, kind: str = "modified", **fields: object) -> FileChange:
    return msgspec.convert({"path": path, "kind": kind, **fields}, FileChange)


def added(path: str, text: str, start: int = 1) -> FileChange:
    return change(
        path,
        added=[{"start": start, "text": text}],
        added_line_count=text.count("\n") + 1,
    )


def verdict(
    changes: list[FileChange],
    rules: PolicyRules = RULES,
    gates: GateEvidence | None = None,
    manifests: tuple[ManifestPair, ...] = (),
) -> PolicyVerdict:
    return evaluate_policy(changes, gates or GateEvidence(), rules, manifests)


def codes(result: PolicyVerdict) -> list[str]:
    return [v.code for v in result.violations]


def test_allowed_change_is_allowed() -> None:
    result = verdict([change("src/app.py")])
    assert (result.allowed, result.violations) == (True, ())


def test_path_outside_allowed_prefixes_is_path_not_allowed() -> None:
    assert codes(verdict([change("scripts/deploy.sh")])) == ["path-not-allowed"]


def test_allowed_prefix_match_is_case_sensitive() -> None:
    assert codes(verdict([change("SRC/app.py")])) == ["path-not-allowed"]


def test_allowed_glob_entries_match_whole_paths() -> None:
    rules = PolicyRules(allowed_paths=("**/*.md",), protected_paths=())
    assert codes(verdict([change("a/b/readme.md"), change("a/b.py")], rules)) == [
        "path-not-allowed"
    ]


def test_denied_path_wins_over_allowed_prefix() -> None:
    rules = PolicyRules(allowed_paths=(".github/",), protected_paths=())
    assert codes(verdict([change(".github/workflows/ci.yml")], rules)) == ["path-denied"]


def test_denied_paths_match_case_insensitively() -> None:
    assert codes(verdict([change(".GitHub/Workflows/ci.yml")], OPEN)) == ["path-denied"]
    assert codes(verdict([change("src/config/.ENV.local")], OPEN)) == ["path-denied"]


def test_protected_path_needs_a_human() -> None:
    result = verdict([change("src/conftest.py"), change("pyproject.toml")])
    assert codes(result) == ["path-protected", "path-protected"]
    assert "human" in result.violations[0].detail


def test_protected_paths_match_case_insensitively() -> None:
    rules = PolicyRules(allowed_paths=("**",))
    assert codes(verdict([change("PyProject.TOML")], rules)) == ["path-protected"]


def test_deleting_a_denied_file_is_a_denied_change() -> None:
    assert codes(verdict([change(".github/workflows/ci.yml", "deleted")], OPEN)) == ["path-denied"]


def test_renaming_a_protected_file_away_is_caught_on_the_old_path() -> None:
    result = verdict([change("src/moved.ini", "renamed", old_path="tox.ini")])
    assert [(v.code, v.path) for v in result.violations] == [("path-protected", "tox.ini")]


def test_absolute_dotdot_nul_and_dotgit_paths_are_unsafe() -> None:
    paths = ["/etc/passwd", "src/../../x", "src/a\x00b", "src/.git/hooks/pre-commit"]
    assert codes(verdict([change(p) for p in paths], OPEN)) == ["path-unsafe"] * 4


def test_a_control_character_in_a_new_or_old_name_is_path_unsafe() -> None:
    forged = "docs/a\n  added   docs:fine.md\nPUBLISHABLE"
    result = verdict([change(forged), change("docs/b.md", "renamed", old_path="docs/\x1b[2Jb")])
    assert [(v.code, v.path) for v in result.violations] == [
        ("path-unsafe", forged),
        ("path-unsafe", "docs/\x1b[2Jb"),
    ]
    assert "control character (U+000A)" in result.violations[0].detail


def test_non_utf8_name_is_unsafe() -> None:
    result = verdict([change("src/bad\\xff.py", "added", path_is_utf8=False)])
    assert codes(result) == ["path-unsafe"]
    assert "UTF-8" in result.violations[0].detail


def link(path: str, target: str, leads_to: str | None, state: str = "resolved") -> FileChange:
    followed = None if leads_to is None else {"path": leads_to, "state": state}
    return change(path, "added", new_mode=MODE_SYMLINK, symlink_target=target, link=followed)


def test_symlink_leaving_the_worktree_escapes() -> None:
    escaping = link("src/l", "../../etc/passwd", "..")
    absolute = link("src/m", "/etc/passwd", "..")
    inside = link("src/n", "../docs/x.md", "docs/x.md")
    assert codes(verdict([escaping, absolute, inside])) == ["symlink-escapes"] * 2


def test_a_symlink_whose_text_stays_inside_escapes_where_it_leads_outside() -> None:
    chained = link("src/esc", "a/up/../..", "..")
    result = verdict([chained])
    assert codes(result) == ["symlink-escapes"]
    assert "outside the worktree" in result.violations[0].detail


def test_a_symlink_loop_and_an_unfollowed_symlink_are_not_safe() -> None:
    loop = link("src/one", "two", "src/one", state="loop")
    unfollowed = link("src/n", "x.md", None)
    assert codes(verdict([loop, unfollowed])) == ["symlink-escapes"] * 2


def test_submodule_change_is_reported() -> None:
    gitlink = change("src/vendor", new_mode=MODE_GITLINK, old_mode=MODE_GITLINK)
    assert codes(verdict([gitlink])) == ["submodule-change"]


def test_more_files_than_max_files_is_too_many_files() -> None:
    rules = msgspec.structs.replace(RULES, max_files=2)
    assert codes(verdict([change(f"src/{i}.py") for i in range(3)], rules)) == ["too-many-files"]
    assert codes(verdict([change(f"src/{i}.py") for i in range(2)], rules)) == []


def test_file_larger_than_max_file_bytes_is_too_large() -> None:
    rules = msgspec.structs.replace(RULES, max_file_bytes=100)
    assert codes(
        verdict([change("src/big.py", size=101), change("src/ok.py", size=100)], rules)
    ) == ["file-too-large"]


def test_deleted_large_file_is_not_too_large() -> None:
    rules = msgspec.structs.replace(RULES, max_file_bytes=1)
    assert codes(verdict([change("src/big.py", "deleted", size=0)], rules)) == []


def test_added_lines_over_the_total_limit_is_too_many_lines() -> None:
    rules = msgspec.structs.replace(RULES, max_added_lines=3)
    changes = [added("src/a.py", "a\nb"), added("src/b.py", "c\nd")]
    assert codes(verdict(changes, rules)) == ["too-many-lines"]


def test_secret_is_found_with_file_and_line_but_never_echoed() -> None:
    result = verdict([added("src/settings.py", f"x = 1\nTOKEN = '{GHP}'", start=10)])
    assert codes(result) == ["secret-detected"]
    found = result.violations[0]
    assert (found.path, found.detail.startswith("line 11:")) == ("src/settings.py", True)
    assert GHP not in msgspec.json.encode(result).decode()


def test_removed_lines_are_never_scanned() -> None:
    assert codes(verdict([change("src/settings.py", "modified", added=())])) == []


def test_configured_secret_pattern_is_used() -> None:
    rules = msgspec.structs.replace(RULES, secret_patterns=("acme-[0-9]{6}",))
    result = verdict([added("src/a.py", "key = 'acme-123456'")], rules)
    assert codes(result) == ["secret-detected"]
    assert "configured pattern #1" in result.violations[0].detail


def test_lockfile_change_without_dependency_change_is_a_violation() -> None:
    text = '[project]\nname = "a"\ndependencies = ["httpx"]\n'
    pair = ManifestPair(path="pyproject.toml", before=text, after=text)
    result = verdict([change("uv.lock")], OPEN, manifests=(pair,))
    assert codes(result) == ["lockfile-without-manifest-change"]


def test_lockfile_change_with_a_dependency_change_is_fine() -> None:
    before = '[project]\nname = "a"\ndependencies = ["httpx"]\n'
    after = '[project]\nname = "a"\ndependencies = ["httpx", "anyio"]\n'
    pair = ManifestPair(path="pyproject.toml", before=before, after=after)
    rules = PolicyRules(allowed_paths=("**",), protected_paths=())
    assert codes(verdict([change("uv.lock"), change("pyproject.toml")], rules, None, (pair,))) == []


def test_dependency_group_change_counts_as_a_manifest_change() -> None:
    before = '[dependency-groups]\ndev = ["pytest"]\n'
    after = '[dependency-groups]\ndev = ["pytest", "ruff"]\n'
    pair = ManifestPair(path="svc/pyproject.toml", before=before, after=after)
    assert codes(verdict([change("svc/uv.lock")], OPEN, None, (pair,))) == []


def test_deleting_the_lockfile_without_a_dependency_change_is_a_violation() -> None:
    text = '[project]\nname = "a"\ndependencies = ["httpx"]\n'
    pair = ManifestPair(path="svc/pyproject.toml", before=text, after=text)
    result = verdict([change("svc/uv.lock", "deleted")], OPEN, None, (pair,))
    assert [(v.code, v.path) for v in result.violations] == [
        ("lockfile-without-manifest-change", "svc/uv.lock")
    ]


def test_deleting_the_lockfile_with_a_dependency_change_is_fine() -> None:
    before = '[project]\nname = "a"\ndependencies = ["httpx"]\n'
    pair = ManifestPair(path="pyproject.toml", before=before, after='[project]\nname = "a"\n')
    changes = [change("uv.lock", "deleted"), change("pyproject.toml")]
    assert codes(verdict(changes, OPEN, None, (pair,))) == []


def test_renaming_the_lockfile_away_is_a_lockfile_change() -> None:
    text = '[project]\nname = "a"\n'
    pair = ManifestPair(path="pyproject.toml", before=text, after=text)
    moved = change("uv.lock.bak", "renamed", old_path="uv.lock")
    assert [(v.code, v.path) for v in verdict([moved], OPEN, None, (pair,)).violations] == [
        ("lockfile-without-manifest-change", "uv.lock")
    ]


def test_lockfile_change_with_unparsable_manifest_is_a_violation() -> None:
    pair = ManifestPair(path="pyproject.toml", before="[project]\n", after="[project\n")
    result = verdict([change("uv.lock")], OPEN, None, (pair,))
    assert codes(result) == ["lockfile-without-manifest-change"]
    assert "not valid TOML" in result.violations[0].detail


def test_gate_program_outside_the_allowlist_is_not_allowed() -> None:
    gates = GateEvidence(gates=(GateArgv(name="make", declared=("make", "test")),))
    assert codes(verdict([change("src/a.py")], gates=gates)) == ["gate-not-allowed"]


def test_prepared_argv_is_checked_too() -> None:
    rules = msgspec.structs.replace(RULES, allowed_gates=("pytest",))
    gate = GateArgv(name="pytest", declared=("pytest",), executed=("uv", "run", "--", "pytest"))
    result = verdict([change("src/a.py")], rules, GateEvidence(gates=(gate,)))
    assert codes(result) == ["gate-not-allowed"]
    assert "prepared" in result.violations[0].detail


def test_gate_shapes_with_several_words_are_argv_prefixes() -> None:
    rules = msgspec.structs.replace(RULES, allowed_gates=("python -m pytest",))
    good = GateArgv(name="a", declared=("/usr/bin/python", "-m", "pytest", "-q"))
    bad = GateArgv(name="b", declared=("python", "-c", "import os"))
    result = verdict([change("src/a.py")], rules, GateEvidence(gates=(good, bad)))
    assert [v.detail.split(":")[0] for v in result.violations] == ["gate 'b'"]


def test_builtin_check_files_gate_is_always_allowed() -> None:
    rules = msgspec.structs.replace(RULES, allowed_gates=())
    gate = GateArgv(name="check-files", declared=("engineering-loop", "gate", "check-files", "x"))
    assert codes(verdict([change("src/a.py")], rules, GateEvidence(gates=(gate,)))) == []


def test_refused_gate_is_not_allowed() -> None:
    gates = GateEvidence(refused=(("pytest", "gate-unsafe-option: --no-sync"),))
    result = verdict([change("src/a.py")], gates=gates)
    assert codes(result) == ["gate-not-allowed"]
    assert "refused" in result.violations[0].detail


def test_gate_side_effect_blocks() -> None:
    gates = GateEvidence(side_effects=("src/__pycache__/a.pyc",))
    result = verdict([change("src/a.py")], gates=gates)
    assert [(v.code, v.path) for v in result.violations] == [
        ("gate-side-effect", "src/__pycache__/a.pyc")
    ]


def test_failed_gate_blocks() -> None:
    gates = GateEvidence(failures=(("pytest", "exit 1"),))
    assert codes(verdict([change("src/a.py")], gates=gates)) == ["gate-failed"]


def test_unverified_path_blocks_only_when_coverage_is_required() -> None:
    gates = GateEvidence(unverified=("docs/img.png",))
    relaxed = verdict([change("docs/img.png")], gates=gates)
    assert (relaxed.allowed, relaxed.notices) == (True, ("1 changed path(s) no gate covers",))
    strict = msgspec.structs.replace(RULES, require_gate_coverage=True)
    assert codes(verdict([change("docs/img.png")], strict, gates)) == ["unverified-path"]


def test_every_reason_is_listed_not_just_the_first() -> None:
    result = verdict([change("scripts/x.sh"), added("src/a.py", f"t = '{GHP}'")])
    assert sorted(codes(result)) == ["path-not-allowed", "secret-detected"]
    assert result.allowed is False


def test_empty_change_is_allowed_with_a_notice() -> None:
    result = verdict([])
    assert result.allowed
    assert result.notices == ("nothing changed relative to the base",)


def test_truncated_content_is_secret_scan_incomplete() -> None:
    result = verdict([change("src/a.py", content_truncated=True)])
    assert [(v.code, v.path) for v in result.violations] == [("secret-scan-incomplete", "src/a.py")]


def test_an_added_line_holding_a_known_secret_value_is_detected_without_echo() -> None:
    value = "sup3r-secret-harness-key"
    known = (KnownSecret(name="ANTHROPIC_API_KEY", value=value),)
    result = evaluate_policy(
        [added("src/a.py", f"x = 1\nKEY = '{value}'")], GateEvidence(), RULES, known_secrets=known
    )
    assert [(v.code, v.detail.split(";")[0]) for v in result.violations] == [
        ("secret-detected", "line 2: matches the value of $ANTHROPIC_API_KEY")
    ]
    assert value not in msgspec.json.encode(result).decode()


def encoded(result: PolicyVerdict) -> str:
    return msgspec.json.encode(result).decode()


def test_a_secret_in_a_new_file_name_is_found_and_masked_in_every_finding() -> None:
    name = f"scripts/{GHP}.sh"
    result = verdict([change(name, "added", size=5)])
    assert [(v.code, v.path) for v in result.violations] == [
        ("path-not-allowed", "scripts/<redacted>.sh"),
        ("secret-detected", "scripts/<redacted>.sh"),
    ]
    assert result.violations[1].detail == (
        "its path matches GitHub personal access token (ghp_); rename the file and rotate the "
        "secret"
    )
    assert GHP not in encoded(result)


def test_a_secret_in_a_symlink_target_is_found_and_never_echoed() -> None:
    result = verdict([link("docs/link", f"../{GHP}", leads_to=GHP, state="dangling")])
    assert [(v.code, v.path, v.detail.split(";")[0]) for v in result.violations] == [
        (
            "secret-detected",
            "docs/link",
            "its symlink target matches GitHub personal access token (ghp_)",
        )
    ]
    assert GHP not in encoded(result)


def test_a_known_secret_value_in_a_file_name_is_named_by_its_variable() -> None:
    value = "sup3r-secret-harness-key"
    known = (KnownSecret(name="ANTHROPIC_API_KEY", value=value),)
    result = evaluate_policy(
        [change(f"docs/{value}.md", "added")], GateEvidence(), RULES, known_secrets=known
    )
    assert [(v.code, v.path, v.detail.split(";")[0]) for v in result.violations] == [
        (
            "secret-detected",
            "docs/<redacted>.md",
            "its path matches the value of $ANTHROPIC_API_KEY",
        )
    ]


def test_a_secret_name_the_base_already_had_is_masked_but_no_finding() -> None:
    # Like a removed line: deleting, editing or renaming away such a file adds no secret.
    changes = [
        change(f"docs/{GHP}.md", "deleted"),
        change(f"docs/a-{GHP}.md", "modified"),
        change("docs/clean.md", "renamed", old_path=f"docs/b-{GHP}.md"),
    ]
    result = verdict(changes, OPEN)
    assert codes(result) == []
    rename_to_secret = change(f"docs/{GHP}.txt", "renamed", old_path="docs/clean.txt")
    assert codes(verdict([rename_to_secret], OPEN)) == ["secret-detected"]


def test_every_finding_about_a_secret_bearing_path_masks_it() -> None:
    rules = msgspec.structs.replace(RULES, max_file_bytes=1)
    name = f".github/workflows/{GHP}.yml"
    result = verdict([change(name, "added", size=2)], rules)
    assert sorted(codes(result)) == ["file-too-large", "path-denied", "secret-detected"]
    assert {v.path for v in result.violations} == {".github/workflows/<redacted>.yml"}
    assert GHP not in encoded(result)


def test_gate_output_quoted_in_a_detail_is_masked() -> None:
    gates = GateEvidence(failures=(("pytest", f"failed, exit 1: token {GHP} leaked"),))
    result = verdict([change("src/a.py")], gates=gates)
    assert result.violations[0].detail == "gate 'pytest': failed, exit 1: token <redacted> leaked"


def test_a_secret_in_a_commit_of_the_branch_is_found_with_its_commit() -> None:
    history = History(
        commits=2,
        files=(
            CommittedFile(
                commit="a" * 40,
                path="docs/k.md",
                added=(AddedHunk(start=3, text=f"token {GHP}"),),
            ),
        ),
    )
    result = evaluate_policy([], GateEvidence(), RULES, history=history)
    assert [(v.code, v.path) for v in result.violations] == [("secret-in-history", "docs/k.md")]
    assert result.violations[0].detail.startswith("commit aaaaaaaaaaaa, line 3: matches GitHub")
    assert GHP not in result.violations[0].detail


def test_names_link_targets_and_commit_texts_of_the_branch_are_scanned_masked() -> None:
    history = History(
        commits=1,
        files=(
            CommittedFile(commit="a" * 40, path=f"docs/{GHP}.md", path_added=True),
            CommittedFile(commit="a" * 40, path="docs/l", symlink_target=f"../{GHP}"),
            # A name the parent had already: published with the base or found where it came.
            CommittedFile(commit="a" * 40, path=f"docs/old-{GHP}.md"),
        ),
        texts=(
            CommitText(
                commit="a" * 40,
                parts=(("author", f"{GHP} <a@b> 0 +0000"), ("message", f"subject\n\n{GHP}\n")),
            ),
        ),
    )
    result = evaluate_policy([], GateEvidence(), RULES, history=history)
    assert [(v.code, v.path, v.detail.split(" matches")[0]) for v in result.violations] == [
        ("secret-in-history", "docs/<redacted>.md", "commit aaaaaaaaaaaa: its path"),
        ("secret-in-history", "docs/l", "commit aaaaaaaaaaaa: its symlink target"),
        ("secret-in-history", None, "commit aaaaaaaaaaaa: its author"),
        ("secret-in-history", None, "commit aaaaaaaaaaaa, its message line 3:"),
    ]
    assert not any(GHP in v.detail for v in result.violations)


def test_history_that_was_not_all_read_is_an_incomplete_scan() -> None:
    truncated = CommittedFile(commit="b" * 40, path="docs/big.bin", content_truncated=True)
    history = History(commits=1, files=(truncated,), incomplete="more than 1000 commits")
    result = evaluate_policy([], GateEvidence(), RULES, history=history)
    assert [(v.code, v.path) for v in result.violations] == [
        ("secret-scan-incomplete", "docs/big.bin"),
        ("secret-scan-incomplete", None),
    ]


def test_an_unchanged_symlink_a_change_sends_outside_escapes() -> None:
    outside = RelinkedSymlink(
        path="src/a/l", target="x/../..", link=LinkResolution(path=".."), through="src/a/x"
    )
    inside = RelinkedSymlink(
        path="src/b", target="y/k", link=LinkResolution(path="src/k"), through="src/y"
    )
    result = evaluate_policy([], GateEvidence(), RULES, relinked=[inside, outside])
    assert [(v.code, v.path) for v in result.violations] == [("symlink-escapes", "src/a/l")]
    assert "did not change" in result.violations[0].detail
    assert "'src/a/x'" in result.violations[0].detail

"""Secrets in the commits between the base and HEAD: pushing the branch publishes each commit.

Repositories are built with the git CLI; `git rev-list HEAD ^BASE` says which commits must be
read, and a token committed then removed must be found in the commit that added it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from dulwich.object_store import DiskObjectStore
from dulwich.objects import ObjectID, ShaFile

from adapters.git.changes import _history as history_module
from adapters.git.changes import collect_changes
from domain.changes.change_set import History
from domain.policy.evaluate import GateEvidence, PolicyRules, evaluate_policy
from entrypoints.cli.main import main
from tests.support.gitrepo import GIT_ENV, commit_all, damage_object, git, init_repo, write

pytestmark = pytest.mark.integration

TOKEN = "ghp_" + "Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5"
RULES = PolicyRules(allowed_paths=("docs/", "src/"))


def _history(repo: Path, base: str) -> History:
    return collect_changes(str(repo), base).unwrap().history


def _found(repo: Path, base: str) -> list[tuple[str, str, int]]:
    """(commit, path, line) of every secret-in-history finding."""
    changes = collect_changes(str(repo), base).unwrap()
    verdict = evaluate_policy(changes.changes, GateEvidence(), RULES, history=changes.history)
    found = []
    for violation in verdict.violations:
        assert violation.code == "secret-in-history", violation
        assert TOKEN not in violation.detail
        commit, line = violation.detail.split(", line ")
        found.append(
            (commit.removeprefix("commit "), violation.path or "", int(line.split(":")[0]))
        )
    return found


def _short(repo: Path, ref: str) -> str:
    return git(repo, "rev-parse", ref).strip()[:12]


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str]:
    repo = init_repo(tmp_path / "repo", {"docs/a.md": "# A\n"})
    return repo, git(repo, "rev-parse", "HEAD").strip()


def test_a_secret_committed_then_removed_blocks_the_check(
    repo: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, base = repo
    write(path, {"docs/k.md": f"notes\ntoken {TOKEN}\n"})
    commit_all(path, "add notes")
    added = _short(path, "HEAD")
    (path / "docs/k.md").unlink()
    commit_all(path, "remove them again")
    config = tmp_path / "engineering-loop.toml"
    config.write_text('[policy]\nallowed_paths = ["docs/"]\n')
    argv = ["policy", "check", "--repo", str(path), "--base", base, "--config", str(config)]
    code = main([*argv, "--json"])
    out = capsys.readouterr().out
    report = json.loads(out)
    assert code == 1
    assert TOKEN not in out
    assert [(v["code"], v["path"]) for v in report["repos"][0]["violations"]] == [
        ("secret-in-history", "docs/k.md")
    ]
    assert report["repos"][0]["violations"][0]["detail"].startswith(f"commit {added}, line 2: ")
    assert report["repos"][0]["changes"] == []


def test_only_commits_not_reachable_from_the_base_are_read(repo: tuple[Path, str]) -> None:
    path, _ = repo
    write(path, {"docs/old.md": f"{TOKEN}\n"})
    commit_all(path, "an old secret, already published")
    (path / "docs/old.md").unlink()
    base = commit_all(path, "and removed")
    write(path, {"docs/b.md": "b\n"})
    commit_all(path, "agent")
    assert _found(path, base) == []
    assert _history(path, base).commits == 1
    assert git(path, "rev-list", "--count", "HEAD", f"^{base}").strip() == "1"


def test_each_side_of_a_merge_is_read_and_found_once(repo: tuple[Path, str]) -> None:
    path, base = repo
    git(path, "checkout", "-q", "-b", "side")
    write(path, {"src/side.py": f"A = 1\nKEY = '{TOKEN}'\n"})
    commit_all(path, "side adds a secret")
    side = _short(path, "HEAD")
    git(path, "checkout", "-q", "main")
    write(path, {"docs/main.md": "main\n"})
    commit_all(path, "main moves on")
    git(path, "merge", "-q", "--no-edit", "side")
    write(path, {"src/side.py": "A = 1\n"})
    commit_all(path, "remove the secret")
    assert _found(path, base) == [(side, "src/side.py", 2)]
    assert _history(path, base).commits == 4


def test_a_secret_only_a_merge_wrote_is_found_in_the_merge(repo: tuple[Path, str]) -> None:
    path, base = repo
    write(path, {"src/c.py": "X = 0\n"})
    commit_all(path, "c")
    git(path, "checkout", "-q", "-b", "side")
    write(path, {"src/c.py": "X = 1\n"})
    commit_all(path, "side")
    git(path, "checkout", "-q", "main")
    write(path, {"src/c.py": "X = 2\n"})
    commit_all(path, "main")
    conflicted = git_merge_allowing_conflict(path, "side")
    assert conflicted
    write(path, {"src/c.py": f"X = 3\nT = '{TOKEN}'\n"})
    git(path, "add", "src/c.py")
    git(path, "commit", "-q", "--no-edit")
    merge = _short(path, "HEAD")
    write(path, {"src/c.py": "X = 3\n"})
    commit_all(path, "clean up")
    assert _found(path, base) == [(merge, "src/c.py", 2)]


def git_merge_allowing_conflict(path: Path, branch: str) -> bool:
    """Merge `branch`; True when git stopped on a conflict."""
    try:
        git(path, "merge", "-q", "--no-edit", branch)
    except subprocess.CalledProcessError:
        return True
    return False


def test_more_commits_than_the_limit_make_the_scan_incomplete(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_module, "MAX_HISTORY_COMMITS", 2)
    path, base = repo
    for number in range(3):
        write(path, {f"docs/{number}.md": f"{number}\n"})
        commit_all(path, f"commit {number}")
    history = _history(path, base)
    assert history.commits == 2
    assert history.incomplete is not None
    assert "more than 2 commits" in history.incomplete
    changes = collect_changes(str(path), base).unwrap()
    verdict = evaluate_policy(changes.changes, GateEvidence(), RULES, history=changes.history)
    assert [(v.code, v.path) for v in verdict.violations] == [("secret-scan-incomplete", None)]


def test_more_content_than_the_limit_makes_the_scan_incomplete(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_module, "MAX_HISTORY_BYTES", 1000)  # a commit's text: ~250
    path, base = repo
    write(path, {"docs/small.md": "x\n"})
    commit_all(path, "small")
    write(path, {"docs/big.md": "y" * 2000 + "\n"})
    commit_all(path, "big")
    history = _history(path, base)
    assert (history.commits, [f.path for f in history.files]) == (1, ["docs/small.md"])
    assert history.incomplete is not None
    assert "MiB of file content and commit text" in history.incomplete


def test_a_commit_whose_objects_are_gone_makes_the_scan_incomplete(
    repo: tuple[Path, str],
) -> None:
    path, base = repo
    write(path, {"docs/b.md": "b\n"})
    commit_all(path, "agent")
    blob = git(path, "rev-parse", "HEAD:docs/b.md").strip()
    (path / ".git/objects" / blob[:2] / blob[2:]).unlink()
    history = _history(path, base)
    assert history.incomplete is not None
    assert "could not be read" in history.incomplete


def test_a_read_error_in_the_object_store_makes_the_scan_incomplete(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, base = repo
    write(path, {"docs/b.md": "b\n"})
    commit_all(path, "agent")
    blob = git(path, "rev-parse", "HEAD:docs/b.md").strip().encode()
    real = DiskObjectStore.__getitem__

    def failing(store: DiskObjectStore, sha: ObjectID) -> ShaFile:
        if sha == blob:
            raise OSError(5, "Input/output error")
        return real(store, sha)

    monkeypatch.setattr(DiskObjectStore, "__getitem__", failing)
    history = _history(path, base)
    assert history.incomplete is not None
    assert "Input/output error" in history.incomplete


def _shallow_clone(tmp_path: Path, *branches: str) -> Path:
    """A depth-1 clone of a three-commit repository (with `branches` forked from its first
    commit), as CI checkouts are: the tips' parents are not in it."""
    upstream = init_repo(tmp_path / "upstream", {"docs/a.md": "1\n"})
    for branch in branches:
        git(upstream, "branch", branch)
    for number in (2, 3):
        write(upstream, {"docs/a.md": f"{number}\n"})
        commit_all(upstream, f"upstream {number}")
    for branch in branches:
        git(upstream, "checkout", "-q", branch)
        write(upstream, {f"docs/{branch}.md": f"{branch}\n"})
        commit_all(upstream, branch)
        git(upstream, "checkout", "-q", "main")
    clone = tmp_path / "clone"
    single = ["--no-single-branch"] if branches else []
    git(tmp_path, "clone", "-q", "--depth", "1", *single, f"file://{upstream}", str(clone))
    return clone


def test_a_shallow_clone_is_checked_when_the_commits_after_the_base_can_be_read(
    tmp_path: Path,
) -> None:
    clone = _shallow_clone(tmp_path)
    base = git(clone, "rev-parse", "HEAD").strip()
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    write(clone, {"docs/k.md": f"{TOKEN}\n"})
    commit_all(clone, "agent adds a secret")
    added = _short(clone, "HEAD")
    (clone / "docs/k.md").unlink()
    commit_all(clone, "and removes it")
    history = _history(clone, base)
    assert (history.commits, history.incomplete) == (2, None)
    assert _found(clone, base) == [(added, "docs/k.md", 1)]


def test_a_commit_after_the_base_whose_parent_is_not_in_a_shallow_clone_is_incomplete(
    tmp_path: Path,
) -> None:
    # The merged side's parent may be one the base already has, or one never published:
    # without it there is no telling, so the scan cannot pass.
    clone = _shallow_clone(tmp_path, "side")
    base = git(clone, "rev-parse", "HEAD").strip()
    git(clone, "merge", "-q", "-s", "ours", "--allow-unrelated-histories", "origin/side")
    history = _history(clone, base)
    assert history.incomplete is not None
    assert "could not be read" in history.incomplete
    assert _short(clone, "origin/side") in history.incomplete


def test_a_deleted_commit_after_the_base_makes_the_scan_incomplete(
    repo: tuple[Path, str],
) -> None:
    path, base = repo
    write(path, {"docs/k.md": f"{TOKEN}\n"})
    gone = commit_all(path, "agent adds a secret")
    (path / "docs/k.md").unlink()
    commit_all(path, "and removes it")
    damage_object(path, gone, "missing")
    history = _history(path, base)
    assert history.incomplete is not None
    assert gone[:12] in history.incomplete


def test_a_shallow_file_written_into_git_does_not_cut_the_history_short(
    repo: tuple[Path, str],
) -> None:
    # git takes `.git/shallow` to mean "these commits have no parents here"; the agent can
    # write it to hide the commits below one of its own.
    path, base = repo
    write(path, {"docs/k.md": f"{TOKEN}\n"})
    added = commit_all(path, "agent adds a secret")
    (path / "docs/k.md").unlink()
    top = commit_all(path, "and removes it")
    (path / ".git/shallow").write_text(top + "\n")
    assert git(path, "rev-list", "HEAD", f"^{base}").split() == [top]
    assert _found(path, base) == [(added[:12], "docs/k.md", 1)]
    assert _history(path, base).commits == 2


def _history_findings(repo: Path, base: str) -> list[tuple[str, str | None, str]]:
    """(code, path, detail up to the kind) of every finding, checked never to show the token."""
    changes = collect_changes(str(repo), base).unwrap()
    verdict = evaluate_policy(changes.changes, GateEvidence(), RULES, history=changes.history)
    found = []
    for violation in verdict.violations:
        assert TOKEN not in (violation.path or "") + violation.detail
        found.append((violation.code, violation.path, violation.detail.split(";")[0]))
    return found


def test_secrets_in_names_link_targets_and_messages_of_removed_commits_block_the_check(
    repo: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, base = repo
    write(path, {f"docs/{TOKEN}.md": "b\n"})
    (path / "docs/l").symlink_to(f"x-{TOKEN}")
    added = commit_all(path, f"key {TOKEN}")[:12]
    git(path, "rm", "-q", f"docs/{TOKEN}.md", "docs/l")
    commit_all(path, "clean")
    kind = "GitHub personal access token (ghp_)"
    assert _history_findings(path, base) == [
        ("secret-in-history", "docs/<redacted>.md", f"commit {added}: its path matches {kind}"),
        ("secret-in-history", "docs/l", f"commit {added}: its symlink target matches {kind}"),
        ("secret-in-history", None, f"commit {added}, its message line 1: matches {kind}"),
    ]
    config = tmp_path / "engineering-loop.toml"
    config.write_text('[policy]\nallowed_paths = ["docs/"]\n')
    argv = ["policy", "check", "--repo", str(path), "--base", base, "--config", str(config)]
    code = main(argv)
    out = capsys.readouterr().out
    assert (code, TOKEN in out) == (1, False)


def test_secrets_in_the_author_committer_and_other_headers_are_found(
    repo: tuple[Path, str],
) -> None:
    # What git commit would refuse to write, the agent can still hash into a commit object.
    path, base = repo
    tree = git(path, "rev-parse", "HEAD^{tree}").strip()
    raw = (
        f"tree {tree}\nparent {base}\n"
        f"author A <{TOKEN}@example.com> 1700000000 +0000\n"
        f"committer {TOKEN} <c@example.com> 1700000000 +0000\n"
        f"x-note see\n {TOKEN}\n\nsubject\n\nbody\n"
    )
    made = (
        subprocess.run(
            ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
            cwd=path,
            env=GIT_ENV,
            input=raw.encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    git(path, "update-ref", "HEAD", made)
    kind = "GitHub personal access token (ghp_)"
    short = made[:12]
    assert _history_findings(path, base) == [
        ("secret-in-history", None, f"commit {short}: its author matches {kind}"),
        ("secret-in-history", None, f"commit {short}: its committer matches {kind}"),
        ("secret-in-history", None, f"commit {short}, its header line 2: matches {kind}"),
    ]


def test_names_a_commit_only_kept_or_took_from_a_merged_side_are_no_finding(
    tmp_path: Path,
) -> None:
    # Like removed lines: a name the parent already had was found where it came in, or was
    # published with the base.
    path = init_repo(tmp_path / "repo", {f"docs/{TOKEN}.md": "a\n"})
    base = git(path, "rev-parse", "HEAD").strip()
    write(path, {f"docs/{TOKEN}.md": "a\nb\n"})
    commit_all(path, "edit a file whose name was published with the base")
    (path / f"docs/{TOKEN}.md").unlink()
    (path / f"docs/{TOKEN}.md").symlink_to("main.md")
    commit_all(path, "and turn it into a link")
    git(path, "checkout", "-q", "-b", "side")
    (path / "docs/side").symlink_to(f"x-{TOKEN}")
    side = commit_all(path, "side")[:12]
    git(path, "checkout", "-q", "main")
    write(path, {"docs/main.md": "main\n"})
    commit_all(path, "main")
    git(path, "merge", "-q", "--no-edit", "side")
    (path / "docs/side").unlink()
    commit_all(path, "remove the link")
    kind = "GitHub personal access token (ghp_)"
    assert _history_findings(path, base) == [
        ("secret-in-history", "docs/side", f"commit {side}: its symlink target matches {kind}"),
    ]

"""Our change lists against what the real git CLI says, in the forms issue 5 names.

`test_dulwich_changes.py` compares with `git diff -M100%`; here the comparisons are with the
plain `git diff --no-renames --name-status BASE` (our exact renames expanded into a deletion and
an addition), with `git status --porcelain=v2` on kinds and modes, with `git diff --numstat` on
added-line counts and line numbers, and the default base (and the notice naming it) with a real
remote-tracking upstream.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from adapters.git.changes import collect_changes, default_base, read_upstream
from domain.changes.change_set import ChangeSet, FileChange
from domain.policy.evaluate import GateEvidence, PolicyRules, evaluate_policy
from entrypoints.cli.main import main
from ports.changes import Upstream
from tests.support.gitrepo import commit_all, git, git_bytes, init_repo, write

pytestmark = pytest.mark.integration

TOKEN = "ghp_" + "Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5"


def _collect(repo: Path, base: str = "HEAD") -> ChangeSet:
    return collect_changes(str(repo), base).unwrap()


def _by_path(changes: ChangeSet) -> dict[str, FileChange]:
    return {c.path: c for c in changes.changes}


def _git_numstat(repo: Path, base: str) -> dict[str, int]:
    """Added lines per path from `git diff --cached --numstat` (after `git add -A`)."""
    git(repo, "add", "-A")
    rows = git_bytes(repo, "diff", "--cached", "--no-renames", "--numstat", "-z", base)
    counts: dict[str, int] = {}
    for row in rows.split(b"\0"):
        if row:
            added, _deleted, path = row.split(b"\t", 2)
            counts[os.fsdecode(path)] = int(added)
    return counts


def _git_added_line_numbers(repo: Path, base: str, path: str, needle: str) -> list[int]:
    """New-file line numbers of the added lines holding `needle`, read from `git diff -U0`."""
    diff = git_bytes(repo, "diff", "--cached", "--no-renames", "-U0", base, "--", path)
    found: list[int] = []
    number = 0
    # git's own output separates lines with "\n" only, whatever else a line holds.
    for line in diff.split(b"\n"):
        if line.startswith(b"@@ "):
            new_range = line.split(b" ")[2]
            number = int(new_range[1:].split(b",")[0])
        elif line.startswith(b"+") and not line.startswith(b"+++ "):
            if needle.encode() in line:
                found.append(number)
            number += 1
    return found


LINE_BREAKERS = {
    "form-feed.txt": b'a\x0cb\nc\x1dd\nT="' + TOKEN.encode() + b'"\n',
    "separators.txt": b"\x1c\x1e\x0b\nx\xc2\x85y\n\xe2\x80\xa8\xe2\x80\xa9\nT=" + TOKEN.encode(),
    "crlf.txt": b"p\r\nq\r\nT=" + TOKEN.encode() + b"\r\n",
    "lone-cr.txt": b"a\rb\rT=" + TOKEN.encode() + b"\n",
}


def test_added_line_counts_agree_with_git_numstat(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"docs/old.txt": "a\x0cb\nc\n"})
    for name, data in LINE_BREAKERS.items():
        (repo / "docs" / name).write_bytes(data)
    with open(repo / "docs/old.txt", "ab") as old:
        old.write(b"x\x1cy\nT=" + TOKEN.encode() + b"\n")
    ours = {path: c.added_line_count for path, c in _by_path(_collect(repo)).items()}
    assert ours == _git_numstat(repo, "HEAD")


def test_secret_line_numbers_agree_with_git_diff(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"docs/old.txt": "a\x0cb\nc\n"})
    for name, data in LINE_BREAKERS.items():
        (repo / "docs" / name).write_bytes(data)
    with open(repo / "docs/old.txt", "ab") as old:
        old.write(b"x\x1cy\nT=" + TOKEN.encode() + b"\n")
    verdict = evaluate_policy(_collect(repo).changes, GateEvidence(), PolicyRules())
    ours = {
        (v.path, int(v.detail.split(":")[0].removeprefix("line ")))
        for v in verdict.violations
        if v.code == "secret-detected"
    }
    git(repo, "add", "-A")
    theirs = {
        (f"docs/{name}", number)
        for name in [*LINE_BREAKERS, "old.txt"]
        for number in _git_added_line_numbers(repo, "HEAD", f"docs/{name}", TOKEN)
    }
    assert ours == theirs
    assert len(theirs) == len(LINE_BREAKERS) + 1


Row = tuple[str, str, str, str]  # (status letter, path, old mode, new mode); "000000" for none
_GIT_KIND = {"added": "A", "modified": "M", "deleted": "D", "type-changed": "T"}


def _mode(mode: int | None) -> str:
    return "000000" if mode is None else f"{mode:06o}"


def _ours_without_renames(changes: ChangeSet) -> set[Row]:
    """Our changes as `git diff --no-renames` rows: an exact rename is a deletion + an addition."""
    rows: set[Row] = set()
    for c in changes.changes:
        if c.kind == "renamed":
            assert c.old_path is not None
            rows.add(("D", c.old_path, _mode(c.old_mode), "000000"))
            rows.add(("A", c.path, "000000", _mode(c.new_mode)))
        else:
            rows.add((_GIT_KIND[c.kind], c.path, _mode(c.old_mode), _mode(c.new_mode)))
    return rows


def _git_diff_raw(repo: Path, *args: str) -> set[Row]:
    """`git diff --no-renames --raw -z ARGS` as rows (status, path, old mode, new mode)."""
    fields = git_bytes(repo, "diff", "--no-renames", "--raw", "-z", *args).split(b"\0")
    rows: set[Row] = set()
    for meta, path in zip(fields[0:-1:2], fields[1::2], strict=True):
        old_mode, new_mode, _old, _new, status = meta.decode().lstrip(":").split(" ")
        rows.add((status, os.fsdecode(path), old_mode, new_mode))
    return rows


def _git_name_status(repo: Path, *args: str) -> set[tuple[str, str]]:
    """`git diff --no-renames --name-status -z ARGS`: the form issue 5 names."""
    fields = git_bytes(repo, "diff", "--no-renames", "--name-status", "-z", *args).split(b"\0")
    return {
        (status.decode(), os.fsdecode(path))
        for status, path in zip(fields[0:-1:2], fields[1::2], strict=True)
    }


def _untracked(repo: Path) -> set[str]:
    listed = git_bytes(repo, "ls-files", "-z", "--others", "--exclude-standard").split(b"\0")
    return {os.fsdecode(p) for p in listed if p}


@pytest.fixture
def agent_repo(tmp_path: Path) -> tuple[Path, str]:
    """A base commit, an agent commit on top, then staged, unstaged, untracked and ignored changes
    of every kind: edits, additions, deletions, exact renames and renames with edits, exec bits,
    symlinks, type changes both ways and a submodule moved to another commit."""
    sub = init_repo(tmp_path / "sub", {"s.txt": "s\n"})
    repo = init_repo(
        tmp_path / "repo",
        {
            ".gitignore": "ignored/\n*.log\n",
            "src/a.py": "a = 1\n",
            "src/b.py": "b = 1\n",
            "docs/old.md": "# moved without edits\n",
            "docs/edited.md": "line\n" * 20,
            "scripts/run.sh": "echo run\n",
            "scripts/unexec.sh": "echo\n",
            "link-target.txt": "target\n",
            "becomes-link.txt": "plain\n",
            "to-delete.txt": "bye\n",
        },
    )
    (repo / "scripts/unexec.sh").chmod(0o755)
    (repo / "old-link").symlink_to("link-target.txt")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "sub")
    base = commit_all(repo, "base")
    write(repo, {"src/a.py": "a = 1\na = 2\n", "src/c.py": "c = 3\n"})
    (repo / "to-delete.txt").unlink()
    commit_all(repo, "agent commit")
    git(repo, "mv", "docs/old.md", "docs/new.md")
    os.rename(repo / "docs/edited.md", repo / "docs/edited-moved.md")
    write(repo, {"docs/edited-moved.md": "line\n" * 20 + "more\n"})
    write(repo, {"src/b.py": "b = 1\nb = 2\n", "notes/new.txt": "note\n", "tools/new.sh": "x\n"})
    (repo / "tools/new.sh").chmod(0o755)
    (repo / "scripts/run.sh").chmod(0o755)
    (repo / "scripts/unexec.sh").chmod(0o644)
    (repo / "becomes-link.txt").unlink()
    (repo / "becomes-link.txt").symlink_to("link-target.txt")
    (repo / "old-link").unlink()
    write(repo, {"old-link": "now a file\n"})
    (repo / "docs/link").symlink_to("../link-target.txt")
    write(repo, {"ignored/x.txt": "ignored\n", "debug.log": "ignored\n"})
    write(repo / "sub", {"s.txt": "moved\n"})
    commit_all(repo / "sub", "move the submodule")
    return repo, base


def test_every_kind_of_change_is_in_the_fixture(agent_repo: tuple[Path, str]) -> None:
    repo, base = agent_repo
    kinds = {c.kind for c in _collect(repo, base).changes}
    assert kinds == {"added", "modified", "deleted", "renamed", "type-changed"}


def test_staged_changes_agree_with_plain_git_diff_name_status(
    agent_repo: tuple[Path, str],
) -> None:
    repo, base = agent_repo
    ours = _ours_without_renames(_collect(repo, base))
    git(repo, "add", "-A")
    assert {(status, path) for status, path, _, _ in ours} == _git_name_status(
        repo, "--cached", base
    )


def test_staged_changes_agree_with_plain_git_diff_on_kinds_and_modes(
    agent_repo: tuple[Path, str],
) -> None:
    repo, base = agent_repo
    ours = _ours_without_renames(_collect(repo, base))
    git(repo, "add", "-A")
    assert ours == _git_diff_raw(repo, "--cached", base)


def test_tracked_changes_agree_with_plain_git_diff_of_the_worktree(
    agent_repo: tuple[Path, str],
) -> None:
    # `git diff BASE` compares the worktree's tracked files only: untracked ones are left out.
    repo, base = agent_repo
    untracked = _untracked(repo)
    ours = {row for row in _ours_without_renames(_collect(repo, base)) if row[1] not in untracked}
    assert {(s, p) for s, p, _, _ in ours} == _git_name_status(repo, base)
    assert ours == _git_diff_raw(repo, base)


def test_intent_to_add_entries_change_nothing_and_agree_with_git_diff(
    agent_repo: tuple[Path, str],
) -> None:
    # `git add -N` puts untracked files in the index with no content: `git diff BASE` then lists
    # them as added, and our list (which always includes untracked files) must not move.
    repo, base = agent_repo
    before = _collect(repo, base)
    git(repo, "add", "--intent-to-add", "--", *sorted(_untracked(repo)))
    assert _collect(repo, base) == before
    assert {(s, p) for s, p, _, _ in _ours_without_renames(before)} == _git_name_status(repo, base)


def _status_rows(repo: Path) -> tuple[set[Row], set[str]]:
    """`git status --porcelain=v2 --no-renames`: ordinary entries as (XY, path, mH, mW) rows
    (HEAD's mode, the worktree's mode) and the untracked paths."""
    fields = git_bytes(
        repo, "status", "--porcelain=v2", "-z", "--no-renames", "--untracked-files=all"
    ).split(b"\0")
    rows: set[Row] = set()
    untracked: set[str] = set()
    for field in fields:
        if field.startswith(b"1 "):
            _, xy, _sub, m_head, _m_index, m_worktree, _h, _i, path = field.split(b" ", 8)
            rows.add((xy.decode(), os.fsdecode(path), m_head.decode(), m_worktree.decode()))
        elif field.startswith(b"? "):
            untracked.add(os.fsdecode(field[2:]))
        else:
            assert not field, f"unexpected status entry {field!r}"
    return rows, untracked


def _kind_of(xy: str) -> str:
    """The kind of change from HEAD to the worktree that a porcelain v2 XY pair stands for."""
    if "D" in xy:
        return "D"
    if "T" in xy:
        return "T"
    return "A" if xy[0] == "A" else "M"


def test_kinds_and_modes_agree_with_git_status_porcelain_v2(
    agent_repo: tuple[Path, str],
) -> None:
    repo, _ = agent_repo
    ours = _ours_without_renames(_collect(repo))
    rows, untracked = _status_rows(repo)
    theirs = {(_kind_of(xy), path, m_head, m_worktree) for xy, path, m_head, m_worktree in rows}
    # Untracked files carry no mode in git's status: their kind is compared, their mode below.
    assert {row for row in ours if row[1] not in untracked} == theirs
    assert {(s, p) for s, p, _, _ in ours if p in untracked} == {("A", p) for p in untracked}


def test_kinds_and_modes_agree_with_git_status_porcelain_v2_once_staged(
    agent_repo: tuple[Path, str],
) -> None:
    repo, _ = agent_repo
    ours = _ours_without_renames(_collect(repo))
    git(repo, "add", "-A")
    rows, untracked = _status_rows(repo)
    assert untracked == set()
    assert ours == {
        (_kind_of(xy), path, m_head, m_worktree) for xy, path, m_head, m_worktree in rows
    }
    assert _by_path(_collect(repo))["tools/new.sh"].new_mode == 0o100755


@pytest.fixture
def clone_behind_origin(tmp_path: Path) -> tuple[Path, str]:
    """A clone whose `main` tracks `origin/main` (a remote-tracking ref, not a local branch):
    the agent committed on it, the remote moved on and was fetched. Returns the fork point."""
    origin = init_repo(tmp_path / "origin", {"a.txt": "a\n"})
    fork = git(origin, "rev-parse", "HEAD").strip()
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    write(clone, {"agent.txt": "agent\n"})
    commit_all(clone, "agent work")
    write(origin, {"upstream.txt": "upstream\n"})
    commit_all(origin, "upstream moves on")
    git(clone, "fetch", "-q", "origin")
    return clone, fork


def test_the_fixture_tracks_a_remote_tracking_ref(clone_behind_origin: tuple[Path, str]) -> None:
    clone, _ = clone_behind_origin
    assert git(clone, "rev-parse", "--symbolic-full-name", "@{upstream}").strip() == (
        "refs/remotes/origin/main"
    )
    assert "refs/heads/origin" not in git(clone, "for-each-ref", "--format=%(refname)")


def test_default_base_is_the_merge_base_with_the_remote_tracking_upstream(
    clone_behind_origin: tuple[Path, str],
) -> None:
    clone, fork = clone_behind_origin
    assert default_base(str(clone)).unwrap() == fork
    assert git(clone, "merge-base", "HEAD", "@{upstream}").strip() == fork
    assert fork not in (
        git(clone, "rev-parse", "HEAD").strip(),
        git(clone, "rev-parse", "origin/main").strip(),
    )


def test_changes_from_the_default_base_are_the_agents_only(
    clone_behind_origin: tuple[Path, str],
) -> None:
    # The upstream's new file is not the agent's change; the agent's commit is.
    clone, fork = clone_behind_origin
    changes = _collect(clone, default_base(str(clone)).unwrap())
    assert [(c.kind, c.path) for c in changes.changes] == [("added", "agent.txt")]
    assert _git_name_status(clone, fork) == {("A", "agent.txt")}


def test_the_upstream_reader_names_the_ref_git_calls_upstream(
    clone_behind_origin: tuple[Path, str],
) -> None:
    clone, _ = clone_behind_origin
    assert read_upstream(str(clone)).unwrap() == Upstream(
        branch="main", ref=git(clone, "rev-parse", "--symbolic-full-name", "@{upstream}").strip()
    )


def test_a_detached_head_or_a_missing_upstream_ref_names_no_upstream(
    clone_behind_origin: tuple[Path, str],
) -> None:
    clone, _ = clone_behind_origin
    git(clone, "config", "branch.main.merge", "refs/heads/gone")
    assert read_upstream(str(clone)).unwrap() == Upstream(branch="main", ref=None)
    git(clone, "checkout", "-q", "--detach")
    assert read_upstream(str(clone)).unwrap() == Upstream()


def test_check_without_base_says_which_ref_its_base_came_from(
    clone_behind_origin: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clone, fork = clone_behind_origin
    policy = tmp_path / "engineering-loop.toml"
    policy.write_text('[policy]\nallowed_paths = ["agent.txt"]\n')
    argv = ["policy", "check", "--repo", str(clone), "--config", str(policy), "--json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)["repos"][0]
    assert report["base"] == fork
    assert report["notices"] == [
        f"no --base given: measured from {fork[:12]}, the merge base of HEAD with "
        "refs/remotes/origin/main (or HEAD if none), the upstream of branch main in "
        ".git/config; the agent can rewrite .git/config to move this default, so the loop "
        "passes --base"
    ]
    assert main([*argv, "--base", fork]) == 0
    assert json.loads(capsys.readouterr().out)["repos"][0]["notices"] == []

"""The dulwich change collector against repositories built, and read back, by the real git CLI.

Renames: we report a rename only for identical content and mode (git's `-M100%`); a rename with
edits is a deletion plus an addition. So our lists are compared with `git diff -M100%`, and with
`git status --porcelain=v2` on the set of touched paths (old and new names both count).
"""

from __future__ import annotations

import os
import subprocess
import tracemalloc
from pathlib import Path

import anyio
import msgspec
import pytest

from adapters.git.changes import (
    DulwichSnapshotter,
    collect_changes,
    default_base,
    read_pairs,
)
from adapters.git.changes import _worktree as worktree_module
from adapters.git.changes._index import read_index
from adapters.git.changes._repo import SpecialFileError, open_worktree
from domain.changes.change_set import MODE_GITLINK, ChangeSet, FileChange
from domain.policy.evaluate import GateEvidence, PolicyRules, evaluate_policy
from tests.support.gitrepo import (
    commit_all,
    damage_object,
    git,
    git_bytes,
    init_repo,
    refuse_listing,
    touched_paths,
    write,
)

pytestmark = pytest.mark.integration

_GIT_KIND = {"added": "A", "modified": "M", "deleted": "D", "renamed": "R", "type-changed": "T"}


def _collect(repo: Path, base: str = "HEAD") -> ChangeSet:
    return collect_changes(str(repo), base).unwrap()


def _by_path(changes: ChangeSet) -> dict[str, FileChange]:
    return {c.path: c for c in changes.changes}


def _ours_as_name_status(changes: ChangeSet) -> set[tuple[str, ...]]:
    rows: set[tuple[str, ...]] = set()
    for change in changes.changes:
        if change.kind == "renamed":
            assert change.old_path is not None
            rows.add(("R", change.old_path, change.path))
        else:
            rows.add((_GIT_KIND[change.kind], change.path))
    return rows


def _git_name_status(repo: Path, *args: str) -> set[tuple[str, ...]]:
    fields = git_bytes(repo, "diff", "--name-status", "-z", *args).split(b"\0")
    rows: set[tuple[str, ...]] = set()
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i].decode()
        if status.startswith(("R", "C")):
            rows.add((status[0], os.fsdecode(fields[i + 1]), os.fsdecode(fields[i + 2])))
            i += 3
        else:
            rows.add((status, os.fsdecode(fields[i + 1])))
            i += 2
    return rows


def _git_status_paths(repo: Path) -> set[str]:
    fields = git_bytes(repo, "status", "--porcelain=v2", "-z", "--untracked-files=all").split(b"\0")
    paths: set[str] = set()
    i = 0
    while i < len(fields):
        field = fields[i]
        if field.startswith((b"1 ", b"u ")):
            paths.add(os.fsdecode(field.split(b" ", 8 if field.startswith(b"1") else 10)[-1]))
        elif field.startswith(b"2 "):
            paths.add(os.fsdecode(field.split(b" ", 9)[-1]))
            paths.add(os.fsdecode(fields[i + 1]))
            i += 1
        elif field.startswith(b"? "):
            paths.add(os.fsdecode(field[2:]))
        i += 1
    return paths


@pytest.fixture
def busy_repo(tmp_path: Path) -> tuple[Path, str]:
    """A base commit, then an agent commit, staged, unstaged, untracked and ignored changes."""
    repo = init_repo(
        tmp_path / "repo",
        {
            ".gitignore": "ignored/\n*.log\n",
            "src/a.py": "a = 1\n",
            "src/b.py": "b = 1\n",
            "docs/old.md": "# moved without edits\n",
            "scripts/run.sh": "echo run\n",
            "link-target.txt": "target\n",
            "becomes-link.txt": "plain\n",
            "to-delete.txt": "bye\n",
        },
    )
    base = git(repo, "rev-parse", "HEAD").strip()
    write(repo, {"src/a.py": "a = 1\na = 2\n", "src/c.py": "c = 3\n"})
    (repo / "to-delete.txt").unlink()
    commit_all(repo, "agent commit")
    git(repo, "mv", "docs/old.md", "docs/new.md")
    write(repo, {"src/b.py": "b = 1\nb = 2\n", "notes/new.txt": "note\n"})
    (repo / "scripts/run.sh").chmod(0o755)
    (repo / "becomes-link.txt").unlink()
    (repo / "becomes-link.txt").symlink_to("link-target.txt")
    (repo / "docs/link").symlink_to("../link-target.txt")
    write(repo, {"ignored/x.txt": "ignored\n", "debug.log": "ignored\n"})
    return repo, base


def test_status_against_head_names_the_same_paths_as_git_status(
    busy_repo: tuple[Path, str],
) -> None:
    repo, _ = busy_repo
    assert touched_paths(_collect(repo)) == _git_status_paths(repo)


def test_changes_against_base_agree_with_git_diff_m100(busy_repo: tuple[Path, str]) -> None:
    repo, base = busy_repo
    ours = _collect(repo, base)
    git(repo, "add", "-A")
    assert _ours_as_name_status(ours) == _git_name_status(repo, "--cached", "-M100%", base)


def test_tracked_changes_agree_with_git_diff_before_staging(busy_repo: tuple[Path, str]) -> None:
    repo, base = busy_repo
    untracked = {"notes/new.txt", "docs/link"}
    ours = {row for row in _ours_as_name_status(_collect(repo, base)) if row[-1] not in untracked}
    assert ours == _git_name_status(repo, "-M100%", base)


def test_result_does_not_depend_on_what_is_staged(busy_repo: tuple[Path, str]) -> None:
    repo, base = busy_repo
    before = _collect(repo, base)
    git(repo, "add", "-A")
    assert _collect(repo, base) == before


def test_each_file_reports_kind_mode_size_and_symlink_target(busy_repo: tuple[Path, str]) -> None:
    repo, base = busy_repo
    changes = _by_path(_collect(repo, base))
    assert changes["scripts/run.sh"].kind == "modified"
    assert (changes["scripts/run.sh"].old_mode, changes["scripts/run.sh"].new_mode) == (
        0o100644,
        0o100755,
    )
    assert changes["becomes-link.txt"].kind == "type-changed"
    assert changes["becomes-link.txt"].symlink_target == "link-target.txt"
    assert changes["docs/link"].symlink_target == "../link-target.txt"
    assert changes["docs/new.md"].old_path == "docs/old.md"
    assert changes["notes/new.txt"].size == len("note\n")
    assert "ignored/x.txt" not in changes
    assert "debug.log" not in changes


def test_added_lines_are_only_the_new_lines_with_their_numbers(
    busy_repo: tuple[Path, str],
) -> None:
    repo, base = busy_repo
    change = _by_path(_collect(repo, base))["src/a.py"]
    assert change.added_line_count == 1
    assert [(h.start, h.text) for h in change.added] == [(2, "a = 2")]


def test_directories_the_index_cache_marks_unchanged_are_still_read_on_disk(
    tmp_path: Path,
) -> None:
    # After `git commit` the index's cache tree says every directory equals HEAD's tree; the
    # collector skips reading those trees but must still see edits on disk below them.
    repo = init_repo(tmp_path / "r", {"a/one.txt": "1\n", "a/b/two.txt": "2\n", "c.txt": "c\n"})
    write(repo, {"a/b/two.txt": "22\n", "a/b/new.txt": "n\n"})
    (repo / "a/one.txt").unlink()
    ours = _collect(repo)
    assert (
        touched_paths(ours)
        == _git_status_paths(repo)
        == {"a/b/two.txt", "a/b/new.txt", "a/one.txt"}
    )
    git(repo, "add", "-A")
    assert _ours_as_name_status(_collect(repo)) == _git_name_status(repo, "--cached", "HEAD")


def test_core_filemode_false_does_not_hide_an_exec_bit_flip(tmp_path: Path) -> None:
    # Deliberately unlike `git status`: the repository config is the agent's to write, and we run
    # on POSIX file systems that keep the bit, so a flipped bit is always a change.
    repo = init_repo(tmp_path / "r", {"run.sh": "echo\n", "edit.sh": "echo\n"})
    git(repo, "config", "core.filemode", "false")
    (repo / "run.sh").chmod(0o755)
    write(repo, {"edit.sh": "echo edited\n", "new.sh": "echo\n"})
    (repo / "new.sh").chmod(0o755)
    changes = _by_path(_collect(repo))
    assert _git_status_paths(repo) == {"edit.sh", "new.sh"}
    assert set(changes) == {"edit.sh", "new.sh", "run.sh"}
    assert (changes["run.sh"].new_mode, changes["new.sh"].new_mode) == (0o100755, 0o100755)


def test_info_exclude_does_not_hide_a_new_file(tmp_path: Path) -> None:
    # Deliberately unlike `git status`: .git/info/exclude is the agent's to write.
    repo = init_repo(tmp_path / "r", {"a.py": "a\n"})
    (repo / ".git/info/exclude").write_text("conftest.py\n")
    write(repo, {"conftest.py": "import os\n"})
    assert _git_status_paths(repo) == set()
    assert set(_by_path(_collect(repo))) == {"conftest.py"}


def test_core_excludes_file_does_not_hide_a_new_file(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"a.py": "a\n"})
    (tmp_path / "global-ignore").write_text("*.py\n")
    git(repo, "config", "core.excludesFile", str(tmp_path / "global-ignore"))
    write(repo, {"conftest.py": "import os\n"})
    assert _git_status_paths(repo) == set()
    assert set(_by_path(_collect(repo))) == {"conftest.py"}


def test_a_new_gitignore_entry_is_a_change_and_hides_nothing(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {".gitignore": "*.log\n", "sub/.gitignore": "x\n"})
    write(repo, {".gitignore": "*.log\nconftest.py\n", "sub/.gitignore": "*\n"})
    write(repo, {"conftest.py": "import os\n", "sub/t.py": "t\n", "debug.log": "noise\n"})
    assert set(_by_path(_collect(repo))) == {
        ".gitignore",
        "sub/.gitignore",
        "conftest.py",
        "sub/t.py",
    }


@pytest.mark.parametrize("flag", ["--skip-worktree", "--assume-unchanged"])
def test_index_flags_do_not_hide_an_edit(tmp_path: Path, flag: str) -> None:
    repo = init_repo(tmp_path / "r", {"conftest.py": "x = 1\n"})
    git(repo, "update-index", flag, "conftest.py")
    write(repo, {"conftest.py": "import os\n"})
    assert _git_status_paths(repo) == set()
    assert _by_path(_collect(repo))["conftest.py"].kind == "modified"


def test_index_version_4_is_read_through_dulwich(busy_repo: tuple[Path, str]) -> None:
    repo, base = busy_repo
    before = _collect(repo, base)
    git(repo, "update-index", "--index-version", "4")
    assert _collect(repo, base) == before


def test_a_conflicted_merge_reports_the_file_as_it_is_on_disk(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"a.txt": "base\n"})
    git(repo, "checkout", "-q", "-b", "other")
    write(repo, {"a.txt": "other\n"})
    commit_all(repo, "other")
    git(repo, "checkout", "-q", "main")
    write(repo, {"a.txt": "main\n"})
    commit_all(repo, "main")
    with pytest.raises(subprocess.CalledProcessError):
        git(repo, "merge", "-q", "other")
    assert touched_paths(_collect(repo)) == _git_status_paths(repo) == {"a.txt"}
    assert "<<<<<<< HEAD" in _by_path(_collect(repo))["a.txt"].added[0].text
    # An entry of a merge stage is never taken on the index's word.
    assert collect_changes(str(repo), "HEAD", trust_index_stat=True).unwrap() == _collect(repo)


def test_binary_files_are_flagged_and_their_content_is_scanned(tmp_path: Path) -> None:
    # One NUL byte makes a file binary; its content must still reach the secret scan.
    repo = init_repo(tmp_path / "r", {"a.txt": "a\n"})
    token = "ghp_" + "Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5"
    (repo / "docs").mkdir()
    (repo / "docs/notes.md").write_bytes(b"\x00\nGITHUB_TOKEN=" + token.encode() + b"\n")
    changes = _collect(repo)
    change = _by_path(changes)["docs/notes.md"]
    assert (change.binary, change.added_line_count) == (True, 0)
    verdict = evaluate_policy(changes.changes, GateEvidence(), PolicyRules(protected_paths=()))
    secrets = [v for v in verdict.violations if v.code == "secret-detected"]
    assert [(v.path, v.detail.split(":")[0]) for v in secrets] == [("docs/notes.md", "line 2")]
    assert token not in msgspec.json.encode(verdict).decode()


def test_a_utf16_secret_in_a_binary_file_is_found(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"a.txt": "a\n"})
    token = "AKIA" + "ABCDEFGHIJKLMNOP"
    (repo / "docs").mkdir()
    (repo / "docs/creds.txt").write_bytes(("key = " + token + "\n").encode("utf-16-le"))
    changes = _collect(repo)
    verdict = evaluate_policy(changes.changes, GateEvidence(), PolicyRules(protected_paths=()))
    assert [v.path for v in verdict.violations if v.code == "secret-detected"] == ["docs/creds.txt"]


def test_non_utf8_file_name_is_reported_escaped(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"a.txt": "a\n"})
    (repo / os.fsdecode(b"bad\xffname.txt")).write_text("x\n")
    changes = _collect(repo).changes
    assert [(c.path, c.path_is_utf8) for c in changes] == [("bad\\xffname.txt", False)]


def test_rename_with_edits_is_a_deletion_and_an_addition(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"old.txt": "line\n" * 20})
    git(repo, "mv", "old.txt", "new.txt")
    write(repo, {"new.txt": "line\n" * 20 + "more\n"})
    kinds = {(c.kind, c.path) for c in _collect(repo).changes}
    assert kinds == {("deleted", "old.txt"), ("added", "new.txt")}


def test_submodule_commit_change_is_reported_as_a_gitlink(tmp_path: Path) -> None:
    sub = init_repo(tmp_path / "sub", {"s.txt": "s\n"})
    repo = init_repo(tmp_path / "repo", {"a.txt": "a\n"})
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "sub")
    base = commit_all(repo, "add submodule")
    write(repo / "sub", {"s.txt": "changed\n"})
    commit_all(repo / "sub", "move the submodule")
    changes = _by_path(_collect(repo, base))
    assert changes["sub"].kind == "modified"
    assert changes["sub"].new_mode == MODE_GITLINK
    git(repo, "add", "-A")
    assert _git_name_status(repo, "--cached", base) == {("M", "sub")}


def test_untracked_nested_repository_is_reported_as_a_gitlink(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"a.txt": "a\n"})
    init_repo(repo / "nested", {"n.txt": "n\n"})
    changes = _by_path(_collect(repo))
    assert changes["nested"].new_mode == MODE_GITLINK
    assert "nested/n.txt" not in changes


def _links(repo: Path, links: dict[str, str]) -> dict[str, tuple[str, str]]:
    for name, target in links.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).symlink_to(target)
    changes = _by_path(_collect(repo))
    found: dict[str, tuple[str, str]] = {}
    for name in links:
        link = changes[name].link
        assert link is not None
        found[name] = (link.path, link.state)
    return found


def test_a_new_symlink_is_followed_through_the_symlinks_on_its_way(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"src/tool.py": "X = 1\n"})
    (repo / "src/a").mkdir()
    found = _links(
        repo,
        {
            "src/a/up": "..",
            "src/esc": "a/up/../..",
            "src/same": "a/up/tool.py",
            "src/abs-on-the-way": "a/up/abs",
            "src/abs": "/etc",
            "src/git": "a/up/../.git/config",
        },
    )
    assert found == {
        "src/a/up": ("src", "resolved"),
        "src/esc": ("..", "resolved"),
        "src/same": ("src/tool.py", "resolved"),
        "src/abs-on-the-way": ("..", "resolved"),
        "src/abs": ("..", "resolved"),
        "src/git": (".git/config", "resolved"),
    }


def test_a_dangling_symlink_is_followed_as_text_past_the_missing_step(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"src/tool.py": "X = 1\n"})
    (repo / "src/a").mkdir()
    found = _links(repo, {"src/a/up": "..", "src/in": "a/up/missing/x.py"})
    assert found == {"src/a/up": ("src", "resolved"), "src/in": ("src/missing/x.py", "dangling")}


def test_a_symlink_stepping_back_out_of_a_missing_folder_is_unsettled(tmp_path: Path) -> None:
    # `missing/..` fails today (ENOENT) but is the folder above once `missing` is created
    # (a cache, a build folder): that is how it is followed, steps on disk again after it.
    repo = init_repo(tmp_path / "repo", {"src/tool.py": "X = 1\n"})
    (repo / "src/a").mkdir()
    found = _links(
        repo,
        {
            "src/a/up": "..",
            "src/out": "a/up/missing/../../..",
            "src/back": "missing/../tool.py",
            "src/via-up": "missing/../a/up/..",
            "src/below-a-file": "tool.py/../../..",
        },
    )
    assert found == {
        "src/a/up": ("src", "resolved"),
        "src/out": ("..", "unsettled"),
        "src/back": ("src/tool.py", "unsettled"),
        "src/via-up": (".", "unsettled"),
        "src/below-a-file": ("..", "unsettled"),
    }


def test_a_symlink_through_a_folder_created_later_is_judged_as_if_it_existed(
    tmp_path: Path,
) -> None:
    # Any import creates src/__pycache__: then src/l leads through src/a/b/s out of the tree.
    repo = init_repo(tmp_path / "repo", {"src/a/b/f": "x\n", ".gitignore": "__pycache__/\n"})
    (repo / "src/a/b/s").symlink_to("../..")
    (repo / "src/l").symlink_to("__pycache__/../a/b/s/../..")
    rules = PolicyRules(allowed_paths=("src/",))
    before = _collect(repo)
    (repo / "src/__pycache__").mkdir()
    after = _collect(repo)
    for changes, state in ((before, "unsettled"), (after, "resolved")):
        link = _by_path(changes)["src/l"].link
        assert link is not None
        assert (link.path, link.state) == ("..", state)
        verdict = evaluate_policy(changes.changes, GateEvidence(), rules)
        assert [(v.code, v.path) for v in verdict.violations] == [("symlink-escapes", "src/l")]


def test_a_symlink_loop_never_resolves(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"a.txt": "a\n"})
    found = _links(repo, {"one": "two", "two": "one", "self": "self/x"})
    assert {state for _, state in found.values()} == {"loop"}


def test_unchanged_symlinks_whose_way_a_change_reroutes_are_followed_again(
    tmp_path: Path,
) -> None:
    repo = init_repo(tmp_path / "repo", {"src/a/x/keep.txt": "k\n", "src/b/keep.txt": "k\n"})
    (repo / "src/a/l").symlink_to("x/../..")
    (repo / "src/a/y").symlink_to("../b")
    (repo / "src/a/via-y").symlink_to("y/keep.txt")
    (repo / "docs").mkdir()
    (repo / "docs/far").symlink_to("../../elsewhere")  # escapes, but no change reroutes it
    commit_all(repo, "links")
    assert _collect(repo).relinked == ()
    for path in (repo / "src/a/x").iterdir():
        path.unlink()
    (repo / "src/a/x").rmdir()
    (repo / "src/a/x").symlink_to("../..")
    (repo / "src/a/y").unlink()
    (repo / "src/a/y").symlink_to("../b/.")  # retargeted, same place
    relinked = {r.path: (r.link.path, r.through) for r in _collect(repo).relinked}
    assert relinked == {"src/a/l": ("..", "src/a/x"), "src/a/via-y": ("src/b/keep.txt", "src/a/y")}


def test_core_worktree_does_not_point_the_collector_at_another_folder(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"a.txt": "a\n"})
    clean = tmp_path / "clean-copy"
    clean.mkdir()
    (clean / "a.txt").write_text("a\n")
    write(repo, {"secret.txt": "ghp_" + "a" * 36 + "\n"})
    git(repo, "config", "core.worktree", str(clean))
    changes = _collect(repo)
    assert changes.repo == str(repo)
    assert [c.path for c in changes.changes] == ["secret.txt"]


@pytest.mark.parametrize(
    "settings",
    [
        {"core.repositoryformatversion": "1", "extensions.madeup": "true"},
        {"core.repositoryformatversion": "7"},
    ],
)
def test_a_config_dulwich_refuses_is_repo_unreadable_not_a_crash(
    tmp_path: Path, settings: dict[str, str]
) -> None:
    repo = init_repo(tmp_path / "repo", {"a.txt": "a\n"})
    for key, value in settings.items():
        git(repo, "config", key, value)
    assert collect_changes(str(repo), "HEAD").failure().code == "repo-unreadable"


def test_not_a_repository_is_repo_not_found(tmp_path: Path) -> None:
    assert collect_changes(str(tmp_path), "HEAD").failure().code == "repo-not-found"


def test_unknown_base_is_base_not_found(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"a.txt": "a\n"})
    assert collect_changes(str(repo), "no-such-ref").failure().code == "base-not-found"


def test_base_accepts_git_ancestry_suffixes(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"a.txt": "a\n"})
    write(repo, {"b.txt": "b\n"})
    commit_all(repo, "second")
    write(repo, {"c.txt": "c\n"})
    commit_all(repo, "third")
    for spec in ("HEAD~2", "HEAD^^", "HEAD~1^", "main~2"):
        assert _collect(repo, spec).base == git(repo, "rev-parse", spec).strip()
    assert collect_changes(str(repo), "HEAD~3").failure().code == "base-not-found"


def test_default_base_is_head_without_upstream(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"a.txt": "a\n"})
    assert default_base(str(repo)).unwrap() == git(repo, "rev-parse", "HEAD").strip()


def test_default_base_is_the_merge_base_with_the_upstream(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"a.txt": "a\n"})
    fork = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "agent", "--track", "main")
    write(repo, {"b.txt": "b\n"})
    commit_all(repo, "agent work")
    git(repo, "checkout", "-q", "main")
    write(repo, {"c.txt": "c\n"})
    commit_all(repo, "upstream moves on")
    git(repo, "checkout", "-q", "agent")
    assert default_base(str(repo)).unwrap() == fork
    assert git(repo, "merge-base", "HEAD", "main").strip() == fork


def test_default_base_of_an_empty_repository_is_base_not_found(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    assert default_base(str(repo)).failure().code == "base-not-found"


def test_manifest_pairs_give_base_and_worktree_text(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"pyproject.toml": "[project]\nname = 'a'\n"})
    write(repo, {"pyproject.toml": "[project]\nname = 'b'\n"})
    pairs = read_pairs(str(repo), "HEAD", ("pyproject.toml", "svc/pyproject.toml")).unwrap()
    assert [(p.before, p.after) for p in pairs] == [
        ("[project]\nname = 'a'\n", "[project]\nname = 'b'\n"),
        (None, None),
    ]


def test_a_damaged_base_manifest_is_repo_unreadable_not_a_crash(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"pyproject.toml": "[project]\nname = 'a'\n"})
    damage_object(repo, git(repo, "rev-parse", "HEAD:pyproject.toml").strip(), "rewritten")
    error = read_pairs(str(repo), "HEAD", ("pyproject.toml",)).failure()
    assert error.code == "repo-unreadable"


def test_a_folder_that_cannot_be_listed_is_repo_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = init_repo(tmp_path / "r", {"a.txt": "a\n"})
    write(repo, {"hidden/conftest.py": "import os\n"})
    refuse_listing(monkeypatch, "hidden")
    error = collect_changes(str(repo), "HEAD").failure()
    assert error.code == "repo-unreadable"
    assert "hidden" in error.message


@pytest.mark.parametrize("how", ["missing", "rewritten", "empty"])
@pytest.mark.parametrize("part", ["HEAD^{tree}", "HEAD:src", "HEAD:src/a.py", "HEAD"])
def test_a_damaged_object_of_the_base_is_repo_unreadable_not_a_crash(
    tmp_path: Path, part: str, how: str
) -> None:
    repo = init_repo(tmp_path / "r", {"src/a.py": "A = 1\n", "b.txt": "b\n"})
    write(repo, {"src/a.py": "A = 2\n"})  # the base's blob is read for the added lines
    damage_object(repo, git(repo, "rev-parse", part).strip(), how)
    error = collect_changes(str(repo), "HEAD").failure()
    if part == "HEAD" and how == "missing":
        assert error.code == "base-not-found"  # no such commit: as for an unknown ref
    else:
        assert error.code == "repo-unreadable", error
        assert str(repo) in error.message


def _forge_index_entry(repo: Path, path: str) -> None:
    """Record the base blob of `path` in the index with the stat data of its edited file."""
    from dulwich.index import IndexEntry, index_entry_from_stat
    from dulwich.repo import Repo

    with Repo(str(repo)) as opened:
        index = opened.open_index()
        entry = index[path.encode()]
        assert isinstance(entry, IndexEntry)
        index[path.encode()] = index_entry_from_stat(os.lstat(repo / path), entry.sha)
        index.write()


def test_a_forged_index_entry_does_not_hide_an_edit(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"conftest.py": "x = 1\n"})
    write(repo, {"conftest.py": "import os\n"})
    os.utime(repo / "conftest.py", ns=(1_000_000_000, 1_000_000_000))
    _forge_index_entry(repo, "conftest.py")
    assert _git_status_paths(repo) == set()  # git itself trusts the forged stat data
    assert _by_path(_collect(repo))["conftest.py"].added[0].text == "import os"


def test_trusting_the_index_stat_cache_is_an_explicit_choice(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"conftest.py": "x = 1\n"})
    write(repo, {"conftest.py": "import os\n"})
    os.utime(repo / "conftest.py", ns=(1_000_000_000, 1_000_000_000))
    _forge_index_entry(repo, "conftest.py")
    trusted = collect_changes(str(repo), "HEAD", trust_index_stat=True).unwrap()
    assert trusted.changes == ()


def test_the_gate_snapshot_lists_exactly_what_the_collector_reports_against_head(
    busy_repo: tuple[Path, str],
) -> None:
    # One implementation behind both ports: the same ignore rules, the same notion of a change.
    repo, _ = busy_repo
    (repo / ".git/info/exclude").write_text("notes/\n")
    write(repo, {".gitignore": "ignored/\n*.log\n*.txt\n"})
    snapshot = anyio.run(DulwichSnapshotter().snapshot, str(repo)).unwrap()
    assert {e.path for e in snapshot.entries} == touched_paths(_collect(repo))
    assert "notes/new.txt" in touched_paths(_collect(repo))


def test_a_missing_commit_between_head_and_its_upstream_is_repo_unreadable(
    tmp_path: Path,
) -> None:
    repo = init_repo(tmp_path / "r", {"a.txt": "1\n"})
    git(repo, "checkout", "-q", "-b", "agent", "--track", "main")
    write(repo, {"b.txt": "agent\n"})
    commit_all(repo, "agent")
    git(repo, "checkout", "-q", "main")
    for n in (2, 3):
        write(repo, {"a.txt": f"{n}\n"})
        commit_all(repo, f"main {n}")
    middle = git(repo, "rev-parse", "main~1").strip()
    git(repo, "checkout", "-q", "agent")
    (repo / ".git" / "objects" / middle[:2] / middle[2:]).unlink()  # a damaged history
    error = default_base(str(repo)).failure()
    assert error.code == "repo-unreadable"
    assert "HEAD and its upstream" in error.message


def test_a_gate_snapshot_of_a_repository_with_a_missing_head_tree_is_unreadable(
    tmp_path: Path,
) -> None:
    repo = init_repo(tmp_path / "r", {"a.txt": "1\n"})
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    (repo / ".git" / "objects" / tree[:2] / tree[2:]).unlink()
    error = anyio.run(DulwichSnapshotter().snapshot, str(repo)).failure()
    assert error.code == "snapshot-unreadable"
    assert "git objects cannot be read" in error.message


def test_a_tracked_file_replaced_by_a_fifo_is_repo_unreadable_not_a_hang(tmp_path: Path) -> None:
    # Opening a FIFO for reading blocks until a writer comes: the collector must not read it.
    # git cannot stage one either ("unable to index file"), so the worktree cannot be described.
    repo = init_repo(tmp_path / "r", {"a.txt": "a\n", "b.txt": "b\n"})
    (repo / "a.txt").unlink()
    os.mkfifo(repo / "a.txt")
    os.mkfifo(repo / "untracked.fifo")  # an untracked FIFO is skipped, as git skips it
    assert "a.txt" in git(repo, "status", "--porcelain")
    error = collect_changes(str(repo), "HEAD").failure()
    assert error.code == "repo-unreadable"
    assert "'a.txt' is a FIFO, socket or device file" in error.message
    (repo / "a.txt").unlink()
    assert [(c.path, c.kind) for c in _collect(repo).changes] == [("a.txt", "deleted")]


def test_an_index_that_became_a_fifo_after_the_repository_was_opened_is_refused(
    tmp_path: Path,
) -> None:
    # Opening refuses a FIFO in the git data (test_special_git_files); the index reader checks
    # again, as it is the one file read in full at every collection.
    repo = init_repo(tmp_path / "r", {"a.txt": "a\n"})
    with open_worktree(str(repo)) as opened:
        (repo / ".git" / "index").unlink()
        os.mkfifo(repo / ".git" / "index")
        for with_stats in (False, True):
            with pytest.raises(SpecialFileError, match="index is not a regular file"):
                read_index(opened, None, with_stats=with_stats)


def test_large_files_are_hashed_in_chunks_to_the_id_git_gives_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worktree_module, "STREAM_BYTES", 16)
    repo = init_repo(tmp_path / "r", {"big.txt": "x" * 100 + "\n", "small.txt": "s\n"})
    write(repo, {"big.txt": "y" * 300 + "\n", "new.txt": "n" * 50 + "\n", "small.txt": "t\n"})
    changes = _by_path(_collect(repo))
    for path in ("big.txt", "new.txt", "small.txt"):
        assert changes[path].new_id == git(repo, "hash-object", path).strip()


def test_a_file_whose_size_changes_while_it_is_hashed_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "growing"
    path.write_bytes(b"a" * 100)
    fd = os.open(path, os.O_RDONLY)
    try:
        with pytest.raises(OSError, match="changed size while it was read"):
            worktree_module._streamed_blob_id(fd, os.fsencode(path), 50)
    finally:
        os.close(fd)


def test_hashing_a_huge_file_holds_only_a_bounded_part_of_it_in_memory(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"a.txt": "a\n"})
    with open(repo / "huge.bin", "wb") as handle:
        handle.truncate(512 * 1024 * 1024)  # sparse: no disk used, 512 MiB of zeros to read
    tracemalloc.start()
    try:
        change = _by_path(_collect(repo))["huge.bin"]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert change.size == 512 * 1024 * 1024
    assert change.new_id == git(repo, "hash-object", "huge.bin").strip()
    # The content scan reads at most 64 MiB (and describes that); never the 512 MiB file whole.
    assert peak < 256 * 1024 * 1024


def test_a_file_replaced_by_a_fifo_between_stat_and_read_is_an_error_not_a_hang(
    tmp_path: Path,
) -> None:
    path = tmp_path / "was-a-file"
    path.write_text("a\n")
    st = os.lstat(path)
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(SpecialFileError, match="stopped being a regular file"):
        worktree_module._worktree_blob_id(os.fsencode(path), st)

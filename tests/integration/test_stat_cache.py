"""The collector's stat cache: a warm cache never changes what is collected, only how fast.

Each scenario builds a repository with the git CLI, lets its files age past the racy window,
warms the cache with one collection, changes the worktree, and then compares a collection that
uses the cache with one that reads every file. The racy window is shortened to 50 ms here so
the tests need not wait two seconds; the rule is the same.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from adapters.git.changes import DulwichSnapshotter, collect_changes
from adapters.git.changes import _stat_cache as stat_cache_module
from adapters.git.changes import _stat_helper as stat_helper_module
from adapters.git.changes._stat_cache import StatCache, cache_file
from domain.changes.change_set import ChangeSet
from domain.changes.snapshot import WorktreeSnapshot, side_effects
from tests.support.gitrepo import git, init_repo, write

pytestmark = pytest.mark.integration

RACY_S = 0.05
FILES = {
    "src/app.py": "VALUE = 1\n",
    "src/util.py": "def f() -> int:\n    return 2\n",
    "docs/guide.md": "# Guide\n",
    "conftest.py": "x = 1\n",
    ".gitignore": "*.log\n",
}


@pytest.fixture(autouse=True)
def short_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stat_cache_module, "RACY_NS", int(RACY_S * 1e9))


def _age() -> None:
    """Let every file written so far leave the racy window (and the kernel's clock tick)."""
    time.sleep(RACY_S * 2)


def _collect(repo: Path, cache_dir: Path | None) -> ChangeSet:
    folder = None if cache_dir is None else str(cache_dir)
    return collect_changes(str(repo), "HEAD", stat_cache_dir=folder).unwrap()


def _warm(tmp_path: Path) -> tuple[Path, Path]:
    repo = init_repo(tmp_path / "repo", FILES)
    (repo / "docs" / "link.md").symlink_to("guide.md")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "link")
    cache = tmp_path / "cache"
    _age()
    assert _collect(repo, cache).changes == ()
    assert len(_cached(repo, cache).known) == len(FILES) + 1  # every file recorded
    return repo, cache


def _cached(repo: Path, cache: Path) -> StatCache:
    root = os.fsencode(os.path.realpath(repo))
    return StatCache(cache_file(str(cache), root), root)


def _edit_same_size_keep_mtime(repo: Path) -> None:
    target = repo / "conftest.py"
    before = os.stat(target)
    target.write_text("y = 1\n")
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))


def _replace_by_rename_keep_mtime(repo: Path) -> None:
    target = repo / "src" / "app.py"
    before = os.stat(target)
    (repo / "tmp.py").write_text("VALUE = 2\n")
    os.utime(repo / "tmp.py", ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(repo / "tmp.py", target)


def _chmod_executable(repo: Path) -> None:
    os.chmod(repo / "src" / "util.py", 0o755)


def _retarget_symlink(repo: Path) -> None:
    (repo / "docs" / "link.md").unlink()
    (repo / "docs" / "link.md").symlink_to("GUIDE.md")  # same length, other target


def _delete(repo: Path) -> None:
    (repo / "docs" / "guide.md").unlink()


def _add_untracked(repo: Path) -> None:
    write(repo, {"src/new.py": "NEW = 1\n", "debug.log": "ignored\n"})


def _stage_an_edit(repo: Path) -> None:
    write(repo, {"src/app.py": "VALUE = 3\n"})
    git(repo, "add", "src/app.py")


def _file_becomes_directory(repo: Path) -> None:
    (repo / "docs" / "guide.md").unlink()
    write(repo, {"docs/guide.md/index.md": "# moved\n"})


def _track_an_ignored_file(repo: Path) -> None:
    # Only the index says `debug.log` is tracked (the base's .gitignore ignores it): a parsed
    # index kept from before this `git add` would miss it.
    write(repo, {"debug.log": "now tracked\n"})
    git(repo, "add", "-f", "debug.log")


def _folder_becomes_symlink(repo: Path) -> None:
    os.rename(repo / "src", repo / "elsewhere")
    (repo / "src").symlink_to("elsewhere")


def _append_a_secret(repo: Path) -> None:
    with open(repo / "src" / "util.py", "a") as handle:
        handle.write('TOKEN = "ghp_' + "a" * 36 + '"\n')


SCENARIOS: dict[str, Callable[[Path], None]] = {
    "edit-same-size-mtime-restored": _edit_same_size_keep_mtime,
    "replaced-by-rename-mtime-restored": _replace_by_rename_keep_mtime,
    "chmod-executable": _chmod_executable,
    "symlink-retargeted": _retarget_symlink,
    "deleted": _delete,
    "untracked-added": _add_untracked,
    "staged-edit": _stage_an_edit,
    "file-becomes-directory": _file_becomes_directory,
    "secret-appended": _append_a_secret,
    "ignored-file-tracked": _track_an_ignored_file,
    "folder-becomes-symlink": _folder_becomes_symlink,
}


@pytest.fixture(params=["one-process", "stat-helper"])
def stat_helper(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Run once as small repositories are read (in this process), once with a helper process
    stat-ing most paths, as for large ones (`_stat_helper`)."""
    forced: bool = request.param == "stat-helper"
    if forced:
        monkeypatch.setattr(stat_helper_module, "MIN_PATHS", 0)
        monkeypatch.setattr(stat_helper_module, "_cpus", lambda: 2)
    return forced


@pytest.mark.parametrize("scenario", SCENARIOS, ids=list(SCENARIOS))
def test_a_warm_cache_collects_exactly_what_reading_every_file_collects(
    tmp_path: Path, scenario: str, stat_helper: bool
) -> None:
    repo, cache = _warm(tmp_path)
    SCENARIOS[scenario](repo)
    with_cache = _collect(repo, cache)
    assert with_cache.changes != ()
    assert with_cache == _collect(repo, None)
    # Again, now that the cache was rewritten after the change (racy files left out of it).
    _age()
    assert _collect(repo, cache) == with_cache
    assert _collect(repo, cache) == _collect(repo, None)


def test_unchanged_files_are_taken_from_the_cache_and_the_file_is_not_rewritten(
    tmp_path: Path,
) -> None:
    repo, cache = _warm(tmp_path)
    (written,) = cache.iterdir()
    before = written.stat().st_mtime_ns
    _age()
    assert _collect(repo, cache).changes == ()
    assert written.stat().st_mtime_ns == before


def test_files_changed_within_the_racy_window_are_not_recorded(tmp_path: Path) -> None:
    repo, cache = _warm(tmp_path)
    write(repo, {"src/app.py": "VALUE = 9\n"})  # just now: inside the window
    _collect(repo, cache)
    assert b"src/app.py" not in _cached(repo, cache).known
    assert b"src/util.py" in _cached(repo, cache).known


@pytest.mark.parametrize("damage", [b"", b"not msgpack at all", b"\x93\x01\xa1x\x90"])
def test_a_damaged_cache_file_means_reading_every_file(tmp_path: Path, damage: bytes) -> None:
    repo, cache = _warm(tmp_path)
    (written,) = cache.iterdir()
    written.write_bytes(damage)
    _edit_same_size_keep_mtime(repo)
    assert _collect(repo, cache) == _collect(repo, None)
    assert [c.path for c in _collect(repo, cache).changes] == ["conftest.py"]


def test_another_worktrees_cache_file_is_not_used(tmp_path: Path) -> None:
    _, cache = _warm(tmp_path)
    other = init_repo(tmp_path / "other", FILES)
    _age()
    (written,) = cache.iterdir()
    os.replace(written, cache_file(str(cache), os.fsencode(os.path.realpath(other))))
    assert _cached(other, cache).known == {}  # recorded for `repo`, so ignored for `other`


@pytest.mark.parametrize("inside", ["cache", ".git/cache"])
def test_no_cache_is_kept_inside_the_worktree_or_its_git_directory(
    tmp_path: Path, inside: str
) -> None:
    repo = init_repo(tmp_path / "repo", FILES)
    _age()
    _collect(repo, repo / inside)
    assert not (repo / inside).exists()


def test_an_unwritable_cache_folder_only_costs_speed(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", FILES)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder would be\n")
    _age()
    write(repo, {"src/app.py": "VALUE = 5\n"})
    assert _collect(repo, blocker / "cache") == _collect(repo, None)


def test_the_cache_folder_keeps_only_the_most_recent_worktrees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stat_cache_module, "MAX_FILES", 3)
    cache = tmp_path / "cache"
    repos = [init_repo(tmp_path / f"repo{i}", FILES) for i in range(5)]
    _age()
    for repo in repos:
        _collect(repo, cache)
        time.sleep(0.01)  # distinct write times
    kept = {path.name for path in cache.iterdir()}
    expected = {
        os.path.basename(cache_file(str(cache), os.fsencode(os.path.realpath(repo))))
        for repo in repos[-3:]
    }
    assert kept == expected


def test_the_gate_snapshotter_remembers_files_in_memory_and_still_sees_every_edit(
    tmp_path: Path,
) -> None:
    repo = init_repo(tmp_path / "repo", FILES)
    _age()
    snapshotter = DulwichSnapshotter()  # one per gate run, as bootstrap makes it

    def snap() -> WorktreeSnapshot:
        return anyio.run(snapshotter.snapshot, str(repo)).unwrap()

    before = snap()
    cached = snapshotter._caches[os.path.abspath(repo)]
    assert len(cached.known) == len(FILES)  # the next snapshot may reuse every file
    _edit_same_size_keep_mtime(repo)
    assert side_effects(before, snap()) == ("conftest.py",)
    # A fresh snapshotter (nothing remembered) sees the same.
    assert side_effects(before, anyio.run(DulwichSnapshotter().snapshot, str(repo)).unwrap()) == (
        "conftest.py",
    )

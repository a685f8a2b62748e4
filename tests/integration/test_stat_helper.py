"""The stat helper process: it names exactly the paths whose stat data differ, and whatever goes
wrong with it only means this process stats those paths itself (the result never changes)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from adapters.git.changes import _stat_cache as stat_cache_module
from adapters.git.changes import _stat_helper as stat_helper_module
from adapters.git.changes import collect_changes
from adapters.git.changes._stat_cache import key_of
from adapters.git.changes._stat_helper import NO_KEY, StatHelper, helper_share
from tests.support.gitrepo import init_repo, write

pytestmark = pytest.mark.integration


def _files(tmp_path: Path) -> tuple[bytes, list[bytes]]:
    root = tmp_path / "tree"
    for name in ("a.py", "b.py", "sub/c.py", "sub/d.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    (root / "link").symlink_to("a.py")
    return os.fsencode(root), [b"a.py", b"b.py", b"sub/c.py", b"sub/d.py", b"link"]


def test_the_helper_names_exactly_the_paths_whose_stat_data_differ(tmp_path: Path) -> None:
    root, paths = _files(tmp_path)
    keys = [key_of(os.lstat(root + b"/" + path)) for path in paths]
    keys[1] = NO_KEY  # nothing recorded
    os.chmod(root + b"/sub/c.py", 0o755)  # changed since its key was taken
    paths.append(b"gone.py")  # missing
    keys.append(keys[0])
    paths.append(b"a.py/under-a-file")  # not a directory
    keys.append(keys[0])
    assert StatHelper(root, paths, b"".join(keys)).results() == [1, 2, 5, 6]


def test_a_helper_with_nothing_to_do_answers_nothing(tmp_path: Path) -> None:
    root, _ = _files(tmp_path)
    assert StatHelper(root, [], b"").results() == []


@pytest.mark.parametrize(
    "script",
    [
        "import sys; sys.exit(1)",
        "import sys; sys.stdout.buffer.write(b'xyz')",  # not whole positions
        # A position out of range (then the right count: 5 paths).
        "import sys, array; sys.stdout.buffer.write(array.array('I', [99, 5]).tobytes())",
        "import sys; sys.stdout.buffer.write((1).to_bytes(4, sys.byteorder))",  # no count
        "",  # exits 0 and says nothing: not "every path matched"
        "import os; os.kill(os.getpid(), 9)",
    ],
    ids=["fails", "short-answer", "position-out-of-range", "no-count", "silent", "killed"],
)
def test_a_helper_that_gives_no_full_answer_gives_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str
) -> None:
    root, paths = _files(tmp_path)
    monkeypatch.setattr(stat_helper_module, "_SCRIPT", script)
    assert StatHelper(root, paths, NO_KEY * len(paths)).results() is None


def test_a_helper_that_cannot_start_gives_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, paths = _files(tmp_path)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    assert StatHelper(root, paths, NO_KEY * len(paths)).results() is None


def test_a_helper_is_only_used_for_many_paths_on_more_than_one_cpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stat_helper_module, "_cpus", lambda: 2)
    assert helper_share(stat_helper_module.MIN_PATHS - 1) == 0
    assert helper_share(50_000) == int(50_000 * stat_helper_module.SHARE)
    monkeypatch.setattr(stat_helper_module, "_cpus", lambda: 1)
    assert helper_share(50_000) == 0


def _repository(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "r", {f"pkg/m{i}.py": f"V = {i}\n" for i in range(40)})
    write(repo, {"pkg/m3.py": "V = 'edited'\n", "new.py": "N = 1\n"})
    (repo / "pkg" / "m7.py").unlink()
    return repo


@pytest.mark.parametrize("broken", ["working", "cannot-start", "fails"])
def test_collection_is_the_same_with_a_helper_that_works_or_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    monkeypatch.setattr(stat_cache_module, "RACY_NS", 50_000_000)
    repo = _repository(tmp_path)
    time.sleep(0.1)  # out of the racy window: the files are recorded
    cache = str(tmp_path / "cache")
    alone = collect_changes(str(repo), "HEAD").unwrap()
    assert collect_changes(str(repo), "HEAD", stat_cache_dir=cache).unwrap() == alone
    answers: list[list[int] | None] = []
    real_results = StatHelper.results

    def spy(self: StatHelper) -> list[int] | None:
        answers.append(real_results(self))
        return answers[-1]

    monkeypatch.setattr(StatHelper, "results", spy)
    monkeypatch.setattr(stat_helper_module, "MIN_PATHS", 0)
    monkeypatch.setattr(stat_helper_module, "_cpus", lambda: 2)
    if broken == "cannot-start":
        monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    elif broken == "fails":
        monkeypatch.setattr(stat_helper_module, "_SCRIPT", "import sys; sys.exit(1)")
    (repo / "pkg" / "m5.py").write_text("V = 'edited after the cache was written'\n")
    alone = collect_changes(str(repo), "HEAD").unwrap()
    assert answers == []  # no stat cache: nothing a helper could compare with
    for _ in range(2):
        assert collect_changes(str(repo), "HEAD", stat_cache_dir=cache).unwrap() == alone
    assert len(answers) == 2
    assert all((answer is None) == (broken != "working") for answer in answers)
    if broken == "working":
        assert answers[0] != []  # the edited file (and the deleted one) were named
    assert [c.path for c in alone.changes] == ["new.py", "pkg/m3.py", "pkg/m5.py", "pkg/m7.py"]

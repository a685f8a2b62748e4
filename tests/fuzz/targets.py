"""The fuzz targets: every entry point that reads untrusted bytes, and the property each must keep.

A target's `check` takes one generated input and raises `AssertionError` when the property
breaks (any other exception escaping is a crash too). The command-line targets call the CLI's
`main(argv)` in-process: the answer must be a documented exit code (never 70) with one JSON
object on stdout (one per input line for `--batch`) and no traceback. The library targets must
return a value (a `Result`, a report), never raise.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import msgspec
from hypothesis import strategies as st
from returns.result import Failure, Success

from adapters.git.changes import collect_changes
from domain.config import parse_config
from domain.harness.normalise import new_normaliser, normalise_text
from domain.harness.report import HarnessName, HarnessReport
from domain.text.bounded_lines import LineSplitter
from domain.text.depth import MAX_JSON_DEPTH, exceeds_depth
from tests.fuzz import inputs, loop_targets
from tests.fuzz.common import Target, assert_answers
from tests.support.cli import run_cli
from tests.support.gitrepo import commit_all, git, init_repo

# Exit codes each command documents in its --help.
NORMALISE_CODES = frozenset({0, 2})
PREPARE_CODES = frozenset({0, 2, 3})
BUDGET_CODES = frozenset({0, 1, 2, 3})
CHECK_CODES = frozenset({0, 1, 2, 3})
CHECK_FILES_CODES = frozenset({0, 1, 2})
NOW = "2026-01-01T12:00:00Z"


def _report_is_consistent(report: HarnessReport) -> None:
    assert report.deep_lines <= report.malformed_lines + report.unknown_events
    if report.total_cost_usd is not None:
        assert report.cost_reported
    if not report.complete:
        assert report.is_error


def _harness_cli(harness: HarnessName) -> Callable[[bytes], None]:
    def check(data: bytes) -> None:
        answer = run_cli(["harness", "normalise", "--harness", harness, "-"], stdin=data)
        assert_answers(answer, NORMALISE_CODES)
        assert answer.code == 0  # stdin is always readable
        report = msgspec.json.decode(answer.stdout, type=HarnessReport)
        _report_is_consistent(report)
        # The streamed reading and the in-memory one agree (`normalise_text`'s promise).
        assert report == normalise_text(harness, data, None)

    return check


def _long_lines(case: tuple[HarnessName, bytes, int]) -> None:
    """Lines past a tiny limit are read from their ends (`LongLine`), never raising."""
    harness, data, keep = case
    splitter = LineSplitter(max_line_bytes=4 * keep, keep_bytes=keep)
    normaliser = new_normaliser(harness)
    lines = splitter.feed(data)
    last = splitter.finish()
    for line in lines if last is None else [*lines, last]:
        normaliser.feed(line)
        lost = normaliser.cost_lost
        assert lost is None or isinstance(lost, str)
    _report_is_consistent(normaliser.finish(0))


def _depth_measure(data: bytes) -> None:
    """The measure never raises, and what it lets through never makes a decoder recurse."""
    if not exceeds_depth(data, MAX_JSON_DEPTH):
        with contextlib.suppress(msgspec.DecodeError, UnicodeDecodeError):
            msgspec.json.decode(data)


class Workspace:
    """The folders the targets need: a uv project for gates, a base repository to copy."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.project = init_repo(
            root / "project",
            {
                "pyproject.toml": '[project]\nname = "p"\nversion = "0"\n\n'
                '[dependency-groups]\ndev = ["pytest", "ruff", "mypy"]\n',
                "uv.lock": "version = 1\n",
                "p/__init__.py": "",
                "tests/test_p.py": "def test_p():\n    pass\n",
            },
        )
        self.config = root / "config.toml"
        self.config.write_text("[policy]\nallowed_paths = []\nmax_files = 1000\n")
        self.base = _odd_repository(root / "base")
        self.records = loop_targets.RecordsWorkspace(root / "records")
        self._count = 0

    def fresh_copy(self) -> Path:
        """A copy of the base repository to change (symlinks copied as symlinks)."""
        self._count += 1
        target = self.root / f"copy-{self._count}"
        shutil.copytree(self.base, target, symlinks=True)
        return target

    def scratch_file(self, data: bytes, suffix: str = "") -> Path:
        self._count += 1
        path = self.root / f"input-{self._count}{suffix}"
        path.write_bytes(data)
        return path


_ODD_NAMES = [
    b"plain.txt", b"with space.py", b"-rf", b"--base=HEAD", b"new\nline", b"tab\there",
    b"back\\slash", b"quote\"d", b"\xff\xfe.bin", b"caf\xc3\xa9.md", b"x" * 250, b".gitignore",
    b"dir/nested/deep.py", b"dir/nested", b"*.py", b"[abc]", b"~user", b"CON", b" lead",
]  # fmt: skip


def _odd_repository(path: Path) -> Path:
    """A committed repository holding odd names, modes and symlinks."""
    init_repo(path)
    root = os.fsencode(path)
    for name in _ODD_NAMES:
        if name in (b"dir/nested",):
            continue
        full = os.path.join(root, name)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as handle:
            handle.write(b"content of " + name + b"\n")
    os.chmod(os.path.join(root, b"-rf"), 0o755)
    os.symlink(b"../outside", os.path.join(root, b"escapes"))
    os.symlink(b"/etc/passwd", os.path.join(root, b"absolute"))
    os.symlink(b"missing", os.path.join(root, b"dangling"))
    os.symlink(b"dir", os.path.join(root, b"to-dir"))
    os.symlink(b"loop", os.path.join(root, b"loop"))
    commit_all(path, "odd base")
    git(path, "tag", "base")
    git(path, "gc", "-q")  # one pack instead of loose objects: quicker to copy for each input
    shutil.rmtree(path / ".git" / "hooks")  # git's samples: nothing a collector reads
    return path


# Worktree changes: (operation, name, payload).
OPERATIONS = [
    "write", "delete", "chmod-x", "chmod-0", "symlink", "mkdir", "fifo", "replace-with-dir",
    "stage",
]  # fmt: skip


def repo_changes() -> st.SearchStrategy[list[tuple[str, bytes, bytes]]]:
    """Changes to make to the odd repository's worktree, by odd names."""
    component = st.binary(min_size=1, max_size=12).filter(
        lambda b: b"/" not in b and b"\x00" not in b and b not in (b".", b"..", b".git")
    )
    generated = st.lists(component, min_size=1, max_size=3).map(b"/".join)
    names = st.sampled_from([*_ODD_NAMES, b"escapes", b"absolute", b"to-dir/x", b"loop"])
    payload = st.binary(max_size=64) | st.sampled_from(
        [b"../../etc", b"/", b"\x00\x01", b"x" * 5000, b"\xef\xbb\xbfbom", b"ghp_" + b"a" * 36]
    )
    change = st.tuples(st.sampled_from(OPERATIONS), names | generated, payload)
    return st.lists(change, max_size=6)


def _within(root: bytes, path: bytes) -> bool:
    """True when `path`, every symlink in it resolved, lies in the folder `root` (resolved)."""
    resolved = os.path.realpath(path)
    return resolved == root or resolved.startswith(root + b"/")


def apply_change(repo: Path, operation: str, name: bytes, payload: bytes) -> None:
    """Make one change; a change the file system refuses is simply not made.

    The repository holds symlinks out of it (to `/etc/passwd`, to `/`) and the changes make more:
    no change may reach through one, since the tests may run as root. So the folder a change
    is made in must resolve inside the repository, a file is opened without following a
    symlink, and a mode or folder is changed only where the whole path resolves inside.
    """
    root = os.path.realpath(os.fsencode(repo))
    path = os.path.join(root, name)
    if not _within(root, os.path.dirname(path)):
        return
    if operation in ("chmod-x", "chmod-0", "mkdir") and not _within(root, path):
        return
    try:
        if operation in ("write", "stage"):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            # Non-blocking: opening a FIFO made by an earlier change would wait for a reader.
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NONBLOCK | os.O_NOFOLLOW
            fd = os.open(path, flags, 0o644)
            try:
                os.write(fd, payload)
            finally:
                os.close(fd)
            if operation == "stage":
                git(repo, "add", "-f", "--", os.fsdecode(name))
        elif operation == "delete":
            os.unlink(path)
        elif operation in ("chmod-x", "chmod-0") and not os.path.islink(path):
            os.chmod(path, 0o755 if operation == "chmod-x" else 0)
        elif operation == "symlink":
            os.makedirs(os.path.dirname(path), exist_ok=True)
            os.symlink(payload.replace(b"\x00", b"") or b"x", path)
        elif operation == "mkdir":
            os.makedirs(path, exist_ok=True)
        elif operation == "fifo":
            os.mkfifo(path)
        elif operation == "replace-with-dir":
            os.unlink(path)
            os.makedirs(os.path.join(path, b"inside"), exist_ok=True)
    except (OSError, ValueError, subprocess.CalledProcessError):
        return  # the name is impossible here, or git refuses to stage it


def _restore_modes(repo: Path) -> None:
    """Make every folder deletable again (a change may have made one unreadable)."""
    for folder, _, _ in os.walk(repo):
        os.chmod(folder, stat.S_IRWXU)


def _changed_repository(workspace: Workspace) -> Callable[[list[tuple[str, bytes, bytes]]], None]:
    def check(changes: list[tuple[str, bytes, bytes]]) -> None:
        repo = workspace.fresh_copy()
        try:
            for operation, name, payload in changes:
                apply_change(repo, operation, name, payload)
            collected = collect_changes(str(repo), "base")
            assert isinstance(collected, Success | Failure)
            check_argv = ["policy", "check", "--repo", str(repo), "--base", "base"]
            answer = run_cli([*check_argv, "--config", str(workspace.config), "--json"])
            assert_answers(answer, CHECK_CODES)
        finally:
            _restore_modes(repo)
            shutil.rmtree(repo)

    return check


def _gate_argv(workspace: Workspace) -> Callable[[list[str]], None]:
    def check(argv: list[str]) -> None:
        answer = run_cli(["gate", "prepare", "--repo", str(workspace.project), "--", *argv])
        assert_answers(answer, PREPARE_CODES)

    return check


def _gate_batch(workspace: Workspace) -> Callable[[bytes], None]:
    def check(data: bytes) -> None:
        answer = run_cli(
            ["gate", "prepare", "--repo", str(workspace.project), "--batch", "-"], stdin=data
        )
        assert_answers(answer, PREPARE_CODES, per_line=True)

    return check


def _config_library(text: str) -> None:
    parsed = parse_config(text)
    assert isinstance(parsed, Success | Failure)
    if isinstance(parsed, Failure):
        assert parsed.failure().code.startswith("config-")


def _config_cli(workspace: Workspace) -> Callable[[bytes], None]:
    def check(data: bytes) -> None:
        config = workspace.scratch_file(data)
        try:
            plan = ["budget", "plan", "--config", str(config), "--json", "--now", NOW]
            assert_answers(run_cli(plan), BUDGET_CODES)
            policy = ["policy", "check", "--repo", str(workspace.project), "--base", "HEAD"]
            assert_answers(run_cli([*policy, "--config", str(config), "--json"]), CHECK_CODES)
        finally:
            config.unlink()

    return check


def _check_files(workspace: Workspace) -> Callable[[tuple[str, bytes]], None]:
    def check(case: tuple[str, bytes]) -> None:
        suffix, content = case
        path = workspace.scratch_file(content, suffix)
        try:
            assert_answers(run_cli(["gate", "check-files", str(path)]), CHECK_FILES_CODES)
        finally:
            path.unlink()

    return check


def all_targets(workspace: Workspace) -> list[Target]:
    """Every target, with the share of the test suite's time each gets."""
    harnesses: list[HarnessName] = ["pi", "claude", "codex"]
    long_cases = st.tuples(
        inputs.harness_names(),
        st.one_of(*(inputs.transcripts(h) for h in harnesses)),
        st.integers(min_value=4, max_value=64),
    )
    deep_toml = "a = " + "[" * 1000 + "]" * 1000 + "\n"
    return [
        *(
            Target(
                f"harness-{h}",
                inputs.transcripts(h),
                _harness_cli(h),
                suite_examples=150,
                # The transcript: RecursionError inside the decoder, exit 70.
                pinned=(b'{"type":"message_end","message":' + b"[" * 5000 + b"\n",),
            )
            for h in harnesses
        ),
        Target(
            "harness-long-lines",
            long_cases,
            _long_lines,
            suite_examples=150,
            # A key that is no UTF-8 in the head of a long line: UnicodeDecodeError.
            pinned=(("pi", b'{"a\xff":1,"b":[1,2,' + b"3" * 200 + b"]}", 8),),
        ),
        Target("json-depth", inputs.json_values("pi"), _depth_measure, suite_examples=300),
        Target(
            "gate-argv",
            inputs.gate_argvs(),
            _gate_argv(workspace),
            suite_examples=200,
            pinned=(["pytest", "\udcff"],),  # argv bytes that are no UTF-8: UnicodeEncodeError
        ),
        Target(
            "gate-batch",
            inputs.batch_inputs(),
            _gate_batch(workspace),
            suite_examples=200,
            pinned=(b'["py\xfftest"]\n',),  # invalid UTF-8 in a string: UnicodeDecodeError
        ),
        Target(
            "config-parse",
            inputs.config_texts(),
            _config_library,
            suite_examples=300,
            pinned=(deep_toml,),  # tomli's RecursionError
        ),
        Target(
            "config-cli",
            inputs.config_bytes(),
            _config_cli(workspace),
            suite_examples=100,
            pinned=(deep_toml.encode(),),
        ),
        Target(
            "check-files",
            inputs.checked_files(),
            _check_files(workspace),
            suite_examples=150,
            pinned=((".toml", deep_toml.encode()),),  # tomli's RecursionError
        ),
        Target(
            "change-collection",
            repo_changes(),
            _changed_repository(workspace),
            suite_examples=30,
        ),
        *loop_targets.loop_targets(workspace.records),
    ]


def new_workspace() -> Workspace:
    """A workspace in a new temporary folder (the caller removes it)."""
    return Workspace(Path(tempfile.mkdtemp(prefix="engineering-loop-fuzz-")))

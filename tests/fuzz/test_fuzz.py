"""The fuzz suite: every entry point reading untrusted bytes keeps its promise on generated input.

Each target (`tests.fuzz.targets`) runs a bounded number of inputs here, derandomised on CI (the
`ci` profile in `tests/conftest.py`), its pinned regressions first, then every crashing input the
longer fuzz run (`benchmarks/fuzz.py`) ever kept in `tests/fuzz/crashes/`.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, example, given, settings

from tests.fuzz.common import Target
from tests.fuzz.targets import (
    OPERATIONS,
    Workspace,
    all_targets,
    apply_change,
    new_workspace,
)

CRASHES = Path(__file__).parent / "crashes"
TARGET_NAMES = [
    "harness-pi",
    "harness-claude",
    "harness-codex",
    "harness-long-lines",
    "json-depth",
    "gate-argv",
    "gate-batch",
    "config-parse",
    "config-cli",
    "check-files",
    "change-collection",
    "github-payloads",
    "issue-bodies",
    "run-records",
]


@pytest.fixture(scope="module")
def workspace() -> Iterator[Workspace]:
    made = new_workspace()
    yield made
    shutil.rmtree(made.root, ignore_errors=True)


def _target(workspace: Workspace, name: str) -> Target:
    return next(target for target in all_targets(workspace) if target.name == name)


def test_every_target_is_in_the_suite(workspace: Workspace) -> None:
    assert [target.name for target in all_targets(workspace)] == TARGET_NAMES


@pytest.mark.parametrize("name", TARGET_NAMES)
def test_untrusted_input_never_crashes_the_entry_point(workspace: Workspace, name: str) -> None:
    target = _target(workspace, name)

    def run(value: object) -> None:
        target.check(value)

    for pinned in target.pinned:
        run = example(pinned)(run)
    # Big generated inputs are the point here, and slow to draw: not a health problem.
    slow = [HealthCheck.too_slow, HealthCheck.data_too_large]
    settings(max_examples=target.suite_examples, suppress_health_check=slow)(
        given(target.strategy)(run)
    )()


@pytest.mark.parametrize("name", TARGET_NAMES)
def test_kept_crashing_inputs_no_longer_crash(workspace: Workspace, name: str) -> None:
    target = _target(workspace, name)
    for kept in sorted((CRASHES / name).glob("*.msgpack")):
        target.check(msgspec.msgpack.decode(kept.read_bytes()))


def test_repository_changes_never_reach_through_a_symlink_out_of_it(tmp_path: Path) -> None:
    # The fuzz suite may run as root: a change made through a symlink could overwrite any file.
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim"
    victim.write_bytes(b"keep")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "file-link").symlink_to(victim)
    (repo / "dir-link").symlink_to(outside)
    (repo / "root-link").symlink_to("/")
    for operation in OPERATIONS:
        for name in (b"file-link", b"dir-link/victim", b"dir-link/new", b"root-link/tmp/x"):
            apply_change(repo, operation, name, b"overwritten")
    assert victim.read_bytes() == b"keep"
    assert os.listdir(outside) == ["victim"]
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644
    assert not Path("/tmp/x").exists()

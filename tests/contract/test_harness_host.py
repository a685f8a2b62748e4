"""The same behaviours of `HarnessHost` hold for the in-memory fake and the real OS adapter."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.os_harness_host import OsHarnessHost
from ports.harness import HarnessHost
from tests.support.harness_fakes import FakeHarnessHost


@dataclass
class World:
    """A host holding: an executable `tool` in `bin_dir`, a 5-byte `prompt`, a `repo` dir."""

    host: HarnessHost
    bin_dir: str
    tool_path: str
    prompt: str
    repo: str
    out_dir: str


def _real(tmp_path: Path) -> World:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "tool"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    prompt = tmp_path / "prompt.md"
    prompt.write_text("hello")
    (tmp_path / "repo").mkdir()
    return World(
        host=OsHarnessHost(),
        bin_dir=str(bin_dir),
        tool_path=str(tool),
        prompt=str(prompt),
        repo=str(tmp_path / "repo"),
        out_dir=str(tmp_path / "out"),
    )


def _fake(tmp_path: Path) -> World:
    tool = os.path.join(str(tmp_path), "bin", "tool")
    prompt = os.path.join(str(tmp_path), "prompt.md")
    repo = os.path.join(str(tmp_path), "repo")
    host = FakeHarnessHost(executables={"tool": tool}, files={prompt: 5}, directories={repo})
    return World(
        host=host,
        bin_dir=os.path.dirname(tool),
        tool_path=tool,
        prompt=prompt,
        repo=repo,
        out_dir=os.path.join(str(tmp_path), "out"),
    )


@pytest.fixture(params=["fake", "real"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> World:
    return (_fake if request.param == "fake" else _real)(tmp_path)


def test_name_is_found_on_the_search_path(world: World) -> None:
    assert world.host.locate("tool", world.bin_dir) == world.tool_path


def test_name_is_not_found_without_a_search_path(world: World) -> None:
    assert world.host.locate("tool", None) is None


def test_absolute_path_is_found_without_a_search_path(world: World) -> None:
    assert world.host.locate(world.tool_path, None) == world.tool_path


def test_missing_binary_is_none(world: World) -> None:
    assert world.host.locate("no-such-tool", world.bin_dir) is None
    assert world.host.locate(world.tool_path + "-gone", world.bin_dir) is None


def test_file_size_of_a_file_and_of_nothing(world: World) -> None:
    assert world.host.file_size(world.prompt) == 5
    assert world.host.file_size(world.prompt + ".missing") is None
    assert world.host.file_size(world.repo) is None


def test_directory_is_recognised(world: World) -> None:
    assert world.host.is_directory(world.repo)
    assert not world.host.is_directory(world.prompt)


def test_new_transcripts_are_empty_distinct_files_in_the_directory(world: World) -> None:
    first = world.host.new_transcript(world.out_dir, "pi").unwrap()
    second = world.host.new_transcript(world.out_dir, "pi").unwrap()
    assert first != second
    assert os.path.dirname(first) == world.out_dir
    assert world.host.file_size(first) == 0
    assert world.host.is_directory(world.out_dir)


def test_unwritable_transcript_directory_is_an_error_value(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    error = OsHarnessHost().new_transcript(str(blocker / "sub"), "pi").failure()
    assert error.code == "transcript-unwritable"

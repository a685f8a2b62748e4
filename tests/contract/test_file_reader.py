"""The fake and the file-system `FileReader` pass the same suite."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.fs_files import FsFileReader
from ports.files import FileReader
from tests.fakes.files import FakeFileReader

# (reader, write(path, data), make_unreadable(path), base path)
Setup = tuple[FileReader, Callable[[str, bytes], None], Callable[[str], None], str]


@pytest.fixture(params=["fake", "fs"])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Setup:
    if request.param == "fake":
        fake = FakeFileReader({})

        def write_fake(path: str, data: bytes) -> None:
            fake.files[path] = data

        def break_fake(path: str) -> None:
            fake.unreadable = fake.unreadable | {path}

        return fake, write_fake, break_fake, "/fake"

    def write_fs(path: str, data: bytes) -> None:
        Path(path).write_bytes(data)

    def break_fs(path: str) -> None:
        Path(path).mkdir()  # a directory where a file is expected cannot be read as one

    return FsFileReader(), write_fs, break_fs, str(tmp_path)


def test_reads_the_whole_file(setup: Setup) -> None:
    reader, write, _, base = setup
    write(f"{base}/a.txt", b"hello")
    assert reader.read(f"{base}/a.txt").unwrap() == b"hello"


def test_a_limit_reads_only_the_head(setup: Setup) -> None:
    reader, write, _, base = setup
    write(f"{base}/a.txt", b"hello")
    assert reader.read(f"{base}/a.txt", limit=2).unwrap() == b"he"


def test_a_missing_file_is_none_not_an_error(setup: Setup) -> None:
    reader, _, _, base = setup
    assert reader.read(f"{base}/gone.txt").unwrap() is None


def test_an_unreadable_path_is_file_unreadable(setup: Setup) -> None:
    reader, _, make_unreadable, base = setup
    make_unreadable(f"{base}/weird")
    assert reader.read(f"{base}/weird").failure().code == "file-unreadable"


def test_a_dangling_symlink_is_unreadable_not_deleted(tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to("nowhere")
    assert FsFileReader().read(str(tmp_path / "link")).failure().code == "file-unreadable"

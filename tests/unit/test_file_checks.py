"""The `check-files` decisions over bytes: one test per file kind and failure."""

from __future__ import annotations

import pytest

from domain.changes.content import MAX_CHECKED_FILE_BYTES
from domain.gates.file_checks import all_passed, check_file_bytes, skipped_missing
from entrypoints.api.gates.run import check_files
from tests.fakes.files import FakeFileReader


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("a.py", b"def f() -> int:\n    return 1\n"),
        ("a.pyi", b"def f() -> int: ...\n"),
        ("a.py", b"# -*- coding: latin-1 -*-\ns = '\xe9'\n"),
        ("a.py", b"s = '\\d'\n"),
        ("pyproject.toml", b'[project]\nname = "x"\n'),
        ("data.json", b'{"a": [1, 2]}'),
        ("README.md", "caf\u00e9\n".encode()),
        ("empty.txt", b""),
    ],
)
def test_well_formed_files_pass(path: str, data: bytes) -> None:
    assert check_file_bytes(path, data).status == "ok"


@pytest.mark.parametrize(
    ("path", "data", "code"),
    [
        ("a.py", b"def f(:\n", "python-syntax-error"),
        ("a.py", b"x = 1\x00\n", "python-syntax-error"),
        ("a.py", b"x = '\xff'\n", "python-syntax-error"),
        ("a.py", b"x = " + b"(" * 5000 + b")" * 5000 + b"\n", "python-syntax-error"),
        ("a.toml", b"[broken\n", "toml-invalid"),
        ("a.toml", b"a = '\xff'\n", "text-not-utf8"),
        ("a.json", b"{'a': 1}", "json-invalid"),
        ("a.json", b"NaN", "json-invalid"),
        ("a.json", b"[" * 100_000, "json-invalid"),
        ("notes.txt", b"\xff\xfe", "text-not-utf8"),
        ("notes.txt", b"a\x00b", "text-has-nul"),
    ],
)
def test_malformed_files_fail_with_a_stable_code(path: str, data: bytes, code: str) -> None:
    check = check_file_bytes(path, data)
    assert (check.status, check.code) == ("failed", code)
    assert check.message is not None
    assert path in check.message


def test_syntax_errors_name_the_line() -> None:
    check = check_file_bytes("pkg/a.py", b"x = 1\ny = (\n")
    assert check.message is not None
    assert "line 2" in check.message


def test_kind_is_decided_by_suffix_case_insensitively() -> None:
    assert check_file_bytes("CONFIG.TOML", b"[x\n").code == "toml-invalid"


def test_deleted_files_are_skipped_and_do_not_fail_the_gate() -> None:
    assert all_passed((skipped_missing("gone.py"), check_file_bytes("a.py", b"x = 1\n")))
    assert not all_passed((check_file_bytes("a.py", b"(\n"),))


def test_content_over_the_check_limit_is_file_too_large() -> None:
    check = check_file_bytes("notes.txt", b"a" * (MAX_CHECKED_FILE_BYTES + 1))
    assert (check.status, check.code) == ("failed", "file-too-large")


def test_check_files_reads_one_byte_past_the_limit_and_lets_the_domain_decide() -> None:
    files = FakeFileReader({"/r/big.txt": b"a" * (MAX_CHECKED_FILE_BYTES + 5)})
    report = check_files(["big.txt"], root="/r", files=files).failure()
    assert [(c.status, c.code) for c in report.files] == [("failed", "file-too-large")]


def test_check_files_is_a_success_only_when_every_file_passed() -> None:
    files = FakeFileReader({"/r/a.py": b"x = 1\n", "/r/b.json": b"{}"})
    passed = check_files(["a.py", "b.json", "gone.txt"], root="/r", files=files).unwrap()
    assert passed.ok
    assert [c.status for c in passed.files] == ["ok", "ok", "skipped"]
    failed = check_files(
        ["a.py", "b.json"], root="/r", files=FakeFileReader({"/r/a.py": b"(\n", "/r/b.json": b"{}"})
    ).failure()
    assert not failed.ok
    assert [c.status for c in failed.files] == ["failed", "ok"]

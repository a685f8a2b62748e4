"""Path patterns (prefixes and globs) and path safety."""

from __future__ import annotations

import pytest

from domain.changes.change_set import LinkResolution
from domain.policy.paths import matches, symlink_escape_reason, unsafe_reason


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("docs/a.md", "docs/", True),
        ("docsx/a.md", "docs/", False),
        ("pyproject.toml", "pyproject.toml", True),
        ("sub/pyproject.toml", "pyproject.toml", False),
        ("conftest.py", "**/conftest.py", True),
        ("a/b/conftest.py", "**/conftest.py", True),
        (".github/workflows/ci.yml", ".github/workflows/**", True),
        (".github/dependabot.yml", ".github/workflows/**", False),
        ("a/.env", "**/.env*", True),
        ("a/.envrc", "**/.env*", True),
        ("a/.env/prod", "**/.env*", True),
        ("src", "src/", False),
        ("src/key.pem", "*.pem", False),
        ("src/v1.py", "src/v?.py", True),
        ("src/v1.py", "src/v[0-9].py", True),
        ("src/va.py", "src/v[!0-9].py", True),
        ("src/a.b", "src/a.b", True),
        ("src/aXb", "src/a.b", False),
    ],
)
def test_pattern_matching(path: str, pattern: str, expected: bool) -> None:
    assert matches(path, pattern) is expected


def test_case_insensitive_matching_applies_to_prefixes_and_globs() -> None:
    assert matches("DOCS/a", "docs/", ignore_case=True)
    assert matches(".GITHUB/WORKFLOWS/x", ".github/workflows/**", ignore_case=True)
    assert not matches("DOCS/a", "docs/")


@pytest.mark.parametrize(
    "path",
    ["/abs", "C:/x", "\\\\server\\share", "a/../b", "..", "a\x00", ".git/config", "x/.Git/y"],
)
def test_unsafe_paths(path: str) -> None:
    assert unsafe_reason(path) is not None


@pytest.mark.parametrize("path", ["a.py", "a/b/c.txt", ".github/x", "a..b/c", ".gitignore"])
def test_safe_paths(path: str) -> None:
    assert unsafe_reason(path) is None


@pytest.mark.parametrize(
    "char", ["\n", "\r", "\t", "\x1b", "\x01", "\x1f", "\x7f", "\x80", "\x85", "\x9b", "\x9f"]
)
def test_control_characters_make_a_path_unsafe(char: str) -> None:
    assert unsafe_reason(f"docs/a{char}b.md") == (
        f"contains a control character (U+{ord(char):04X})"
    )


@pytest.mark.parametrize("char", [" ", "~", "\xa0", "\xe9", "\u2028"])
def test_printable_and_non_control_characters_keep_a_path_safe(char: str) -> None:
    # U+2028 is no control character; the summary escapes it all the same.
    assert unsafe_reason(f"docs/a{char}b.md") is None


@pytest.mark.parametrize(
    ("path", "target", "escapes"),
    [
        ("a", "b", False),
        ("a/b/c", "../../x", False),
        ("a/b/c", "../../../x", True),
        ("a", "./../x", True),
        ("a/l", "b/../../..", True),
        ("a", "/etc/passwd", True),
        ("l", ".git/config", True),
    ],
)
def test_symlink_text_alone_can_escape(path: str, target: str, escapes: bool) -> None:
    inside = LinkResolution(path="x")
    assert (symlink_escape_reason(path, target, inside) is not None) is escapes


@pytest.mark.parametrize(
    ("resolution", "escapes"),
    [
        (LinkResolution(path="src/x.py"), False),
        (LinkResolution(path="src/missing.py", state="dangling"), False),
        (LinkResolution(path="."), False),
        (LinkResolution(path=".."), True),
        (LinkResolution(path="..", state="dangling"), True),
        (LinkResolution(path="src/one", state="loop"), True),
        (LinkResolution(path="src/x.py", state="unsettled"), True),
        (LinkResolution(path="..", state="unsettled"), True),
        (LinkResolution(path="sub/.GIT/config"), True),
        (None, True),
    ],
)
def test_where_a_symlink_leads_decides_whatever_its_text_says(
    resolution: LinkResolution | None, escapes: bool
) -> None:
    reason = symlink_escape_reason("src/esc", "a/up/x", resolution)
    assert (reason is not None) is escapes

"""Built-in secret patterns: each kind is found, placeholders and ordinary text are not."""

from __future__ import annotations

import pytest

from domain.changes import AddedHunk
from domain.secrets import compile_scanner, scan_hunk

SCANNER = compile_scanner()


def kinds(text: str) -> list[str]:
    return [f.kind for f in scan_hunk(SCANNER, "f.py", AddedHunk(start=1, text=text))]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ghp_" + "a1B2" * 9, "GitHub personal access token (ghp_)"),
        ("github_pat_" + "11ABCDEFG0" * 4, "GitHub fine-grained token (github_pat_)"),
        ("gho_" + "Z9y8" * 9, "GitHub OAuth token (gho_)"),
        ("ghs_" + "Q1w2" * 9, "GitHub app token (ghu_/ghs_/ghr_)"),
        ("AKIAIOSFODNN7EXAMPLE", "AWS access key id"),
        ("-----BEGIN RSA PRIVATE KEY-----", "private key block"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", "private key block"),
        ("-----BEGIN PRIVATE KEY-----", "private key block"),
        ("xoxb-123456789012-abcdefABCDEF", "Slack token"),
        ("https://hooks.slack.com/services/T000/B000/XXXXabcd", "Slack webhook URL"),
        ('api_key = "q8Zr2LmX9vT4kWp7NsY3bC6d"', "generic credential assignment"),
        ("CLIENT_SECRET: 'f3A9kL2mQ8zX7vB1nR5tW0yE'", "generic credential assignment"),
    ],
)
def test_builtin_pattern_is_detected(text: str, kind: str) -> None:
    assert kinds(f"x = 1\nvalue = {text}\n") == [kind]


@pytest.mark.parametrize(
    "text",
    [
        'api_key = "your-api-key-goes-here-please"',
        'password = "aaaaaaaaaaaaaaaaaaaaaaaa1"',
        "ghp_short",
        "the public key is -----BEGIN PUBLIC KEY-----",
        "def get_api_key(): return os.environ['API_KEY']",
    ],
)
def test_placeholders_and_ordinary_text_are_not_secrets(text: str) -> None:
    assert kinds(text) == []


def test_each_finding_has_its_own_line_number() -> None:
    token = "ghp_" + "a1B2" * 9
    hunk = AddedHunk(start=40, text=f"{token}\nok\nok\nAKIAIOSFODNN7EXAMPLE\n{token}")
    assert [f.line for f in scan_hunk(SCANNER, "f", hunk)] == [40, 43, 44]


def test_configured_pattern_with_its_own_flags_and_groups_works() -> None:
    scanner = compile_scanner(["(?i)corp-(?P<id>[0-9]{4})"])
    hunk = AddedHunk(start=1, text="CORP-1234")
    assert [f.kind for f in scan_hunk(scanner, "f", hunk)] == ["configured pattern #1"]

"""Built-in secret patterns: each kind is found, placeholders and ordinary text are not."""

from __future__ import annotations

import pytest

from domain.changes.change_set import AddedHunk
from domain.policy.secrets import (
    KnownSecret,
    compile_scanner,
    known_secret_values,
    redact,
    scan_hunk,
    secret_kinds,
)

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
        ("sk-ant-api03-" + "Ab3_dE5-gH7k" * 8 + "AA", "Anthropic API key (sk-ant-)"),
        ("sk-ant-admin01-" + "Zx9_Wv8-Ut7s" * 8, "Anthropic API key (sk-ant-)"),
        ("sk-proj-" + "Ab3dE5gH7jK9-_mN" * 10, "OpenAI API key"),
        (
            "sk-svcacct-" + "Ab3dE5gH7jK9-_mN" * 10,
            "OpenAI API key",
        ),
        (
            "sk-" + "Ab3dE5gH7jK9mN1pQ3sT" + "T3BlbkFJ" + "uV5wX7yZ9aB1cD3eF5gH",
            "OpenAI API key",
        ),
        ("AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "Google API key (AIza)"),
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
        "sk-abc",
        "risk-assessment-of-the-whole-platform-and-more",
        "task-1234567890abcdefghijklmnopqrstuvwxyz",
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


def test_a_known_value_is_found_and_named_by_its_variable_only() -> None:
    value = "pl41n-Value-without-any-shape"
    scanner = compile_scanner(known_values=[KnownSecret(name="MY_KEY", value=value)])
    findings = list(scan_hunk(scanner, "f", AddedHunk(start=3, text=f"x\nkey: {value}\n")))
    assert [(f.line, f.kind) for f in findings] == [(4, "the value of $MY_KEY")]
    assert value not in repr(findings)


def test_known_values_are_named_or_credential_like_variables_of_8_chars_or_more() -> None:
    environ = {
        "NAMED": "long-enough-1",
        "GITHUB_TOKEN": "gh-value-12",
        "SHORT_TOKEN": "1234567",
        "LANG": "C.UTF-8-long-value",
        "EMPTY_NAMED": "",
    }
    found = known_secret_values(environ, ["NAMED", "EMPTY_NAMED", "ABSENT"])
    assert [(k.name, k.value) for k in found] == [
        ("NAMED", "long-enough-1"),
        ("GITHUB_TOKEN", "gh-value-12"),
    ]


def test_redact_masks_each_secret_and_keeps_the_rest() -> None:
    token = "ghp_" + "a1B2" * 9
    assert redact(SCANNER, f"docs/{token}/x-{token}.md") == "docs/<redacted>/x-<redacted>.md"
    assert redact(SCANNER, "docs/plain.md") == "docs/plain.md"


def test_redact_masks_overlapping_matches_once() -> None:
    value = "ghp_" + "a1B2" * 9
    scanner = compile_scanner(known_values=[KnownSecret(name="K", value=value[:20])])
    assert redact(scanner, f"a {value} b") == "a <redacted> b"


def test_secret_kinds_names_each_kind_once_and_never_the_value() -> None:
    token = "AKIAIOSFODNN7EXAMPLE"
    assert secret_kinds(SCANNER, f"{token}/{token}") == ("AWS access key id",)
    assert secret_kinds(SCANNER, "docs/readme.md") == ()

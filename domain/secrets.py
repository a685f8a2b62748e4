"""Secret detection in added text: built-in patterns plus configured ones, never echoing a match.

All patterns are compiled into one alternation with a named group per pattern and run over whole
hunks (not line by line), which keeps the scan in the regex engine; a match's line number is
found by counting newlines before it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence

import msgspec

from domain.changes import AddedHunk

# (name, regular expression); names describe the kind of secret, never its value.
BUILTIN_SECRET_PATTERNS: tuple[tuple[str, str], ...] = (
    ("GitHub personal access token (ghp_)", r"\bghp_[A-Za-z0-9]{36}\b"),
    ("GitHub fine-grained token (github_pat_)", r"\bgithub_pat_[A-Za-z0-9_]{22,255}"),
    ("GitHub OAuth token (gho_)", r"\bgho_[A-Za-z0-9]{36}\b"),
    ("GitHub app token (ghu_/ghs_/ghr_)", r"\bgh[usr]_[A-Za-z0-9]{36}\b"),
    ("AWS access key id", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
    ("private key block", r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"),
    ("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    ("Slack webhook URL", r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/[A-Za-z0-9_/]+"),
)

# `api_key = "..."` and friends; the value must look random (checked by `_looks_random`).
_GENERIC_NAME = "generic credential assignment"
_GENERIC = (
    r"(?i:(?:api|access|auth|secret|private|client)[_-]?(?:key|token|secret)|password|passwd)"
    r"[\"']?\s*[:=]\s*[\"'](?P<generic_value>[A-Za-z0-9+/_\-=.]{20,})[\"']"
)


class SecretFinding(msgspec.Struct, frozen=True, kw_only=True):
    """A secret-looking string: which file, which line, which kind (never the value)."""

    path: str
    line: int
    kind: str


class SecretScanner(msgspec.Struct, frozen=True, kw_only=True):
    """The compiled patterns; build it once with `compile_scanner`."""

    regex: re.Pattern[str]
    names: tuple[str, ...]


class PatternError(msgspec.Struct, frozen=True, kw_only=True, tag="pattern-error"):
    """A configured secret pattern is not a valid regular expression."""

    code: str
    message: str


def check_patterns(patterns: Sequence[str]) -> PatternError | None:
    """Return an error naming the first configured pattern that does not compile, else None.

    >>> check_patterns(["token-[0-9]+"]) is None, check_patterns(["("]).code
    (True, 'config-invalid')
    """
    for index, pattern in enumerate(patterns):
        try:
            compiled = re.compile(_embeddable(pattern))
            re.compile(f"(?P<p0>x)|(?P<p1>{_embeddable(pattern)})")
        except re.error as exc:
            return PatternError(
                code="config-invalid",
                message=f"policy.secret_patterns[{index}] is not a valid regular expression "
                f"here ({exc}); fix or remove it (numbered back-references are not supported).",
            )
        if compiled.fullmatch(""):
            return PatternError(
                code="config-invalid",
                message=f"policy.secret_patterns[{index}] matches the empty string, so it would "
                "flag every line; make it more specific.",
            )
    return None


_LEADING_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")


def _embeddable(pattern: str) -> str:
    """Turn named groups into plain ones and leading global flags into scoped ones."""
    plain = re.sub(r"\(\?P<[A-Za-z_][A-Za-z0-9_]*>", "(?:", pattern)
    flags = _LEADING_FLAGS.match(plain)
    if flags:
        return f"(?{flags.group(1)}:{plain[flags.end() :]})"
    return plain


def compile_scanner(extra_patterns: Sequence[str] = ()) -> SecretScanner:
    """Compile the built-in patterns and `extra_patterns` (already checked) into one scanner.

    >>> compile_scanner(["x{3}"]).names[-1]
    'configured pattern #1'
    """
    names = [name for name, _ in BUILTIN_SECRET_PATTERNS] + [_GENERIC_NAME]
    parts = [f"(?P<p{i}>{regex})" for i, (_, regex) in enumerate(BUILTIN_SECRET_PATTERNS)]
    parts.append(f"(?P<p{len(parts)}>{_GENERIC})")
    for index, pattern in enumerate(extra_patterns, start=1):
        # Each configured pattern becomes one named group of the alternation.
        parts.append(f"(?P<p{len(parts)}>{_embeddable(pattern)})")
        names.append(f"configured pattern #{index}")
    return SecretScanner(regex=re.compile("|".join(parts)), names=tuple(names))


def _looks_random(value: str) -> bool:
    """A long value with letters and digits and high entropy, not a placeholder or a word."""
    if not (re.search(r"[A-Za-z]", value) and re.search(r"[0-9]", value)):
        return False
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy >= 3.5


def scan_hunk(scanner: SecretScanner, path: str, hunk: AddedHunk) -> Iterator[SecretFinding]:
    """Yield one finding per secret-looking match in the added lines of `hunk`.

    >>> scanner = compile_scanner()
    >>> hunk = AddedHunk(start=7, text="x = 1\\ntoken = 'ghp_" + "a1" * 18 + "'")
    >>> [(f.line, f.kind) for f in scan_hunk(scanner, "a.py", hunk)]
    [(8, 'GitHub personal access token (ghp_)')]
    """
    newlines_before = 0
    last = 0
    for match in scanner.regex.finditer(hunk.text):
        group = match.lastgroup
        if group is None:
            continue
        index = int(group[1:])
        if scanner.names[index] == _GENERIC_NAME and not _looks_random(
            match.group("generic_value")
        ):
            continue
        newlines_before += hunk.text.count("\n", last, match.start())
        last = match.start()
        yield SecretFinding(path=path, line=hunk.start + newlines_before, kind=scanner.names[index])

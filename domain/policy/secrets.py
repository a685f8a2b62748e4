"""Secret detection in added text: built-in patterns plus configured ones, never echoing a match.

Each pattern runs over whole hunks (not line by line) and starts with a literal where it can, so
the regex engine skips ahead at C speed; word boundaries are checked on the match afterwards
(a leading `\\b` would disable that skip). A match's line number is found by counting newlines.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence

import msgspec

from domain.changes.change_set import AddedHunk
from domain.kernel.environment import looks_like_credential

# (name, regular expression); names describe the kind of secret, never its value.
BUILTIN_SECRET_PATTERNS: tuple[tuple[str, str], ...] = (
    ("GitHub personal access token (ghp_)", r"ghp_[A-Za-z0-9]{36}"),
    ("GitHub fine-grained token (github_pat_)", r"github_pat_[A-Za-z0-9_]{22,255}"),
    ("GitHub OAuth token (gho_)", r"gho_[A-Za-z0-9]{36}"),
    ("GitHub app token (ghu_/ghs_/ghr_)", r"gh[usr]_[A-Za-z0-9]{36}"),
    ("AWS access key id", r"A(?:KIA|SIA|BIA|CCA)[0-9A-Z]{16}"),
    ("private key block", r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"),
    ("Slack token", r"xox[abposr]-[A-Za-z0-9-]{10,}"),
    ("Slack webhook URL", r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/[A-Za-z0-9_/]+"),
    # The harness keys: Anthropic (`sk-ant-api03-...`, `sk-ant-admin01-...`, ~100 characters),
    # OpenAI (`sk-proj-`, `sk-svcacct-`, `sk-admin-` keys of 100+ characters, and the older
    # `sk-` + 48 letters and digits), Google (`AIza` + 35).
    ("Anthropic API key (sk-ant-)", r"sk-ant-[a-z]+[0-9]*-[A-Za-z0-9_-]{40,}"),
    ("OpenAI API key", r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}"),
    ("OpenAI API key", r"sk-[A-Za-z0-9]{40,}"),
    ("Google API key (AIza)", r"AIza[0-9A-Za-z_-]{35}"),
)

# What a secret-looking part of a path, symlink target or detail is shown as.
REDACTED = "<redacted>"

# A known value shorter than this (a user name, a region) would flag ordinary text.
MIN_KNOWN_VALUE_LENGTH = 8

# `api_key = "..."` and friends: a long quoted token is found first (rare, so fast), then the
# text just before it must be a credential-like name and `=`/`:`, and the value must look random.
_GENERIC_NAME = "generic credential assignment"
_QUOTED_TOKEN = r"[\"'][A-Za-z0-9+/_\-=.]{20,}[\"']"
_GENERIC_KEY = re.compile(
    r"(?i:(?:api|access|auth|secret|private|client)[_-]?(?:key|token|secret)|password|passwd)"
    r"[\"']?\s*[:=]\s*$"
)
_WORD = re.compile(r"[A-Za-z0-9_]")


class SecretFinding(msgspec.Struct, frozen=True, kw_only=True):
    """A secret-looking string: which file, which line, which kind (never the value)."""

    path: str
    line: int
    kind: str


class KnownSecret(msgspec.Struct, frozen=True, kw_only=True):
    """The value of an environment variable that must never appear in a change; never shown."""

    name: str
    value: str

    def __repr__(self) -> str:
        return f"KnownSecret(name={self.name!r}, value=<hidden>)"


def known_secret_values(
    environ: Mapping[str, str], named: Iterable[str] = ()
) -> tuple[KnownSecret, ...]:
    """The values to look for: variables `named` (e.g. `[harness] env_allow`), then every
    credential-looking variable of `environ`; values under 8 characters are skipped.

    >>> [k.name for k in known_secret_values({"A_TOKEN": "x" * 9, "B": "y" * 9}, ["B"])]
    ['B', 'A_TOKEN']
    """
    names = [*named, *(name for name in sorted(environ) if looks_like_credential(name))]
    found: dict[str, KnownSecret] = {}
    for name in dict.fromkeys(names):
        value = environ.get(name, "")
        if len(value) >= MIN_KNOWN_VALUE_LENGTH and value not in found:
            found[value] = KnownSecret(name=name, value=value)
    return tuple(found.values())


class Detector(msgspec.Struct, frozen=True, kw_only=True):
    """One compiled pattern; `bounded` ones must not touch a word character on either side."""

    name: str
    regex: re.Pattern[str]
    bounded: bool = False
    generic: bool = False


class SecretScanner(msgspec.Struct, frozen=True, kw_only=True):
    """The compiled detectors; build it once with `compile_scanner`."""

    detectors: tuple[Detector, ...]


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


def compile_scanner(
    extra_patterns: Sequence[str] = (), known_values: Sequence[KnownSecret] = ()
) -> SecretScanner:
    """Compile the built-in patterns, `extra_patterns` (already checked) and the literal
    `known_values` (named by their variable, never by value) into one scanner.

    >>> compile_scanner(["x{3}"]).detectors[-1].name
    'configured pattern #1'
    """
    detectors = [
        Detector(name=name, regex=re.compile(regex), bounded=True)
        for name, regex in BUILTIN_SECRET_PATTERNS
    ]
    detectors.append(Detector(name=_GENERIC_NAME, regex=re.compile(_QUOTED_TOKEN), generic=True))
    detectors += [
        Detector(name=f"configured pattern #{index}", regex=re.compile(_embeddable(pattern)))
        for index, pattern in enumerate(extra_patterns, start=1)
    ]
    detectors += [
        Detector(name=f"the value of ${known.name}", regex=re.compile(re.escape(known.value)))
        for known in known_values
    ]
    return SecretScanner(detectors=tuple(detectors))


def _looks_random(value: str) -> bool:
    """A long value with letters and digits and high entropy, not a placeholder or a word."""
    if not (re.search(r"[A-Za-z]", value) and re.search(r"[0-9]", value)):
        return False
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy >= 3.5


def _accepted(detector: Detector, text: str, match: re.Match[str]) -> bool:
    start, end = match.span()
    if detector.bounded:
        # Like \\b on both ends: a token glued to more word characters is something else.
        glued_before = start > 0 and _WORD.match(text, start - 1) is not None
        glued_after = (
            end < len(text)
            and _WORD.match(text, end - 1) is not None
            and _WORD.match(text, end) is not None
        )
        return not (glued_before or glued_after)
    if detector.generic:
        line_start = text.rfind("\n", 0, start) + 1
        before = text[max(line_start, start - 80) : start]
        return _GENERIC_KEY.search(before) is not None and _looks_random(match.group()[1:-1])
    return True


def _matches(scanner: SecretScanner, text: str) -> list[tuple[int, int, int, str]]:
    """(start, detector order, end, detector name) of every accepted match, in text order."""
    found: list[tuple[int, int, int, str]] = []
    for order, detector in enumerate(scanner.detectors):
        for match in detector.regex.finditer(text):
            if match.end() > match.start() and _accepted(detector, text, match):
                found.append((match.start(), order, match.end(), detector.name))
    found.sort()
    return found


def scan_hunk(scanner: SecretScanner, path: str, hunk: AddedHunk) -> Iterator[SecretFinding]:
    """Yield one finding per secret-looking match in the added lines of `hunk`, in line order.

    >>> scanner = compile_scanner()
    >>> hunk = AddedHunk(start=7, text="x = 1\\ntoken = 'ghp_" + "a1" * 18 + "'")
    >>> [(f.line, f.kind) for f in scan_hunk(scanner, "a.py", hunk)]
    [(8, 'GitHub personal access token (ghp_)')]
    """
    text = hunk.text
    newlines_before = 0
    last = 0
    for offset, _, _, name in _matches(scanner, text):
        newlines_before += text.count("\n", last, offset)
        last = offset
        yield SecretFinding(path=path, line=hunk.start + newlines_before, kind=name)


def secret_kinds(scanner: SecretScanner, text: str) -> tuple[str, ...]:
    """The kinds of secret found in `text` (a path, a symlink target), each once, in text order.

    >>> secret_kinds(compile_scanner(), "docs/ghp_" + "a1" * 18 + ".md")
    ('GitHub personal access token (ghp_)',)
    """
    return tuple(dict.fromkeys(name for _, _, _, name in _matches(scanner, text)))


def redact(scanner: SecretScanner, text: str) -> str:
    """`text` with every secret-looking part replaced by `REDACTED`, the rest kept as it was.

    >>> redact(compile_scanner(), "docs/ghp_" + "a1" * 18 + ".md")
    'docs/<redacted>.md'
    """
    found = _matches(scanner, text)
    if not found:
        return text
    parts: list[str] = []
    kept = 0
    for start, _, end, _ in found:
        if end <= kept:
            continue
        if start >= kept:
            parts.append(text[kept:start])
            parts.append(REDACTED)
        kept = end
    parts.append(text[kept:])
    return "".join(parts)

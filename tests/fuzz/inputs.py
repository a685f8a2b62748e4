"""Generated untrusted inputs: harness output, gate argv, configuration files, odd repositories.

Each strategy mixes what the real tools write (lines of the captured transcripts, the real
configuration keys) with what an adversary or a broken tool could write instead: JSON nested
thousands of levels deep, invalid UTF-8, NUL bytes, lone surrogate escapes, numbers of thousands
of digits, repeated keys, lines cut anywhere, documents pretty-printed over many lines.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import strategies as st

from domain.config import LoopConfig
from domain.harness.claude import CLAUDE_EVENT_TYPES
from domain.harness.codex import CODEX_EVENT_TYPES
from domain.harness.pi import PI_EVENT_TYPES
from domain.harness.report import HarnessName

FIXTURES = Path(__file__).parent.parent / "fixtures" / "harness"
_FOLDERS: dict[HarnessName, tuple[str, ...]] = {
    "pi": ("pi", "pi-handwritten"),
    "claude": ("claude", "claude-formats", "claude-real"),
    "codex": ("codex", "codex-real"),
}
EVENT_TYPES: dict[HarnessName, frozenset[str]] = {
    "pi": PI_EVENT_TYPES,
    "claude": CLAUDE_EVENT_TYPES,
    "codex": CODEX_EVENT_TYPES,
}


@cache
def real_lines(harness: HarnessName) -> tuple[bytes, ...]:
    """Every line of the harness's captured transcripts (fixtures), in a stable order."""
    found: list[bytes] = []
    for folder in _FOLDERS[harness]:
        for path in sorted((FIXTURES / folder).glob("*.json*")):
            if "expected" not in path.name:
                found.extend(line for line in path.read_bytes().split(b"\n") if line.strip())
    return tuple(found)


@cache
def real_keys(harness: HarnessName) -> tuple[str, ...]:
    """Every object key the harness's captured transcripts use, so events look like its own."""
    keys: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            keys.update(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for line in real_lines(harness):
        try:
            walk(json.loads(line))
        except (ValueError, RecursionError):
            continue
    return tuple(sorted(keys))


# -- JSON text, written by hand so that it can hold what serialisers never write


def _number() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.integers(min_value=-(10**6), max_value=10**6).map(lambda n: str(n).encode()),
        st.floats(allow_nan=False, allow_infinity=False).map(lambda x: repr(x).encode()),
        st.sampled_from([b"1e999", b"-1e999", b"1e-999", b"0.0", b"-0", b"NaN", b"Infinity"]),
        st.integers(min_value=20, max_value=5000).map(lambda n: b"9" * n),  # huge
        st.integers(min_value=20, max_value=2000).map(lambda n: b"0." + b"1" * n),
    )


def _string() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.text(max_size=20).map(lambda s: json.dumps(s).encode()),
        st.text(max_size=20).map(lambda s: json.dumps(s, ensure_ascii=False).encode()),
        st.sampled_from(
            [
                b'"\\ud800"',  # a lone surrogate escape (JavaScript prints them)
                b'"\\udc00\\ud83d"',
                b'"\xff\xfe"',  # invalid UTF-8 inside a string
                b'"\x00"',  # a raw NUL (a control character: invalid JSON)
                b'"\\u0000"',
                b'"[[[{{{\\"]]]"',  # brackets and quotes inside a string
                b'"\\\\"',
                b'"unterminated',
            ]
        ),
    )


def _deep(opener: bytes, closer: bytes, depth: int, *, closed: bool) -> bytes:
    return opener * depth + (closer * depth if closed else b"")


def json_values(harness: HarnessName) -> st.SearchStrategy[bytes]:
    """JSON values (text) as a harness could print them, and as one never should."""
    keys = st.sampled_from(real_keys(harness)) | st.sampled_from(["type", "message", "usage"])
    key_bytes = keys.map(lambda k: json.dumps(k).encode()) | _string()
    scalars = st.one_of(
        _number(), _string(), st.sampled_from([b"true", b"false", b"null", b"nul", b""])
    )
    deep = st.builds(
        _deep,
        st.sampled_from([b"[", b"{", b'{"a":', b'[{"type":']),
        st.sampled_from([b"]", b"}"]),
        st.integers(min_value=1, max_value=5000),
        closed=st.booleans(),
    )

    def containers(children: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
        arrays = st.lists(children, max_size=5).map(lambda items: b"[" + b",".join(items) + b"]")
        # Duplicate keys come for free: the same key may be drawn twice.
        members = st.lists(st.tuples(key_bytes, children), max_size=6)
        objects = members.map(lambda ms: b"{" + b",".join(k + b":" + v for k, v in ms) + b"}")
        return arrays | objects

    return st.recursive(scalars | deep, containers, max_leaves=12)


def events(harness: HarnessName) -> st.SearchStrategy[bytes]:
    """One JSON event line: a known type with members the real events have, and odd values."""
    types = st.sampled_from(sorted(EVENT_TYPES[harness])) | st.text(max_size=8)
    keys = st.sampled_from(real_keys(harness))
    members = st.lists(st.tuples(keys, json_values(harness)), max_size=6)

    def line(event_type: str, parts: list[tuple[str, bytes]], type_last: bool) -> bytes:
        body = [json.dumps(k).encode() + b":" + v for k, v in parts]
        typed = b'"type":' + json.dumps(event_type).encode()
        return b"{" + b",".join([*body, typed] if type_last else [typed, *body]) + b"}"

    return st.builds(line, types, members, st.booleans())


def _mutated(line: bytes, at: int, how: int, junk: bytes) -> bytes:
    """`line` cut, spliced with junk, or with one byte changed, at position `at`."""
    at = at % (len(line) + 1)
    if how == 0:
        return line[:at]
    if how == 1:
        return line[:at] + junk + line[at:]
    if how == 2 and line:
        at = min(at, len(line) - 1)
        return line[:at] + bytes([(line[at] + 1 + len(junk)) % 256]) + line[at + 1 :]
    return line[:at] + junk


def lines(harness: HarnessName) -> st.SearchStrategy[bytes]:
    """One line of output: real, a real one damaged, generated, deep, or garbage."""
    real = st.sampled_from(real_lines(harness))
    junk = st.binary(max_size=8) | st.sampled_from([b"\x00", b"\xff", b'"', b"\\", b"[" * 3000])
    damaged = st.builds(
        _mutated, real, st.integers(min_value=0), st.integers(min_value=0, max_value=3), junk
    )
    deep_event = st.builds(
        lambda t, n, closed: (
            b'{"type":"'
            + t.encode()
            + b'","message":'
            + b"[" * n
            + (b"]" * n + b"}" if closed else b"")
        ),
        st.sampled_from(sorted(EVENT_TYPES[harness])),
        st.integers(min_value=60, max_value=20_000),
        st.booleans(),
    )
    return st.one_of(real, damaged, events(harness), deep_event, json_values(harness), st.binary())


def _document(parts: list[bytes]) -> bytes:
    """Lines of events as one pretty-printed document (Claude's `json` form), when they parse."""
    try:
        values = [json.loads(part) for part in parts]
    except (ValueError, RecursionError):  # the test's own reader: deep parts are not pretty-printed
        return b"[\n" + b",\n".join(parts) + b"\n]"
    try:
        return json.dumps(values if len(values) != 1 else values[0], indent=2).encode()
    except RecursionError:
        return b"[\n" + b",\n".join(parts) + b"\n]"


def transcripts(harness: HarnessName) -> st.SearchStrategy[bytes]:
    """A whole output: JSON lines (LF or CRLF, maybe unterminated), or one document."""
    parts = st.lists(lines(harness), max_size=10)
    joined = st.builds(
        lambda ps, sep, end: sep.join(ps) + end,
        parts,
        st.sampled_from([b"\n", b"\r\n"]),
        st.sampled_from([b"", b"\n"]),
    )
    return joined | parts.map(_document)


def harness_names() -> st.SearchStrategy[HarnessName]:
    return st.sampled_from(["pi", "claude", "codex"])


# -- gate argv


_ARGV_WORDS = [
    "pytest", "-q", "ruff", "check", "format", "mypy", "uv", "run", "python", "python3", "-m",
    "-c", "--", "-", "--group", "dev", "--locked", "--with", "--no-project", "--frozen", "pip",
    "install", "make", "lint", "--cache-dir=/dev/null", "-p", "no:cacheprovider", "--fix",
    "sh", "bash", "-e", "env", "--directory", "..", "/", ".", "tests", "a.py", "--config-file",
    "--isolated", "--index-url", "http://x", "--python", "3.11", "--env-file", ".env", "-x",
]  # fmt: skip


def argv_words() -> st.SearchStrategy[str]:
    """One command-line word as the OS hands it over: bytes decoded as Python does argv."""
    odd = st.binary(min_size=1, max_size=12).filter(lambda b: b"\x00" not in b).map(os.fsdecode)
    text = st.text(max_size=12).filter(lambda s: "\x00" not in s)
    return st.sampled_from(_ARGV_WORDS) | text | odd


def gate_argvs() -> st.SearchStrategy[list[str]]:
    return st.lists(argv_words(), max_size=8)


def batch_inputs() -> st.SearchStrategy[bytes]:
    """A `--batch` input: JSON arrays of strings one a line, some of them anything but."""
    good = gate_argvs().map(lambda argv: json.dumps(argv).encode())
    line = good | json_values("pi") | st.binary(max_size=30)
    return st.lists(line, max_size=6).map(lambda ls: b"\n".join(ls) + b"\n")


# -- configuration files


def _config_paths() -> list[tuple[str, ...]]:
    """Every table of the configuration (`budget`, `budget.tiers.X`, `policy`, ...), to fill."""
    found: list[tuple[str, ...]] = []

    def walk(struct: type[Any], prefix: tuple[str, ...]) -> None:
        found.append(prefix)
        for field in msgspec.structs.fields(struct):
            inner = _struct_in(field.type)
            if inner is not None:
                walk(inner, (*prefix, field.encode_name))

    walk(LoopConfig, ())
    return found


def _struct_in(annotation: Any) -> type[Any] | None:
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _struct_in(arg)
        if found is not None:
            return found
    return None


def _config_keys() -> list[str]:
    keys: set[str] = set()

    def walk(struct: type[Any]) -> None:
        for field in msgspec.structs.fields(struct):
            keys.add(field.encode_name)
            inner = _struct_in(field.type)
            if inner is not None:
                walk(inner)

    walk(LoopConfig)
    return sorted(keys)


_TOML_VALUES = [
    '"text"', "1", "0", "-1", "1.5", "true", "false", "[]", '["a", "b"]', "{}", '{ a = 1 }',
    "inf", "nan", "1979-05-27T07:32:00Z", '"loop:budget-large"', '"**/*.py"', "9" * 30,
    '"pi"', '"claude"', '"codex"', '"refuse-publish"', '"charge-reservation"', "5.0", "0.0001",
]  # fmt: skip


def _toml_value() -> st.SearchStrategy[str]:
    deep = st.integers(min_value=1, max_value=3000).map(lambda n: "[" * n + "]" * n)
    return st.sampled_from(_TOML_VALUES) | st.text(max_size=10).map(json.dumps) | deep


def _table(path: tuple[str, ...], entries: list[tuple[str, str]], extra: str) -> str:
    header = f"[{'.'.join(path + ((extra,) if extra else ()))}]\n" if path or extra else ""
    return header + "".join(f"{key} = {value}\n" for key, value in entries)


def config_texts() -> st.SearchStrategy[str]:
    """A configuration file: tables of the real sections, real and odd keys, odd values."""
    paths = st.sampled_from(_config_paths())
    keys = st.sampled_from(_config_keys()) | st.from_regex(r"[a-z_-]{1,8}", fullmatch=True)
    entries = st.lists(st.tuples(keys, _toml_value()), max_size=5)
    extra = st.sampled_from(["", "", '"loop:budget-xl"', "acme", "x.y"])
    tables = st.lists(st.builds(_table, paths, entries, extra), max_size=5).map("".join)
    return tables | st.text(max_size=200)


def config_bytes() -> st.SearchStrategy[bytes]:
    return config_texts().map(str.encode) | st.binary(max_size=100)


# -- files a gate checks


def _python_text() -> st.SearchStrategy[bytes]:
    deep = st.builds(
        lambda opener, n: b"x = " + opener * n,
        st.sampled_from([b"(", b"[", b"{", b"-", b"not ", b"lambda: "]),
        st.integers(min_value=1, max_value=5000),
    )
    snippets = st.sampled_from(
        [b"def f(:\n", b"x = 1\x00\n", b"\xef\xbb\xbfx = 1\n", b"x = '\\N{nope}'\n", b"\tx\n y\n"]
    )
    return deep | snippets | st.text(max_size=40).map(str.encode)


def checked_files() -> st.SearchStrategy[tuple[str, bytes]]:
    """A file for `gate check-files`: a suffix that picks its check, and any content."""
    suffixes = st.sampled_from([".py", ".pyi", ".toml", ".json", ".md", ".txt", ""])
    contents = st.one_of(
        json_values("pi"),
        config_texts().map(str.encode),
        _python_text(),
        st.binary(max_size=200),
    )
    return st.tuples(suffixes, contents)

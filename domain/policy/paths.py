"""Path patterns and path safety: pure string decisions about repository-relative paths.

Patterns are anchored at the repository root. An entry ending in `/` is a prefix; anything else
is a glob where `*` and `?` stay inside one segment, `**` spans segments and `[...]` is a class.
As in `.gitignore`, a glob that matches a directory covers everything inside it: `**/.env*`
denies `config/.env/prod` too.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Sequence

from domain.changes.change_set import LinkResolution


@functools.lru_cache(maxsize=1024)
def _glob_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(char))
            i += 1
    return re.compile("".join(out), re.IGNORECASE if ignore_case else 0)


def matches(path: str, pattern: str, *, ignore_case: bool = False) -> bool:
    """True when `path` is under the prefix `pattern` (ends in `/`) or matches it as a glob.

    >>> matches("docs/a/b.md", "docs/"), matches(".GitHub/ci.yml", ".github/**", ignore_case=True)
    (True, True)
    >>> matches("src/.env", "**/.env*"), matches("a/.ENV/x", "**/.env*", ignore_case=True)
    (True, True)
    >>> matches("a/b.pem", "*.pem")
    False
    """
    if pattern.endswith("/"):
        if ignore_case:
            return path.casefold().startswith(pattern.casefold())
        return path.startswith(pattern)
    regex = _glob_regex(pattern, ignore_case)
    if regex.fullmatch(path) is not None:
        return True
    slash = path.find("/")
    while slash != -1:
        if regex.fullmatch(path, 0, slash) is not None:
            return True
        slash = path.find("/", slash + 1)
    return False


def first_match(path: str, patterns: Sequence[str], *, ignore_case: bool = False) -> str | None:
    """The first of `patterns` that `path` matches, or None.

    >>> first_match("uv.lock", ["pyproject.toml", "uv.lock"])
    'uv.lock'
    """
    for pattern in patterns:
        if matches(path, pattern, ignore_case=ignore_case):
            return pattern
    return None


# C0 controls (newline, tab, ESC, ...), DEL and C1 controls: in a name they can forge lines of a
# readable report or drive the terminal that shows it.
_CONTROL = re.compile("[\x01-\x1f\x7f-\x9f]")


def unsafe_reason(path: str) -> str | None:
    """Why a changed path is unsafe (absolute, `..`, NUL or another control character, inside
    `.git`), or None when it is not.

    >>> unsafe_reason("src/a.py") is None, unsafe_reason("../x"), unsafe_reason("a/.GIT/config")
    (True, "has a '..' segment", 'is inside .git')
    >>> unsafe_reason("docs/a\\n  added   docs/b.md")
    'contains a control character (U+000A)'
    """
    if "\x00" in path:
        return "contains a NUL byte"
    control = _CONTROL.search(path)
    if control is not None:
        return f"contains a control character (U+{ord(control.group()):04X})"
    if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", path):
        return "is absolute"
    segments = re.split(r"[/\\]", path)
    if ".." in segments:
        return "has a '..' segment"
    if any(segment.casefold() == ".git" for segment in segments):
        return "is inside .git"
    return None


def symlink_escape_reason(path: str, target: str, resolution: LinkResolution | None) -> str | None:
    """Why a symlink at `path` with text `target` leaves the worktree, or None if it stays.

    Where it leads is decided by `resolution` (followed through the worktree, other symlinks
    included), never by the text alone: `src/a/up -> ..` makes `src/esc -> a/up/../..` leave.
    The text is checked as well (absolute, `..` above the root, `.git`): a link must stay
    inside both as written and as followed. Without a resolution the link is not safe, nor
    when its resolution is `unsettled` (it steps back out of a path that does not exist yet).

    >>> inside = LinkResolution(path="README.md")
    >>> symlink_escape_reason("docs/link", "../README.md", inside) is None
    True
    >>> symlink_escape_reason("src/esc", "a/up/../..", LinkResolution(path=".."))
    'leads outside the worktree (followed through the symlinks on the way)'
    >>> symlink_escape_reason("src/l", "cache/../a.py", LinkResolution(
    ...     path="src/a.py", state="unsettled")).split(":")[0]
    "steps back with '..' out of a path that is not a folder yet (missing, or a file)"
    >>> symlink_escape_reason("l", "/etc", None)
    'points to an absolute path'
    >>> symlink_escape_reason("l", "x", None)
    'was not followed through the worktree: where it leads is unknown'
    """
    if target.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", target):
        return "points to an absolute path"
    depth = len(posixpath.dirname(path).split("/")) if posixpath.dirname(path) else 0
    for segment in target.replace("\\", "/").split("/"):
        if segment == "..":
            depth -= 1
            if depth < 0:
                return "points outside the worktree"
        elif segment not in ("", "."):
            depth += 1
    if resolution is None:
        return "was not followed through the worktree: where it leads is unknown"
    if resolution.state == "loop":
        return f"never resolves: a loop of symlinks (gave up at {resolution.path!r})"
    followed = resolution.path.split("/")
    if resolution.state == "unsettled":
        # Fail closed: it means one thing now and another once that path exists (as a folder
        # it leads where `resolution.path` says; as a symlink, anywhere).
        then = "outside the worktree" if followed[0] == ".." else f"to {resolution.path!r}"
        return (
            "steps back with '..' out of a path that is not a folder yet (missing, or a "
            "file): where it leads depends on what is created there later (as a folder, it "
            f"leads {then})"
        )
    if followed[0] == "..":
        if resolution.state == "dangling":
            return "leads outside the worktree (followed as text past a missing path)"
        return "leads outside the worktree (followed through the symlinks on the way)"
    written = target.replace("\\", "/").split("/")
    if any(s.casefold() == ".git" for s in (*written, *followed)):
        return "points into .git"
    return None

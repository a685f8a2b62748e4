"""The readable form of a check verdict (the JSON form is the report itself).

Every string that can come from a repository (paths, symlink targets, gate argv, details,
notices) is printed with its control characters escaped: a file named
`a\\n  added   docs/fine.md` must not forge a line of the summary, nor an ESC sequence drive the
reviewer's terminal. JSON output needs no such care: JSON strings escape control characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from entrypoints.api.check.run import CheckReport

# C0 and C1 controls and DEL, and the invisible characters that reorder or hide text on screen:
# bidirectional marks and overrides, zero-width characters, line and paragraph separators.
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]"
)


def _escape(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def printable(text: str) -> str:
    """`text` with every control or invisible formatting character written as a Python escape.

    >>> printable("docs/a\\n  added x\\x1b[2J\\u202e")
    'docs/a\\\\n  added x\\\\x1b[2J\\\\u202e'
    >>> printable("plain/ünïcode.md")
    'plain/ünïcode.md'
    """
    return _UNPRINTABLE.sub(_escape, text)


def _words(argv: Iterable[str]) -> str:
    return printable(" ".join(argv))


def render_summary(report: CheckReport) -> str:
    """A few lines a reviewer reads top to bottom: verdict, then per repository what and why."""
    blocked = sum(1 for repo in report.repos if repo.violations)
    reasons = sum(len(repo.violations) for repo in report.repos)
    repos = f"{len(report.repos)} {'repository' if len(report.repos) == 1 else 'repositories'}"
    if report.verdict == "blocked":
        headline = f"BLOCKED: {reasons} reason(s) in {blocked} of {repos}"
    else:
        headline = f"PUBLISHABLE: {repos} verified, no policy violation"
    lines = [headline]
    if report.sandboxed is not None:
        lines.append(f"sandboxed: {'yes' if report.sandboxed else 'no'}")
    if report.sandbox_notice:
        lines.append(f"notice: {printable(report.sandbox_notice)}")
    for repo in report.repos:
        lines.append("")
        lines.append(
            f"{printable(repo.repo)} (as {printable(repo.name)}, base "
            f"{printable(repo.base[:12])}): {len(repo.changes)} change(s)"
        )
        if repo.tree is not None:
            lines.append(f"  candidate tree {printable(repo.tree)} (what publication commits)")
        for change in repo.changes:
            moved = f" (from {printable(change.old_path)})" if change.old_path else ""
            target = (
                f" -> {printable(change.symlink_target)}"
                if change.symlink_target is not None
                else ""
            )
            lines.append(f"  {change.kind:<12} {printable(change.path)}{moved}{target}")
        for gate in repo.gates:
            code = "" if gate.exit_code is None else f", exit {gate.exit_code}"
            lines.append(f"  gate {printable(gate.name)}: {printable(gate.status)}{code}")
            lines.append(f"    declared: {_words(gate.declared)}")
            if gate.executed is not None and gate.executed != gate.declared:
                lines.append(f"    executed: {_words(gate.executed)}")
        for violation in repo.violations:
            where = f" {printable(violation.path)}" if violation.path else ""
            lines.append(f"  BLOCKED {violation.code}{where}: {printable(violation.detail)}")
        for notice in repo.notices:
            lines.append(f"  note: {printable(notice)}")
    return "\n".join(lines) + "\n"

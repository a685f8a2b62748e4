"""The policy's secret rules: findings in what a change adds and in the branch's history.

Each finding names the file, line or commit and the kind of secret, never the secret itself
(`domain.policy.secrets` masks what it matched).
"""

from __future__ import annotations

from domain.changes.change_set import AddedHunk, FileChange, History
from domain.changes.content import MAX_SCANNED_BYTES
from domain.policy.secrets import SecretScanner, scan_hunk, secret_kinds
from domain.policy.violations import Violation

_HISTORY_REMEDY = (
    "pushing the branch publishes it even if a later commit removed it: rewrite the branch "
    "without it and rotate the secret"
)


def history_violations(history: History, scanner: SecretScanner) -> list[Violation]:
    """Secrets in what the commits between the base and HEAD added (lines, names, symlink
    targets) and said (messages, authors, other header lines): pushing the branch publishes
    them even when a later commit removed them."""
    found: list[Violation] = []
    for committed in history.files:
        commit = committed.commit[:12]
        for hunk in committed.added:
            found += [
                Violation(
                    code="secret-in-history",
                    path=f.path,
                    detail=f"commit {commit}, line {f.line}: matches {f.kind}; {_HISTORY_REMEDY}",
                )
                for f in scan_hunk(scanner, committed.path, hunk)
            ]
        named = (
            ("path", committed.path if committed.path_added else None),
            ("symlink target", committed.symlink_target),
        )
        for where, text in named:
            found += [
                Violation(
                    code="secret-in-history",
                    path=committed.path,
                    detail=f"commit {commit}: its {where} matches {kind}; {_HISTORY_REMEDY}",
                )
                for kind in secret_kinds(scanner, text or "")
            ]
        if committed.content_truncated:
            found.append(truncated_scan(committed.path, f"commit {commit}: "))
    for said in history.texts:
        commit = said.commit[:12]
        for what, text in said.parts:
            for f in scan_hunk(scanner, "", AddedHunk(start=1, text=text)):
                where = f"commit {commit}, its {what} line {f.line}: matches"
                if "\n" not in text:
                    where = f"commit {commit}: its {what} matches"
                found.append(
                    Violation(
                        code="secret-in-history",
                        path=None,
                        detail=f"{where} {f.kind}; {_HISTORY_REMEDY}",
                    )
                )
    if history.incomplete is not None:
        found.append(
            Violation(
                code="secret-scan-incomplete",
                path=None,
                detail=f"the branch's commits were not all scanned for secrets "
                f"({history.incomplete})",
            )
        )
    return found


def secret_violations(change: FileChange, scanner: SecretScanner) -> list[Violation]:
    """Secrets in the added text, the path and the symlink target of one change."""
    found = [
        Violation(
            code="secret-detected",
            path=f.path,
            detail=f"line {f.line}: matches {f.kind}; remove it and rotate the secret",
        )
        for hunk in change.added
        for f in scan_hunk(scanner, change.path, hunk)
    ]
    # Like lines, only names and targets this change brings in are findings: the old path of a
    # rename, a deleted or modified file's path and a renamed link's target were in the base.
    new_path = change.path if change.kind in ("added", "renamed") else None
    new_target = change.symlink_target if change.kind not in ("renamed", "deleted") else None
    named = (
        ("path", new_path, "rename the file"),
        ("symlink target", new_target, "remove the link"),
    )
    for where, text, fix in named:
        for kind in secret_kinds(scanner, text or ""):
            found.append(
                Violation(
                    code="secret-detected",
                    path=change.path,
                    detail=f"its {where} matches {kind}; {fix} and rotate the secret",
                )
            )
    return found


def truncated_scan(path: str, where: str) -> Violation:
    """A file whose content was read only in part: the rest was never scanned for secrets."""
    return Violation(
        code="secret-scan-incomplete",
        path=path,
        detail=f"{where}only the first {MAX_SCANNED_BYTES // (1024 * 1024)} MiB of this file "
        "were read: the rest was never scanned for secrets",
    )

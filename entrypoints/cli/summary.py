"""The readable form of a check verdict (the JSON form is the report itself)."""

from __future__ import annotations

from entrypoints.api.check import CheckReport


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
    for repo in report.repos:
        lines.append("")
        lines.append(
            f"{repo.repo} (as {repo.name}, base {repo.base[:12]}): {len(repo.changes)} change(s)"
        )
        for change in repo.changes:
            moved = f" (from {change.old_path})" if change.old_path else ""
            lines.append(f"  {change.kind:<12} {change.path}{moved}")
        for gate in repo.gates:
            code = "" if gate.exit_code is None else f", exit {gate.exit_code}"
            lines.append(f"  gate {gate.name}: {gate.status}{code}")
            lines.append(f"    declared: {' '.join(gate.declared)}")
            if gate.executed is not None and gate.executed != gate.declared:
                lines.append(f"    executed: {' '.join(gate.executed)}")
        for violation in repo.violations:
            where = f" {violation.path}" if violation.path else ""
            lines.append(f"  BLOCKED {violation.code}{where}: {violation.detail}")
        for notice in repo.notices:
            lines.append(f"  note: {notice}")
    return "\n".join(lines) + "\n"

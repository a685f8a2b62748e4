"""The rules `sandbox check` proves by running a probe inside the sandbox (pure).

Each rule is a small `sh` script that exits 0 exactly when the rule holds inside the sandbox.
"""

from __future__ import annotations

import msgspec

# A variable planted in the loop's own environment: it must not reach the sandbox's PID 1.
PLANTED_VARIABLE = "ENGINEERING_LOOP_SANDBOX_PLANTED"


class ProbeRule(msgspec.Struct, frozen=True, kw_only=True):
    """One rule: its name, what it shows, and the argv that exits 0 when it holds."""

    name: str
    shows: str
    argv: tuple[str, ...]


class RuleOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """How one rule fared in the probe run."""

    name: str
    shows: str
    held: bool
    detail: str = ""


def probe_rules(real_home: str) -> tuple[ProbeRule, ...]:
    """The rules for a sandbox whose host user has `real_home`.

    >>> [rule.name for rule in probe_rules("/root")][:2]
    ['workdir-writable', 'home-hidden']
    """
    return (
        ProbeRule(
            name="workdir-writable",
            shows="the command can still change files in its own directory",
            argv=("/bin/sh", "-c", "echo probe > .sandbox-probe && rm .sandbox-probe"),
        ),
        ProbeRule(
            name="home-hidden",
            shows="nothing of the real home (~/.ssh, ~/.config/gh, the loop's state) is visible",
            argv=("/bin/sh", "-c", 'test -z "$(ls -A "$1" 2>/dev/null)"', "sh", real_home),
        ),
        ProbeRule(
            name="own-pid-namespace",
            shows="PID 1 is bubblewrap: the loop's processes and /proc/<pid>/environ are unseen",
            argv=("/bin/sh", "-c", 'test "$(cat /proc/1/comm)" = bwrap'),
        ),
        ProbeRule(
            name="pid1-environment-scrubbed",
            shows="/proc/1/environ holds only the allowlisted environment, not the loop's",
            argv=(
                "/bin/sh",
                "-c",
                f"! tr '\\000' '\\n' < /proc/1/environ | grep -q '^{PLANTED_VARIABLE}='",
            ),
        ),
        ProbeRule(
            name="outside-read-only",
            shows="nothing outside the command's directory and run folder can be written",
            argv=(
                "/bin/sh",
                "-c",
                'for d in / /usr /etc "$1"; do touch "$d/.sandbox-probe" 2>/dev/null && exit 1; '
                "done; exit 0",
                "sh",
                real_home,
            ),
        ),
    )

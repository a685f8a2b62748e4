"""The rules `sandbox check` proves by running a probe inside the sandbox (pure).

Each rule is a small `sh` script that exits 0 exactly when the rule holds inside the sandbox.
"""

from __future__ import annotations

from collections.abc import Iterable

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


def probe_rules(
    real_home: str, environment_names: Iterable[str], leading: Iterable[str] = ()
) -> tuple[ProbeRule, ...]:
    """The rules for a sandbox whose host user has `real_home`, whose processes get exactly the
    variables `environment_names`, and whose binds below the home start with `leading` names.

    >>> [rule.name for rule in probe_rules("/root", ["PATH"], [".cache"])][:2]
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
            shows="nothing of the real home (~/.ssh, ~/.config/gh, the loop's state) is visible, "
            "only the empty folders that lead to the run's own binds",
            argv=(
                "/bin/sh",
                "-c",
                'cd "$1" 2>/dev/null || exit 0; for e in $(ls -A); do case " $2 " in '
                '*" $e "*) ;; *) exit 1;; esac; done',
                "sh",
                real_home,
                " ".join(sorted(set(leading))),
            ),
        ),
        ProbeRule(
            name="own-pid-namespace",
            shows="PID 1 is bubblewrap: the loop's processes and /proc/<pid>/environ are unseen",
            argv=("/bin/sh", "-c", 'test "$(cat /proc/1/comm)" = bwrap'),
        ),
        ProbeRule(
            name="pid1-environment-scrubbed",
            shows="/proc/1/environ holds exactly the allowlisted variables, none of the loop's",
            argv=(
                "/bin/sh",
                "-c",
                "test \"$(tr '\\000' '\\n' < /proc/1/environ | cut -d= -f1 | LC_ALL=C sort "
                "| tr '\\n' ' ')\" = \"$1\"",
                "sh",
                "".join(f"{name} " for name in sorted(environment_names)),
            ),
        ),
        ProbeRule(
            name="outside-read-only",
            shows="nothing outside the command's directory and run folder can be written "
            "(but the sandbox's own /tmp, which vanishes with it)",
            argv=(
                "/bin/sh",
                "-c",
                'for d in / /usr /etc "$1"; do case "$d" in /tmp/*) continue;; esac; '
                'touch "$d/.sandbox-probe" 2>/dev/null && exit 1; done; exit 0',
                "sh",
                real_home,
            ),
        ),
    )

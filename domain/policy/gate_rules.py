"""The policy's gate rules: which gate programs may run, and what their runs reported."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

import msgspec

from domain.policy.violations import Violation

# Our own file checker is always allowed, whatever `allowed_gates` says.
BUILTIN_GATE: tuple[str, ...] = ("engineering-loop", "gate", "check-files")


class GateArgv(msgspec.Struct, frozen=True, kw_only=True):
    """One planned gate: the argv as declared and as it would execute (None when refused)."""

    name: str
    declared: tuple[str, ...]
    executed: tuple[str, ...] | None = None


class GateEvidence(msgspec.Struct, frozen=True, kw_only=True):
    """What gate selection, preparation and (later) running said about one repository."""

    gates: tuple[GateArgv, ...] = ()
    # Changed paths no gate covers.
    unverified: tuple[str, ...] = ()
    # Paths a gate created or changed while running.
    side_effects: tuple[str, ...] = ()
    # (gate name, reason) of gates that gate preparation refused: no gate may then run.
    refused: tuple[tuple[str, str], ...] = ()
    # (gate name, reason) of gates that ran and failed, or could not be planned.
    failures: tuple[tuple[str, str], ...] = ()


_SIDE_EFFECT = "a gate created or changed this path while running"
_UNVERIFIED = "no gate covers this changed path and require_gate_coverage is on"


def gate_allowed(argv: Sequence[str], shapes: Sequence[str]) -> bool:
    """A one-word shape names a program (argv[0]'s basename); a longer one is an argv prefix."""
    if not argv:
        return False
    program = posixpath.basename(argv[0].replace("\\", "/"))
    words = (program, *argv[1:])
    for shape in shapes:
        tokens = shape.split()
        if (
            tokens
            and len(tokens) <= len(words)
            and all(t in ("*", w) for t, w in zip(tokens, words, strict=False))
        ):
            return True
    return False


def gate_violations(
    evidence: GateEvidence, allowed_gates: Sequence[str], *, require_coverage: bool
) -> list[Violation]:
    """What the gate plan and the gate runs of one repository say against publishing."""
    found: list[Violation] = []
    for gate in evidence.gates:
        if gate.declared[:3] == BUILTIN_GATE:
            continue
        prepared = gate.executed if gate.executed != gate.declared else None
        for label, argv in (("declared", gate.declared), ("prepared", prepared)):
            if argv is not None and not gate_allowed(argv, allowed_gates):
                found.append(
                    Violation(
                        code="gate-not-allowed",
                        path=None,
                        detail=f"gate {gate.name!r}: {label} program {argv[0]!r} is not in "
                        "allowed_gates",
                    )
                )
    for name, reason in evidence.refused:
        found.append(
            Violation(
                code="gate-not-allowed", path=None, detail=f"gate {name!r} was refused: {reason}"
            )
        )
    found += [
        Violation(code="gate-side-effect", path=path, detail=_SIDE_EFFECT)
        for path in evidence.side_effects
    ]
    for name, reason in evidence.failures:
        found.append(Violation(code="gate-failed", path=None, detail=f"gate {name!r}: {reason}"))
    if require_coverage:
        found += [
            Violation(code="unverified-path", path=path, detail=_UNVERIFIED)
            for path in evidence.unverified
        ]
    return found

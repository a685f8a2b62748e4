"""Whether a command runs its agent and gates confined, unconfined with a notice, or not at all."""

from __future__ import annotations

import msgspec
from returns.result import Failure, Result, Success

from domain.sandbox.config import SandboxSettings

INSTALL_HINT = (
    "install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`) on a kernel that allows "
    'user namespaces, or write `[sandbox]` `kind = "none"` in the configuration to run agent '
    "code unconfined"
)


class SandboxDecision(msgspec.Struct, frozen=True, kw_only=True):
    """What a command does: `sandboxed` or not, and the notice to print when not."""

    sandboxed: bool
    notice: str | None = None


class SandboxUnavailable(msgspec.Struct, frozen=True, kw_only=True, tag="sandbox-unavailable"):
    """The sandbox is required here and does not work: the command refuses to run agent code."""

    code: str = "sandbox-unavailable"
    message: str


def decide_sandbox(
    settings: SandboxSettings, problem: str | None, *, unattended: bool
) -> Result[SandboxDecision, SandboxUnavailable]:
    """Decide from the configuration and the probe's `problem` (None: bubblewrap works).

    Unattended commands (`run`, `daemon`) and an explicit `kind = "bwrap"` fail closed;
    commands a person runs by hand fall back to running unconfined, with a notice.

    >>> works = decide_sandbox(SandboxSettings(), None, unattended=True).unwrap()
    >>> works.sandboxed
    True
    >>> decide_sandbox(SandboxSettings(), "no bwrap", unattended=False).unwrap().sandboxed
    False
    >>> decide_sandbox(SandboxSettings(), "no bwrap", unattended=True).failure().code
    'sandbox-unavailable'
    >>> decide_sandbox(SandboxSettings(kind="none"), None, unattended=True).unwrap().sandboxed
    False
    """
    if settings.kind == "none":
        return Success(
            SandboxDecision(
                sandboxed=False,
                notice='unconfined: [sandbox] kind = "none" in the configuration; agent code '
                "runs with the loop's own user rights.",
            )
        )
    if problem is None:
        return Success(SandboxDecision(sandboxed=True))
    if settings.kind == "bwrap" or unattended:
        why = 'kind = "bwrap" is configured' if settings.kind == "bwrap" else "it runs unattended"
        return Failure(
            SandboxUnavailable(
                message=f"the sandbox does not work here ({problem}) and this command needs it "
                f"({why}); {INSTALL_HINT}."
            )
        )
    return Success(
        SandboxDecision(
            sandboxed=False,
            notice=f"unconfined: the sandbox does not work here ({problem}); {INSTALL_HINT}.",
        )
    )

"""Environment allowlists for child processes (gates and harnesses): pure decisions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# Variables every child may see: where programs are, whose home, how text is encoded.
BASE_ALLOW: tuple[str, ...] = (
    "PATH",
    "HOME",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "TERM",
    "TMPDIR",
    "TZ",
    "USER",
    "LOGNAME",
)

# A name that looks like a credential is never passed on by a pattern or a default, only when a
# rule names it exactly.
_CREDENTIAL_NAME = re.compile(r"TOKEN|SECRET|PASSW|API_?KEY|CREDENTIAL|AUTH|PRIVATE", re.I)


def looks_like_credential(name: str) -> bool:
    """True when a variable name suggests it carries a secret.

    >>> looks_like_credential("GITHUB_TOKEN"), looks_like_credential("LANG")
    (True, False)
    """
    return bool(_CREDENTIAL_NAME.search(name))


def scrub_environment(
    parent: Mapping[str, str],
    allow: Iterable[str] = (),
    *,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Keep only `BASE_ALLOW` and the exactly named `allow` variables, then add `extra`.

    Credential-like names in `BASE_ALLOW` never pass (a `HOME_TOKEN` cannot sneak in), and
    names in `allow` must match exactly: no patterns.

    >>> scrub_environment({"PATH": "/bin", "GITHUB_TOKEN": "x", "K": "v"}, ["K"])
    {'PATH': '/bin', 'K': 'v'}
    """
    explicit = frozenset(allow)
    kept = {
        name: value
        for name, value in parent.items()
        if name in explicit or (name in BASE_ALLOW and not looks_like_credential(name))
    }
    if extra:
        kept.update(extra)
    return kept

"""The `[loop]`, `[loop.scoring]` and `[notify]` sections: what the loop serves and how.

```toml
[loop]
repos = ["OWNER/NAME"]          # the repositories served, in this order
approval_label = "loop:approved"
approvers = []                  # empty: anyone whose permission is write or admin
trusted_commenters = []         # whose issue comments reach the prompt (default: nobody)
max_runs_per_cycle = 1
refuse_env = ["GITHUB_ACTIONS"] # any of these set: refused-ci
state_dir = "/var/lib/engineering-loop"   # default: $XDG_STATE_HOME/engineering-loop
base_branch = "main"            # default: the repository's default branch
branch_prefix = "engineering-loop/"
author = "engineering-loop <engineering-loop@localhost>"
max_rounds = 3
keep_failed_clones = 5

[loop.scoring]                  # weights by label; ties go to the oldest issue
labels = { critical = 5, security = 4, bug = 2 }

[notify]
webhooks = []                   # https (http to loopback only); secrets: never printed whole
```
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Annotated

import msgspec

from domain.kernel.locations import state_home

Repo = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")]
Login = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*(?:\[bot\])?$")]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
EnvName = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
# A git ref part: no spaces, `..`, `~^:?*[\\`, and ends in `/` so `issue-N` follows it.
BranchPrefix = Annotated[str, msgspec.Meta(pattern=r"^(?:[A-Za-z0-9._-]+/)*$")]
Author = Annotated[str, msgspec.Meta(pattern=r"^[^<>\n]+ <[^<>\s]+>$")]
AbsolutePath = Annotated[str, msgspec.Meta(pattern=r"^/")]
# https, or plain http to this machine only (a local relay; the tests' webhook server), as the
# forge's token rule allows.
HttpsUrl = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(?:https://[^\s/]+|http://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?)"
        r"(?:/\S*)?$"
    ),
]
Weight = Annotated[int, msgspec.Meta(ge=-100, le=100)]

DEFAULT_APPROVAL_LABEL = "loop:approved"
DEFAULT_AUTHOR = "engineering-loop <engineering-loop@localhost>"
DEFAULT_BRANCH_PREFIX = "engineering-loop/"
LEDGER_FILE = "ledger.sqlite"
LOCK_FILE = "daemon.lock"


def default_weights() -> dict[str, int]:
    """The label weights the original loop used.

    >>> default_weights()
    {'critical': 5, 'security': 4, 'bug': 2}
    """
    return {"critical": 5, "security": 4, "bug": 2}


class ScoringSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`[loop.scoring]`: a weight per label name (label names ignore case, as on GitHub)."""

    labels: dict[Label, Weight] = msgspec.field(default_factory=default_weights)


class LoopSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`[loop]`: the repositories served, who approves, and where the loop keeps its state."""

    repos: tuple[Repo, ...] = ()
    approval_label: Label = DEFAULT_APPROVAL_LABEL
    approvers: tuple[Login, ...] = ()
    trusted_commenters: tuple[Login, ...] = ()
    max_runs_per_cycle: Annotated[int, msgspec.Meta(ge=1, le=100)] = 1
    refuse_env: tuple[EnvName, ...] = ("GITHUB_ACTIONS",)
    scoring: ScoringSettings = msgspec.field(default_factory=ScoringSettings)
    # None: `$XDG_STATE_HOME/engineering-loop` (see `state_dir`).
    state_dir: AbsolutePath | None = None
    # None: `<state_dir>/ledger.sqlite`.
    ledger: AbsolutePath | None = None
    # None: the repository's default branch, asked of the forge.
    base_branch: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9._/-]+$")] | None = None
    branch_prefix: BranchPrefix = DEFAULT_BRANCH_PREFIX
    author: Author = DEFAULT_AUTHOR
    max_rounds: Annotated[int, msgspec.Meta(ge=1, le=10)] = 3
    keep_failed_clones: Annotated[int, msgspec.Meta(ge=0)] = 5


class NotifySettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`[notify]`: webhooks that get one JSON POST per cycle that did something."""

    webhooks: tuple[HttpsUrl, ...] = ()


def state_dir(settings: LoopSettings, environ: Mapping[str, str]) -> str | None:
    """Where the loop keeps its lock, ledger, mirrors and runs; None when no home is known.

    >>> state_dir(LoopSettings(), {"HOME": "/home/a"})
    '/home/a/.local/state/engineering-loop'
    >>> state_dir(LoopSettings(state_dir="/srv/loop"), {})
    '/srv/loop'
    """
    if settings.state_dir is not None:
        return settings.state_dir
    home = state_home(environ)
    return None if home is None else posixpath.join(home, "engineering-loop")


def ledger_path(settings: LoopSettings, state: str) -> str:
    """The budget ledger's path: `[loop] ledger`, else `<state_dir>/ledger.sqlite`.

    >>> ledger_path(LoopSettings(), "/s"), ledger_path(LoopSettings(ledger="/l.sqlite"), "/s")
    ('/s/ledger.sqlite', '/l.sqlite')
    """
    return settings.ledger if settings.ledger is not None else posixpath.join(state, LEDGER_FILE)


def lock_path(state: str) -> str:
    """The lock every cycle and `run` takes, one at a time.

    >>> lock_path("/s")
    '/s/daemon.lock'
    """
    return posixpath.join(state, LOCK_FILE)


def refusing_variables(settings: LoopSettings, environ: Mapping[str, str]) -> tuple[str, ...]:
    """The `refuse_env` variables that are set (even to nothing: fail closed); any of them means
    `refused-ci`.

    >>> refusing_variables(LoopSettings(), {"GITHUB_ACTIONS": ""})
    ('GITHUB_ACTIONS',)
    >>> refusing_variables(LoopSettings(), {"CI": "true"})
    ()
    """
    return tuple(name for name in settings.refuse_env if name in environ)


def webhook_host(url: str) -> str:
    """What of a webhook URL may be shown: its host only (the rest is a secret).

    >>> webhook_host("https://hooks.slack.com/services/T0/B0/secret")
    'hooks.slack.com'
    """
    rest = url.split("://", 1)[-1]
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    return host.split("?", 1)[0].split("#", 1)[0]

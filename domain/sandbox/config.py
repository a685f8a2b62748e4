"""The `[sandbox]` section: whether agents and gates run confined, and with which network.

```toml
[sandbox]
kind = "bwrap"              # "bwrap" (fail closed without it) | "none" (run unconfined)
harness_network = "shared"  # the agent must reach its model provider
gates_network = "shared"    # "none" cuts the gates off the network
```
"""

from __future__ import annotations

from typing import Literal

import msgspec

SandboxKind = Literal["bwrap", "none"]
NetworkChoice = Literal["shared", "none"]


class SandboxSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The `[sandbox]` section as written; `kind` None means not written (use it when it works)."""

    kind: SandboxKind | None = None
    harness_network: NetworkChoice = "shared"
    gates_network: NetworkChoice = "shared"

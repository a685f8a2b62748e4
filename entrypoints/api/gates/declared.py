"""Library API for declared gates: the `[gates]` commands of one repository, from the config.

    >>> from entrypoints.api.gates.declared import declared_gates_in
    >>> from entrypoints.api.gates.run import select_for_paths
    >>> config = "engineering-loop.toml"
    >>> gates = declared_gates_in("repo", "acme/api", config=config)  # doctest: +SKIP
    >>> select_for_paths("repo", ["a.py"], declared=gates.unwrap())  # doctest: +SKIP

A repository is known by the `owner/name` its caller gives, then by its directory's name, just
as `[policy.repos]` tables are looked up; the first name with a `[gates.repos]` table wins.
"""

from __future__ import annotations

import os

from returns.result import Failure, Result, Success

from domain.config import ConfigError
from domain.gates.declared import DeclaredGate, GatesConfig, declared_gates_for
from domain.policy.evaluate import policy_names
from entrypoints.config import load_config
from ports.config import ConfigSource


def repo_names(repo: str, name: str | None) -> tuple[str, ...]:
    """The names the repository at `repo` is looked up by: `name` first, then its directory's.

    >>> repo_names("/work/checkout-1", "acme/api")
    ('acme/api', 'checkout-1')
    """
    directory = os.path.basename(os.path.normpath(os.path.abspath(repo)))
    return policy_names(name, directory)


def declared_gates_of(gates: GatesConfig, repo: str, name: str | None) -> tuple[DeclaredGate, ...]:
    """The declared gates of the repository at `repo` (known as `name`) in a `[gates]` section."""
    return declared_gates_for(gates, repo_names(repo, name))


def declared_gates_in(
    repo: str, name: str | None, *, config: str | None, source: ConfigSource | None = None
) -> Result[tuple[DeclaredGate, ...], ConfigError]:
    """Read the configuration file `config` and return the repository's declared gates."""
    loaded = load_config(config, source=source)
    if isinstance(loaded, Failure):
        return Failure(loaded.failure())
    return Success(declared_gates_of(loaded.unwrap().gates, repo, name))

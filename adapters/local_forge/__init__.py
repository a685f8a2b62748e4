"""The embedded local forge: bare git repositories and one SQLite file of issues and PRs."""

from adapters.local_forge.forge import LocalForge as LocalForge
from adapters.local_forge.store import LocalForgeStore as LocalForgeStore

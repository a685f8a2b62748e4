"""GitHub over httpx: the REST and GraphQL calls of the forge port."""

from adapters.github.forge import HttpxGitHubForge as HttpxGitHubForge
from adapters.github.forge import open_github_forge as open_github_forge

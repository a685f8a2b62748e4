"""Forges to run the forge contract suite against, each with the seeding a person would do.

A world is a forge (the port) plus the web-page actions the loop never takes: creating
repositories and issues as someone, labelling and editing as someone, pushing a branch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from adapters.github import open_github_forge
from adapters.local_forge import LocalForge, LocalForgeStore
from adapters.local_forge.repos import bare_path
from domain.forge.values import DraftPullRequest, Permission, RepoRef
from ports.forge import Forge
from tests.fakes.forge import FakeForge
from tests.support.github_server import TOKEN, GitHubTestServer
from tests.support.gitrepo import git, init_repo

REPO = RepoRef(owner="octo", name="hello")


class World(Protocol):
    """A forge under test and the seeding actions on it."""

    forge: Forge
    drafts_refusable: bool

    def create_repo(self, repo: RepoRef) -> None: ...
    def issue(
        self, repo: RepoRef, title: str, body: str, labels: tuple[str, ...], author: str
    ) -> int: ...
    def pull_item(self, repo: RepoRef, head: str) -> int: ...
    def label_as(self, repo: RepoRef, number: int, label: str, actor: str) -> None: ...
    def edit_as(
        self, repo: RepoRef, number: int, actor: str, title: str | None, body: str | None
    ) -> None: ...
    def comment_as(self, repo: RepoRef, number: int, body: str, author: str) -> None: ...
    def set_permission(self, repo: RepoRef, login: str, permission: Permission) -> None: ...
    def add_branch(self, repo: RepoRef, branch: str) -> None: ...
    def refuse_drafts(self, repo: RepoRef) -> None: ...
    def close(self) -> None: ...


class FakeWorld:
    """The in-memory fake."""

    drafts_refusable = True

    def __init__(self, fake: FakeForge | None = None) -> None:
        self.fake = fake or FakeForge()
        self.forge: Forge = self.fake

    def create_repo(self, repo: RepoRef) -> None:
        self.fake.create_repo(repo)

    def issue(
        self, repo: RepoRef, title: str, body: str, labels: tuple[str, ...], author: str
    ) -> int:
        return self.fake.create_issue(repo, title=title, body=body, labels=labels, author=author)

    def pull_item(self, repo: RepoRef, head: str) -> int:
        self.add_branch(repo, head)
        return self.fake.create_issue(
            repo, title=f"PR {head}", is_pull=True, head=head, base="main", draft=False
        )

    def label_as(self, repo: RepoRef, number: int, label: str, actor: str) -> None:
        self.fake.label_as(repo, number, label, actor)

    def edit_as(
        self, repo: RepoRef, number: int, actor: str, title: str | None, body: str | None
    ) -> None:
        self.fake.edit_as(repo, number, actor, title=title, body=body)

    def comment_as(self, repo: RepoRef, number: int, body: str, author: str) -> None:
        self.fake.comment_as(repo, number, body, author)

    def set_permission(self, repo: RepoRef, login: str, permission: Permission) -> None:
        state = self.fake.state(repo)
        assert state is not None
        state.permissions[login] = permission

    def add_branch(self, repo: RepoRef, branch: str) -> None:
        state = self.fake.state(repo)
        assert state is not None
        state.branches.add(branch)

    def refuse_drafts(self, repo: RepoRef) -> None:
        state = self.fake.state(repo)
        assert state is not None
        state.drafts_allowed = False

    def close(self) -> None:
        pass


class LocalWorld:
    """The embedded local forge in a temporary folder, its repositories imported from git."""

    drafts_refusable = False

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.store = LocalForgeStore(str(folder / "forge"))
        self.store.init().unwrap()
        self.forge: Forge = LocalForge(self.store)

    def create_repo(self, repo: RepoRef) -> None:
        source = init_repo(self.folder / "src" / repo.slug, {"README.md": "hello\n"})
        self.store.create_repo(repo, source=str(source)).unwrap()

    def issue(
        self, repo: RepoRef, title: str, body: str, labels: tuple[str, ...], author: str
    ) -> int:
        return self.store.create_item(repo, author, title=title, body=body, labels=labels).unwrap()

    def pull_item(self, repo: RepoRef, head: str) -> int:
        self.add_branch(repo, head)
        draft = DraftPullRequest(title=f"PR {head}", body="", head=head, base="main")
        return self.store.create_item(repo, repo.owner, title="PR", body="", pull=draft).unwrap()

    def label_as(self, repo: RepoRef, number: int, label: str, actor: str) -> None:
        self.store.add_labels(repo, number, (label,), actor).unwrap()

    def edit_as(
        self, repo: RepoRef, number: int, actor: str, title: str | None, body: str | None
    ) -> None:
        self.store.edit_issue(repo, number, actor, title=title, body=body).unwrap()

    def comment_as(self, repo: RepoRef, number: int, body: str, author: str) -> None:
        self.store.comment(repo, number, body, author).unwrap()

    def set_permission(self, repo: RepoRef, login: str, permission: Permission) -> None:
        self.store.set_permission(repo, login, permission).unwrap()

    def add_branch(self, repo: RepoRef, branch: str) -> None:
        git(Path(bare_path(self.store.folder, repo)), "branch", branch, "main")

    def refuse_drafts(self, repo: RepoRef) -> None:
        raise AssertionError("the local forge always allows drafts")

    def close(self) -> None:
        self.store.close()


class GitHubWorld(FakeWorld):
    """The GitHub adapter against the GitHub test server, whose state is a fake forge."""

    drafts_refusable = True

    def __init__(self, server: GitHubTestServer, sleeps: list[float] | None = None) -> None:
        super().__init__(server.fake)
        self.server = server
        self.sleeps: list[float] = [] if sleeps is None else sleeps

        async def sleep(delay: float) -> None:
            self.sleeps.append(delay)

        self.forge = open_github_forge(
            api_url=server.url,
            graphql_url=server.url + "/graphql",
            token=TOKEN,
            user_agent="engineering-loop/test",
            sleep=sleep,
        ).unwrap()

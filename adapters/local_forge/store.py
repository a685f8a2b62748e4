"""The local forge's records in SQLite: repositories, issues, PRs, labels, events, comments.

Every operation names its acting user; each write is one `BEGIN IMMEDIATE` transaction, so many
processes (the loop and a person at the CLI) can share the forge.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from returns.result import Failure, Result, Success

from adapters.local_forge import repos
from adapters.local_forge._db import DB_NAME, connect, transaction, unreadable
from domain.forge.values import (
    PERMISSIONS,
    DraftPullRequest,
    ForgeError,
    Issue,
    IssueComment,
    IssueEvent,
    LabelSpec,
    Permission,
    PullRequest,
    RepoFacts,
    RepoRef,
)

Clock = Callable[[], datetime]
T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _not_found(what: str) -> ForgeError:
    return ForgeError(code="forge-not-found", message=f"{what} does not exist on the local forge")


class _Missing(Exception):
    """Raised inside a transaction to roll it back with an error value."""

    def __init__(self, error: ForgeError) -> None:
        super().__init__(error.message)
        self.error = error


class LocalForgeStore:
    """One local forge folder: `forge.sqlite` and `repos/OWNER/NAME.git`."""

    def __init__(self, folder: str, *, clock: Clock = _now, busy_timeout_s: float = 30.0) -> None:
        """Name the folder; nothing is opened until the first operation."""
        self.folder = os.path.abspath(folder)
        self._clock = clock
        self._busy_timeout_s = busy_timeout_s
        self._connection: sqlite3.Connection | None = None

    @property
    def db_path(self) -> str:
        """The SQLite file."""
        return os.path.join(self.folder, DB_NAME)

    def close(self) -> None:
        """Close the connection."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def init(self) -> Result[str, ForgeError]:
        """Create the folder and the database (an existing forge is kept as it is)."""
        try:
            os.makedirs(os.path.join(self.folder, "repos"), exist_ok=True)
        except OSError as exc:
            return Failure(
                ForgeError(
                    code="forge-invalid-input", message=f"cannot create {self.folder}: {exc}"
                )
            )
        opened = self._open(create=True)
        return Failure(opened) if isinstance(opened, ForgeError) else Success(self.folder)

    def _open(self, *, create: bool = False) -> sqlite3.Connection | ForgeError:
        if self._connection is None:
            opened = connect(self.db_path, create=create, busy_timeout_s=self._busy_timeout_s)
            if isinstance(opened, ForgeError):
                return opened
            self._connection = opened
        return self._connection

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> Result[T, ForgeError]:
        """Run `work` in one write transaction; `_Missing` rolls back into its error value."""
        opened = self._open()
        if isinstance(opened, ForgeError):
            return Failure(opened)
        try:
            with transaction(opened):
                return Success(work(opened))
        except _Missing as missing:
            return Failure(missing.error)
        except sqlite3.Error as exc:
            return Failure(unreadable(self.db_path, str(exc)))

    # -- lookups used inside transactions ---------------------------------------------------------

    @staticmethod
    def _repo_id(db: sqlite3.Connection, repo: RepoRef) -> int:
        row = db.execute(
            "SELECT id FROM repos WHERE owner = ? AND name = ?", (repo.owner, repo.name)
        ).fetchone()
        if row is None:
            raise _Missing(_not_found(f"repository {repo.slug}"))
        return int(row[0])

    @staticmethod
    def _item(
        db: sqlite3.Connection, repo_id: int, number: int, *, pull: bool | None
    ) -> tuple[Any, ...]:
        row = db.execute(
            "SELECT number, is_pull, title, body, author, state, locked, created_at, updated_at,"
            " last_edited_at, draft, head, base FROM items WHERE repo_id = ? AND number = ?",
            (repo_id, number),
        ).fetchone()
        if row is None or (pull is not None and bool(row[1]) != pull):
            kind = "issue" if pull is False else "pull request" if pull else "item"
            raise _Missing(_not_found(f"{kind} #{number}"))
        return tuple(row)

    @staticmethod
    def _association(db: sqlite3.Connection, repo_id: int, owner: str, login: str) -> str:
        if login == owner:
            return "OWNER"
        row = db.execute(
            "SELECT permission FROM permissions WHERE repo_id = ? AND login = ?", (repo_id, login)
        ).fetchone()
        return "COLLABORATOR" if row is not None and row[0] != "none" else "NONE"

    def _issue(
        self, db: sqlite3.Connection, repo: RepoRef, repo_id: int, row: tuple[Any, ...]
    ) -> Issue:
        labels = db.execute(
            "SELECT name FROM item_labels WHERE repo_id = ? AND number = ? ORDER BY seq",
            (repo_id, row[0]),
        ).fetchall()
        return Issue(
            number=row[0],
            title=row[2],
            body=row[3],
            labels=tuple(name for (name,) in labels),
            state=row[5],
            locked=bool(row[6]),
            author=row[4],
            author_association=self._association(db, repo_id, repo.owner, row[4]),
            created_at=_when(row[7]),
            updated_at=_when(row[8]),
        )

    @staticmethod
    def _pull(repo: RepoRef, row: tuple[Any, ...]) -> PullRequest:
        return PullRequest(
            number=row[0],
            title=row[2],
            body=row[3],
            head=row[11],
            base=row[12],
            draft=bool(row[10]),
            state=row[5],
            url=f"local://{repo.owner}/{repo.name}/pull/{row[0]}",
        )

    def _label_name(self, db: sqlite3.Connection, repo_id: int, label: str) -> str:
        """The repository's spelling of `label`, creating the label when it is new (as GitHub)."""
        row = db.execute(
            "SELECT name FROM labels WHERE repo_id = ? AND name = ?", (repo_id, label)
        ).fetchone()
        if row is not None:
            return str(row[0])
        db.execute(
            "INSERT INTO labels (repo_id, name, color, description) VALUES (?, ?, 'ededed', '')",
            (repo_id, label),
        )
        return label

    def _touch(self, db: sqlite3.Connection, repo_id: int, number: int, at: str) -> None:
        db.execute(
            "UPDATE items SET updated_at = ? WHERE repo_id = ? AND number = ?",
            (at, repo_id, number),
        )

    # -- administration (the `forge local` commands) ----------------------------------------------

    def create_repo(self, repo: RepoRef, *, source: str | None) -> Result[RepoFacts, ForgeError]:
        """Register `repo` (owner admin), its bare repository imported from `source` if given."""
        opened = self._open()
        if isinstance(opened, ForgeError):
            return Failure(opened)
        if source is None:
            repos.create_empty(self.folder, repo)
            branch = "main"
        else:
            imported = repos.import_history(self.folder, repo, source)
            if isinstance(imported, Failure):
                return Failure(imported.failure())
            branch = imported.unwrap()

        def work(db: sqlite3.Connection) -> RepoFacts:
            exists = db.execute(
                "SELECT 1 FROM repos WHERE owner = ? AND name = ?", (repo.owner, repo.name)
            ).fetchone()
            if exists is not None:
                raise _Missing(
                    ForgeError(code="forge-rejected", message=f"{repo.slug} already exists")
                )
            cursor = db.execute(
                "INSERT INTO repos (owner, name, default_branch) VALUES (?, ?, ?)",
                (repo.owner, repo.name, branch),
            )
            db.execute(
                "INSERT INTO permissions (repo_id, login, permission) VALUES (?, ?, 'admin')",
                (cursor.lastrowid, repo.owner),
            )
            return RepoFacts(default_branch=branch, has_issues=True, archived=False, private=False)

        return self._run(work)

    def set_permission(
        self, repo: RepoRef, login: str, permission: str
    ) -> Result[Permission, ForgeError]:
        """Give `login` a permission on `repo` (`admin`, `write`, `read` or `none`)."""
        if permission not in PERMISSIONS:
            return Failure(
                ForgeError(
                    code="forge-invalid-input",
                    message=f"permission {permission!r} is not one of {', '.join(PERMISSIONS)}",
                )
            )

        def work(db: sqlite3.Connection) -> Permission:
            repo_id = self._repo_id(db, repo)
            db.execute(
                "INSERT INTO permissions (repo_id, login, permission) VALUES (?, ?, ?)"
                " ON CONFLICT (repo_id, login) DO UPDATE SET permission = excluded.permission",
                (repo_id, login, permission),
            )
            return next(p for p in PERMISSIONS if p == permission)

        return self._run(work)

    def create_item(
        self,
        repo: RepoRef,
        actor: str,
        *,
        title: str,
        body: str,
        labels: tuple[str, ...] = (),
        pull: DraftPullRequest | None = None,
    ) -> Result[int, ForgeError]:
        """Open an issue (or, given `pull`, a draft pull request); returns its number."""
        at = _instant(self._clock())
        if pull is not None:
            for branch in (pull.head, pull.base):
                if not repos.branch_exists(self.folder, repo, branch):
                    return Failure(
                        ForgeError(
                            code="forge-rejected",
                            message=f"branch {branch!r} does not exist in {repo.slug}; push it "
                            "first",
                        )
                    )

        def work(db: sqlite3.Connection) -> int:
            repo_id = self._repo_id(db, repo)
            if (
                pull is not None
                and db.execute(
                    "SELECT 1 FROM items WHERE repo_id = ? AND is_pull = 1 AND state = 'open'"
                    " AND head = ?",
                    (repo_id, pull.head),
                ).fetchone()
            ):
                raise _Missing(
                    ForgeError(
                        code="forge-rejected",
                        message=f"A pull request already exists for {repo.owner}:{pull.head}.",
                    )
                )
            (number,) = db.execute(
                "UPDATE repos SET next_number = next_number + 1 WHERE id = ?"
                " RETURNING next_number - 1",
                (repo_id,),
            ).fetchone()
            db.execute(
                "INSERT INTO items (repo_id, number, is_pull, title, body, author, created_at,"
                " updated_at, draft, head, base) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    repo_id,
                    number,
                    pull is not None,
                    title,
                    body,
                    actor,
                    at,
                    at,
                    pull is not None,
                    "" if pull is None else pull.head,
                    "" if pull is None else pull.base,
                ),
            )
            for label in labels:
                self._add_label(db, repo_id, number, label, actor=actor, at=at)
            return int(number)

        return self._run(work)

    def _add_label(
        self, db: sqlite3.Connection, repo_id: int, number: int, label: str, *, actor: str, at: str
    ) -> None:
        name = self._label_name(db, repo_id, label)
        added = db.execute(
            "INSERT OR IGNORE INTO item_labels (repo_id, number, name) VALUES (?, ?, ?)",
            (repo_id, number, name),
        ).rowcount
        if added:
            db.execute(
                "INSERT INTO events (repo_id, number, event, actor, label, created_at)"
                " VALUES (?, ?, 'labeled', ?, ?, ?)",
                (repo_id, number, actor, name, at),
            )
            self._touch(db, repo_id, number, at)

    def add_labels(
        self, repo: RepoRef, number: int, labels: tuple[str, ...], actor: str
    ) -> Result[None, ForgeError]:
        """`actor` adds labels to an issue or pull request (a `labeled` event each)."""
        at = _instant(self._clock())

        def work(db: sqlite3.Connection) -> None:
            repo_id = self._repo_id(db, repo)
            self._item(db, repo_id, number, pull=None)
            for label in labels:
                self._add_label(db, repo_id, number, label, actor=actor, at=at)

        return self._run(work)

    def remove_label(
        self, repo: RepoRef, number: int, label: str, actor: str
    ) -> Result[None, ForgeError]:
        """`actor` removes a label; one the item does not carry is no error."""
        at = _instant(self._clock())

        def work(db: sqlite3.Connection) -> None:
            repo_id = self._repo_id(db, repo)
            self._item(db, repo_id, number, pull=None)
            row = db.execute(
                "DELETE FROM item_labels WHERE repo_id = ? AND number = ? AND name = ?"
                " RETURNING name",
                (repo_id, number, label),
            ).fetchone()
            if row is not None:
                db.execute(
                    "INSERT INTO events (repo_id, number, event, actor, label, created_at)"
                    " VALUES (?, ?, 'unlabeled', ?, ?, ?)",
                    (repo_id, number, actor, row[0], at),
                )
                self._touch(db, repo_id, number, at)

        return self._run(work)

    def edit_issue(
        self, repo: RepoRef, number: int, actor: str, *, title: str | None, body: str | None
    ) -> Result[None, ForgeError]:
        """`actor` edits an issue's title and/or body; the edit time is kept."""
        at = _instant(self._clock())

        def work(db: sqlite3.Connection) -> None:
            repo_id = self._repo_id(db, repo)
            row = self._item(db, repo_id, number, pull=False)
            if title is not None and title != row[2]:
                db.execute(
                    "INSERT INTO events (repo_id, number, event, actor, rename_from, rename_to,"
                    " created_at) VALUES (?, ?, 'renamed', ?, ?, ?, ?)",
                    (repo_id, number, actor, row[2], title, at),
                )
            db.execute(
                "UPDATE items SET title = ?, body = ?, last_edited_at = ?, updated_at = ?"
                " WHERE repo_id = ? AND number = ?",
                (
                    row[2] if title is None else title,
                    row[3] if body is None else body,
                    at,
                    at,
                    repo_id,
                    number,
                ),
            )

        return self._run(work)

    def comment(
        self, repo: RepoRef, number: int, body: str, actor: str
    ) -> Result[IssueComment, ForgeError]:
        """`actor` comments on an issue or pull request."""
        at = _instant(self._clock())

        def work(db: sqlite3.Connection) -> IssueComment:
            repo_id = self._repo_id(db, repo)
            self._item(db, repo_id, number, pull=None)
            cursor = db.execute(
                "INSERT INTO comments (repo_id, number, author, body, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (repo_id, number, actor, body, at),
            )
            self._touch(db, repo_id, number, at)
            return IssueComment(
                id=int(cursor.lastrowid or 0),
                author=actor,
                author_association=self._association(db, repo_id, repo.owner, actor),
                body=body,
                created_at=_when(at),
            )

        return self._run(work)

    # -- reads ------------------------------------------------------------------------------------

    def repository(self, repo: RepoRef) -> Result[RepoFacts, ForgeError]:
        """The repository's facts."""

        def work(db: sqlite3.Connection) -> RepoFacts:
            row = db.execute(
                "SELECT default_branch, has_issues, archived, private FROM repos"
                " WHERE owner = ? AND name = ?",
                (repo.owner, repo.name),
            ).fetchone()
            if row is None:
                raise _Missing(_not_found(f"repository {repo.slug}"))
            return RepoFacts(
                default_branch=row[0],
                has_issues=bool(row[1]),
                archived=bool(row[2]),
                private=bool(row[3]),
            )

        return self._run(work)

    def open_issues_labelled(
        self, repo: RepoRef, label: str
    ) -> Result[tuple[Issue, ...], ForgeError]:
        """Open issues carrying `label`, newest first."""

        def work(db: sqlite3.Connection) -> tuple[Issue, ...]:
            repo_id = self._repo_id(db, repo)
            numbers = db.execute(
                "SELECT i.number FROM items AS i JOIN item_labels AS l"
                " ON l.repo_id = i.repo_id AND l.number = i.number"
                " WHERE i.repo_id = ? AND i.is_pull = 0 AND i.state = 'open' AND l.name = ?"
                " ORDER BY i.number DESC",
                (repo_id, label),
            ).fetchall()
            return tuple(
                self._issue(db, repo, repo_id, self._item(db, repo_id, n, pull=False))
                for (n,) in numbers
            )

        return self._run(work)

    def issue(self, repo: RepoRef, number: int) -> Result[Issue, ForgeError]:
        """One issue (a pull request's number is not found)."""

        def work(db: sqlite3.Connection) -> Issue:
            repo_id = self._repo_id(db, repo)
            return self._issue(db, repo, repo_id, self._item(db, repo_id, number, pull=False))

        return self._run(work)

    def issue_events(
        self, repo: RepoRef, number: int
    ) -> Result[tuple[IssueEvent, ...], ForgeError]:
        """Every event of an issue, oldest first."""

        def work(db: sqlite3.Connection) -> tuple[IssueEvent, ...]:
            repo_id = self._repo_id(db, repo)
            self._item(db, repo_id, number, pull=False)
            rows = db.execute(
                "SELECT event, actor, created_at, label, rename_from, rename_to FROM events"
                " WHERE repo_id = ? AND number = ? ORDER BY id",
                (repo_id, number),
            ).fetchall()
            return tuple(
                IssueEvent(
                    event=r[0],
                    actor=r[1],
                    created_at=_when(r[2]),
                    label=r[3],
                    rename_from=r[4],
                    rename_to=r[5],
                )
                for r in rows
            )

        return self._run(work)

    def issue_comments(
        self, repo: RepoRef, number: int
    ) -> Result[tuple[IssueComment, ...], ForgeError]:
        """Every comment of an issue, oldest first."""

        def work(db: sqlite3.Connection) -> tuple[IssueComment, ...]:
            repo_id = self._repo_id(db, repo)
            self._item(db, repo_id, number, pull=False)
            rows = db.execute(
                "SELECT id, author, body, created_at FROM comments"
                " WHERE repo_id = ? AND number = ? ORDER BY id",
                (repo_id, number),
            ).fetchall()
            return tuple(
                IssueComment(
                    id=r[0],
                    author=r[1],
                    author_association=self._association(db, repo_id, repo.owner, r[1]),
                    body=r[2],
                    created_at=_when(r[3]),
                )
                for r in rows
            )

        return self._run(work)

    def issue_last_edited(self, repo: RepoRef, number: int) -> Result[datetime | None, ForgeError]:
        """When the issue's title or body was last edited."""

        def work(db: sqlite3.Connection) -> datetime | None:
            repo_id = self._repo_id(db, repo)
            edited = self._item(db, repo_id, number, pull=False)[9]
            return None if edited is None else _when(edited)

        return self._run(work)

    def permission(self, repo: RepoRef, login: str) -> Result[Permission, ForgeError]:
        """`login`'s permission (`none` for strangers)."""

        def work(db: sqlite3.Connection) -> Permission:
            repo_id = self._repo_id(db, repo)
            row = db.execute(
                "SELECT permission FROM permissions WHERE repo_id = ? AND login = ?",
                (repo_id, login),
            ).fetchone()
            found = "none" if row is None else row[0]
            return next(p for p in PERMISSIONS if p == found)

        return self._run(work)

    def repository_labels(self, repo: RepoRef) -> Result[tuple[str, ...], ForgeError]:
        """The names of the repository's labels, in the order they were made."""

        def work(db: sqlite3.Connection) -> tuple[str, ...]:
            repo_id = self._repo_id(db, repo)
            rows = db.execute(
                "SELECT name FROM labels WHERE repo_id = ? ORDER BY rowid", (repo_id,)
            ).fetchall()
            return tuple(name for (name,) in rows)

        return self._run(work)

    def ensure_labels(
        self, repo: RepoRef, labels: tuple[LabelSpec, ...]
    ) -> Result[tuple[str, ...], ForgeError]:
        """Create the repository labels that are missing."""

        def work(db: sqlite3.Connection) -> tuple[str, ...]:
            repo_id = self._repo_id(db, repo)
            created = []
            for spec in labels:
                if db.execute(
                    "INSERT OR IGNORE INTO labels (repo_id, name, color, description)"
                    " VALUES (?, ?, ?, ?)",
                    (repo_id, spec.name, spec.color, spec.description),
                ).rowcount:
                    created.append(spec.name)
            return tuple(created)

        return self._run(work)

    def pull_requests(
        self, repo: RepoRef | None, *, head: str | None = None
    ) -> Result[tuple[tuple[RepoRef, PullRequest], ...], ForgeError]:
        """Pull requests of one repository (or of all), optionally only open ones from `head`."""

        def work(db: sqlite3.Connection) -> tuple[tuple[RepoRef, PullRequest], ...]:
            where, params = "i.is_pull = 1", list[int | str]()
            if repo is not None:
                where += " AND i.repo_id = ?"
                params.append(self._repo_id(db, repo))
            if head is not None:
                where += " AND i.state = 'open' AND i.head = ?"
                params.append(head)
            rows = db.execute(
                "SELECT r.owner, r.name, i.number, i.is_pull, i.title, i.body, i.author, i.state,"
                " i.locked, i.created_at, i.updated_at, i.last_edited_at, i.draft, i.head, i.base"
                " FROM items AS i JOIN repos AS r ON r.id = i.repo_id"
                f" WHERE {where} ORDER BY r.owner, r.name, i.number",
                params,
            ).fetchall()
            return tuple(
                (
                    RepoRef(owner=r[0], name=r[1]),
                    self._pull(RepoRef(owner=r[0], name=r[1]), tuple(r[2:])),
                )
                for r in rows
            )

        return self._run(work)

    def pull_request(self, repo: RepoRef, number: int) -> Result[PullRequest, ForgeError]:
        """One pull request."""

        def work(db: sqlite3.Connection) -> PullRequest:
            repo_id = self._repo_id(db, repo)
            return self._pull(repo, self._item(db, repo_id, number, pull=True))

        return self._run(work)

    def update_pull_request(
        self, repo: RepoRef, number: int, *, title: str, body: str
    ) -> Result[PullRequest, ForgeError]:
        """Replace a pull request's title and body."""
        at = _instant(self._clock())

        def work(db: sqlite3.Connection) -> PullRequest:
            repo_id = self._repo_id(db, repo)
            self._item(db, repo_id, number, pull=True)
            db.execute(
                "UPDATE items SET title = ?, body = ?, updated_at = ?"
                " WHERE repo_id = ? AND number = ?",
                (title, body, at, repo_id, number),
            )
            return self._pull(repo, self._item(db, repo_id, number, pull=True))

        return self._run(work)

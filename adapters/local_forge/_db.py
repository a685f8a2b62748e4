"""The local forge's SQLite file: WAL, a versioned schema, every write in one transaction."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator

from domain.forge.values import ForgeError

DB_NAME = "forge.sqlite"
SCHEMA_VERSION = 1
# "ELFg" in the SQLite header: tells a local forge apart from any other SQLite file.
APPLICATION_ID = 0x454C4667

_SCHEMA = f"""
PRAGMA application_id = {APPLICATION_ID};
PRAGMA user_version = {SCHEMA_VERSION};
CREATE TABLE repos (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    default_branch TEXT NOT NULL,
    private INTEGER NOT NULL DEFAULT 0,
    archived INTEGER NOT NULL DEFAULT 0,
    has_issues INTEGER NOT NULL DEFAULT 1,
    next_number INTEGER NOT NULL DEFAULT 1,
    UNIQUE (owner, name)
);
CREATE TABLE permissions (
    repo_id INTEGER NOT NULL REFERENCES repos (id),
    login TEXT NOT NULL,
    permission TEXT NOT NULL CHECK (permission IN ('admin', 'write', 'read', 'none')),
    PRIMARY KEY (repo_id, login)
);
CREATE TABLE labels (
    repo_id INTEGER NOT NULL REFERENCES repos (id),
    name TEXT NOT NULL COLLATE NOCASE,
    color TEXT NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (repo_id, name)
);
-- Issues and pull requests share one sequence of numbers per repository, as on GitHub.
CREATE TABLE items (
    repo_id INTEGER NOT NULL REFERENCES repos (id),
    number INTEGER NOT NULL,
    is_pull INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    author TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    locked INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_edited_at TEXT,
    draft INTEGER NOT NULL DEFAULT 0,
    head TEXT NOT NULL DEFAULT '',
    base TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (repo_id, number)
);
CREATE TABLE item_labels (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    repo_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    name TEXT NOT NULL COLLATE NOCASE,
    UNIQUE (repo_id, number, name)
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    repo_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    event TEXT NOT NULL,
    actor TEXT NOT NULL,
    label TEXT,
    rename_from TEXT,
    rename_to TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    repo_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX events_by_item ON events (repo_id, number);
CREATE INDEX comments_by_item ON comments (repo_id, number);
"""


def unreadable(path: str, why: str) -> ForgeError:
    """The store cannot be used: never read as an empty forge."""
    return ForgeError(
        code="forge-store-unreadable",
        message=f"{path} is not a local forge this version can read ({why}); "
        "move it aside or point --dir elsewhere",
    )


def missing(folder: str) -> ForgeError:
    """No forge was initialised in `folder`."""
    return ForgeError(
        code="forge-not-found",
        message=f"no local forge in {folder}; run `engineering-loop forge local init "
        f"--dir {folder}` first",
    )


def connect(path: str, *, create: bool, busy_timeout_s: float) -> sqlite3.Connection | ForgeError:
    """Open (or with `create`, make) the forge database and check its schema."""
    if not create and not os.path.exists(path):
        return missing(os.path.dirname(path))
    try:
        connection = sqlite3.connect(
            path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        return unreadable(path, str(exc))
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        with transaction(connection):
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            app = connection.execute("PRAGMA application_id").fetchone()[0]
            tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if version == 0 and app == 0 and tables == 0:
                if not create:
                    connection.close()
                    return missing(os.path.dirname(path))
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        connection.execute(statement)
            elif app != APPLICATION_ID or version != SCHEMA_VERSION:
                connection.close()
                return unreadable(path, f"application id {app:#x}, schema {version}")
        connection.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as exc:
        connection.close()
        return unreadable(path, str(exc))
    return connection


@contextlib.contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """`BEGIN IMMEDIATE` ... `COMMIT`, rolled back on any exception."""
    connection.execute("BEGIN IMMEDIATE")
    committed = False
    try:
        yield
        connection.execute("COMMIT")
        committed = True
    finally:
        if not committed and connection.in_transaction:
            connection.execute("ROLLBACK")

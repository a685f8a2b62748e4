"""The local forge's SQLite file: shared by processes, versioned, never read as empty when not
ours."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from adapters.local_forge import LocalForgeStore
from adapters.local_forge._db import APPLICATION_ID
from domain.forge.values import RepoRef
from tests.support.gitrepo import init_repo

REPO = RepoRef(owner="octo", name="hello")


def _forge(tmp_path: Path) -> Path:
    folder = tmp_path / "forge"
    store = LocalForgeStore(str(folder))
    store.init().unwrap()
    source = init_repo(tmp_path / "src", {"a": "a\n"})
    store.create_repo(REPO, source=str(source)).unwrap()
    store.close()
    return folder


def test_two_writers_at_once_never_share_a_number(tmp_path: Path) -> None:
    folder = _forge(tmp_path)
    numbers: list[int] = []
    lock = threading.Lock()

    def open_issues(who: str) -> None:
        store = LocalForgeStore(str(folder))
        for n in range(40):
            made = store.create_item(REPO, who, title=f"{who} {n}", body="").unwrap()
            with lock:
                numbers.append(made)
        store.close()

    threads = [threading.Thread(target=open_issues, args=(who,)) for who in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == list(range(1, 121))


def test_the_database_is_in_wal_mode_with_our_schema_version(tmp_path: Path) -> None:
    folder = _forge(tmp_path)
    with sqlite3.connect(folder / "forge.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1


def test_a_newer_schema_is_unreadable_not_empty(tmp_path: Path) -> None:
    folder = _forge(tmp_path)
    with sqlite3.connect(folder / "forge.sqlite") as db:
        db.execute("PRAGMA user_version = 2")
    error = LocalForgeStore(str(folder)).repository(REPO).failure()
    assert error.code == "forge-store-unreadable"


def test_another_sqlite_file_is_unreadable_not_empty(tmp_path: Path) -> None:
    (tmp_path / "forge").mkdir()
    with sqlite3.connect(tmp_path / "forge" / "forge.sqlite") as db:
        db.execute("CREATE TABLE other (x)")
    store = LocalForgeStore(str(tmp_path / "forge"))
    assert store.init().failure().code == "forge-store-unreadable"
    assert store.pull_requests(None).failure().code == "forge-store-unreadable"


def test_labelling_a_missing_issue_creates_no_label(tmp_path: Path) -> None:
    folder = _forge(tmp_path)
    store = LocalForgeStore(str(folder))
    assert store.add_labels(REPO, 5, ("x",), "octo").failure().code == "forge-not-found"
    with sqlite3.connect(folder / "forge.sqlite") as db:
        assert db.execute("SELECT count(*) FROM labels").fetchone()[0] == 0

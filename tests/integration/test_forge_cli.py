"""`forge local ...` end to end (in-process) on a real local forge folder, and the wiring of
the configured forge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest

from domain.forge.config import ForgeSettings
from domain.forge.values import DraftPullRequest, RepoRef
from entrypoints import bootstrap
from entrypoints.api.forge import open_forge
from entrypoints.cli.main import main
from tests.support.gitrepo import git, init_repo

REPO = RepoRef(owner="octo", name="hello")


@pytest.fixture(autouse=True)
def in_empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    try:
        code = main([*argv, "--dir", "forge", "--json"])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, json.loads(capsys.readouterr().out)


def ok(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out = run(capsys, *argv)
    assert code == 0, out
    return out


@pytest.fixture
def forge(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    init_repo(tmp_path / "src", {"README.md": "hello\n"})
    ok(capsys, "forge", "local", "init")
    ok(capsys, "forge", "local", "repo", "create", "octo/hello", "--from", "src")
    return tmp_path / "forge"


def test_init_makes_one_sqlite_file_and_the_repository_is_a_bare_clone(
    capsys: pytest.CaptureFixture[str], forge: Path, tmp_path: Path
) -> None:
    assert (forge / "forge.sqlite").is_file()
    bare = forge / "repos" / "octo" / "hello.git"
    assert git(bare, "rev-parse", "--is-bare-repository").strip() == "true"
    assert git(bare, "rev-parse", "main") == git(tmp_path / "src", "rev-parse", "main")
    # Init again keeps what is there.
    ok(capsys, "forge", "local", "init")
    assert git(bare, "rev-parse", "main") == git(tmp_path / "src", "rev-parse", "main")


def test_an_issue_is_created_labelled_edited_commented_and_shown_verbatim(
    capsys: pytest.CaptureFixture[str], forge: Path, tmp_path: Path
) -> None:
    body = "Body\r\n\n  with `code` and ünïcode\n"
    (tmp_path / "body.md").write_bytes(body.encode())
    ok(capsys, "forge", "local", "user", "set", "octo/hello", "alice", "write")
    made = ok(
        capsys, "forge", "local", "issue", "create", "octo/hello", "--title", "T",
        "--body-file", "body.md", "--label", "loop:approved",
    )  # fmt: skip
    number = str(made["number"])
    ok(capsys, "forge", "local", "issue", "label", "octo/hello", number, "bug", "--as", "alice")
    ok(capsys, "forge", "local", "issue", "edit", "octo/hello", number, "--title", "T2")
    ok(
        capsys, "forge", "local", "issue", "comment", "octo/hello", number,
        "--body-file", "body.md", "--as", "alice",
    )  # fmt: skip
    shown = ok(capsys, "forge", "local", "issue", "show", "octo/hello", number)
    assert shown["issue"]["body"] == body
    assert shown["issue"]["title"] == "T2"
    assert shown["issue"]["labels"] == ["loop:approved", "bug"]
    assert [(e["event"], e["actor"]) for e in shown["events"]] == [
        ("labeled", "octo"),
        ("labeled", "alice"),
        ("renamed", "octo"),
    ]
    assert shown["comments"][0]["body"] == body
    assert shown["comments"][0]["author_association"] == "COLLABORATOR"
    assert shown["last_edited_at"] is not None


def test_a_draft_the_loop_opens_is_listed_and_shown_with_a_local_url(
    capsys: pytest.CaptureFixture[str], forge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(forge / "repos" / "octo" / "hello.git", "branch", "loop/issue-1", "main")
    opened = bootstrap.forge(ForgeSettings(path=str(forge)), {}).unwrap()[0]
    draft = DraftPullRequest(title="Fix", body="Closes #1\n", head="loop/issue-1", base="main")
    anyio.run(opened.create_draft_pull_request, REPO, draft).unwrap()
    listed = ok(capsys, "forge", "local", "pr", "list")
    assert listed == [
        {
            "number": 1,
            "title": "Fix",
            "head": "loop/issue-1",
            "base": "main",
            "draft": True,
            "state": "open",
            "url": "local://octo/hello/pull/1",
        }
    ]
    assert ok(capsys, "forge", "local", "pr", "list", "octo/hello") == listed
    shown = ok(capsys, "forge", "local", "pr", "show", "octo/hello", "1")
    assert shown == {**listed[0], "body": "Closes #1\n"}


@pytest.mark.parametrize(
    ("argv", "code", "exit_code"),
    [
        (("issue", "show", "octo/hello", "7"), "forge-not-found", 1),
        (("issue", "show", "nope", "1"), "forge-invalid-input", 2),
        (("user", "set", "octo/hello", "bob", "owner"), "forge-invalid-input", 2),
        (("repo", "create", "octo/hello", "--from", "src"), "forge-rejected", 1),
        (("repo", "create", "octo/other", "--from", "missing"), "forge-invalid-input", 2),
        (("issue", "create", "octo/hello", "--title", "t", "--body-file", "nofile"),
         "forge-invalid-input", 2),
        (("issue", "edit", "octo/hello", "1"), "usage-error", 2),
    ],
)  # fmt: skip
def test_bad_input_is_one_error_object_never_a_traceback(
    capsys: pytest.CaptureFixture[str],
    forge: Path,
    argv: tuple[str, ...],
    code: str,
    exit_code: int,
) -> None:
    status, out = run(capsys, "forge", "local", *argv)
    assert (status, out["error"]["code"]) == (exit_code, code), out


def test_an_uninitialised_folder_says_to_run_init(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(capsys, "forge", "local", "pr", "list")
    assert (status, out["error"]["code"]) == (1, "forge-not-found")
    assert "forge local init" in out["error"]["message"]


def test_a_file_that_is_no_local_forge_is_unreadable_not_empty(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "forge").mkdir()
    (tmp_path / "forge" / "forge.sqlite").write_bytes(
        b"not a database at all, not even close" * 200
    )
    status, out = run(capsys, "forge", "local", "pr", "list")
    assert (status, out["error"]["code"]) == (1, "forge-store-unreadable")


def test_the_default_local_forge_is_under_the_xdg_data_home(tmp_path: Path) -> None:
    settings = open_forge(environ={"XDG_DATA_HOME": str(tmp_path / "data")})
    forge, _ = settings.unwrap()
    error = anyio.run(forge.repository, REPO).failure()
    assert error.code == "forge-not-found"
    assert str(tmp_path / "data" / "engineering-loop" / "forge") in error.message


def test_a_github_forge_needs_its_token_and_safe_urls(tmp_path: Path) -> None:
    (tmp_path / "engineering-loop.toml").write_text('[forge]\nkind = "github"\n')
    assert open_forge(environ={}).failure().code == "forge-token-missing"
    opened = open_forge(environ={"GITHUB_TOKEN": "t0ken"})
    assert opened.unwrap()[0].__class__.__name__ == "HttpxGitHubForge"
    (tmp_path / "engineering-loop.toml").write_text(
        '[forge]\nkind = "github"\ngit_url = "http://git.example"\ntoken_env = "MY_TOKEN"\n'
    )
    assert open_forge(environ={"MY_TOKEN": "t0ken"}).failure().code == "forge-insecure-url"

"""`BwrapHost` on the real file system: run folders, settings copies, and the facts it reads."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import anyio

from adapters.bwrap_host import BwrapHost
from domain.sandbox.layout import RunFolder, SettingsCopy
from tests.support.sandbox import require_bwrap


def test_a_run_folder_is_private_and_holds_an_empty_home_tmp_and_uv_cache(tmp_path: Path) -> None:
    folder = BwrapHost().new_run_folder(str(tmp_path / "runs")).unwrap()
    assert stat.S_IMODE(os.stat(folder.root).st_mode) == 0o700
    for path in (folder.home, folder.tmp, folder.uv_cache):
        assert os.listdir(path) == []
    assert BwrapHost().new_run_folder(str(tmp_path / "runs")).unwrap() != folder


def test_a_run_folder_is_removed_even_when_the_run_made_it_read_only(tmp_path: Path) -> None:
    folder = BwrapHost().new_run_folder(str(tmp_path)).unwrap()
    locked = Path(folder.home) / "locked"
    locked.mkdir()
    (locked / "file").write_text("x")
    locked.chmod(0o500)
    BwrapHost().remove_run_folder(folder)
    assert not os.path.exists(folder.root)


def test_settings_are_copied_without_other_runs_sessions(tmp_path: Path) -> None:
    source = tmp_path / "agent"
    (source / "sessions").mkdir(parents=True)
    (source / "sessions" / "old.jsonl").write_text("another run's transcript")
    (source / "models.json").write_text("{}")
    (source / "themes").mkdir()
    (source / "themes" / "sessions").write_text("a theme, not the sessions folder")
    dest = tmp_path / "run" / "home" / ".pi" / "agent"
    copy = SettingsCopy(
        variable="PI_CODING_AGENT_DIR",
        source=str(source),
        dest=str(dest),
        skip=frozenset({"sessions"}),
    )
    assert BwrapHost().copy_settings(copy).unwrap() is True
    assert sorted(os.listdir(dest)) == ["models.json", "themes"]
    assert (dest / "themes" / "sessions").is_file()


def test_a_missing_settings_folder_is_nothing_to_copy(tmp_path: Path) -> None:
    copy = SettingsCopy(variable="X", source=str(tmp_path / "none"), dest=str(tmp_path / "d"))
    assert BwrapHost().copy_settings(copy).unwrap() is False


def test_the_base_interpreter_is_read_from_pyvenv_cfg(tmp_path: Path) -> None:
    (tmp_path / "pyvenv.cfg").write_text("home = /opt/python/bin\nversion_info = 3.11.7\n")
    assert BwrapHost().venv_home(str(tmp_path)) == "/opt/python/bin"
    assert BwrapHost().venv_home(str(tmp_path / "missing")) is None


def test_entries_existing_and_locate(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a").write_text("")
    host = BwrapHost()
    assert host.entries(str(tmp_path)) == ("a", "b")
    assert host.entries(str(tmp_path / "missing")) == ()
    assert host.existing([str(tmp_path / "b"), str(tmp_path / "c")]) == (str(tmp_path / "b"),)
    assert host.locate("sh", "/usr/bin:/bin") in ("/usr/bin/sh", "/bin/sh")
    assert host.locate("sh", "/nonexistent") is None


def test_the_probe_finds_a_working_bwrap_or_names_the_problem() -> None:
    require_bwrap()
    assert anyio.run(BwrapHost().probe, "/usr/bin:/bin").unwrap().endswith("/bwrap")
    missing = anyio.run(BwrapHost().probe, "/nonexistent")
    assert "not installed" in missing.failure()


def test_run_folder_paths_are_below_its_root() -> None:
    folder = RunFolder(root="/r/run-1")
    assert (folder.home, folder.tmp, folder.uv_cache) == (
        "/r/run-1/home",
        "/r/run-1/tmp",
        "/r/run-1/uv-cache",
    )

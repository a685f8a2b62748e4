"""The shipped systemd unit and timer: the real `systemd-analyze verify` reads them without a
warning, `loop service-check` accepts the unit with the default configuration and refuses units
the loop cannot run under; the unit parser agrees with systemd on continued lines."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from returns.pipeline import is_successful

from domain.loop.unit_file import parse_unit_file
from entrypoints.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "examples" / "systemd" / "engineering-loop.service"
TIMER = ROOT / "examples" / "systemd" / "engineering-loop.timer"
INSTALLED = "/opt/engineering-loop/.venv/bin/engineering-loop"
needs_systemd = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="needs systemd-analyze (Debian: systemd)"
)


@pytest.fixture(autouse=True)
def in_empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    try:
        code = main([*argv, "--json"])
    except SystemExit as exit_:  # argparse's usage errors leave through SystemExit
        code = int(exit_.code or 0)
    return code, json.loads(capsys.readouterr().out)


def unit_with(tmp_path: Path, old: str, new: str) -> Path:
    text = UNIT.read_text()
    assert old in text
    path = tmp_path / "engineering-loop.service"
    path.write_text(text.replace(old, new))
    return path


def _verify(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemd-analyze", "verify", *map(str, paths)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


@needs_systemd
def test_systemd_reads_the_shipped_unit_and_timer_without_a_warning(tmp_path: Path) -> None:
    # verify insists that ExecStart's binary exists: point it at this checkout's console script.
    binary = Path(sys.executable).parent / "engineering-loop"
    unit = unit_with(tmp_path, INSTALLED, str(binary))
    timer = tmp_path / "engineering-loop.timer"
    shutil.copy(TIMER, timer)
    done = _verify(unit, timer)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


@needs_systemd
def test_systemd_verify_would_catch_a_misspelt_setting(tmp_path: Path) -> None:
    binary = Path(sys.executable).parent / "engineering-loop"
    unit = unit_with(tmp_path, INSTALLED, str(binary))
    unit.write_text(unit.read_text().replace("ProtectHome=", "ProtectHom="))
    assert "Unknown key" in _verify(unit).stderr


def test_the_shipped_unit_has_the_hardening_and_the_token_file_it_promises() -> None:
    service = {(a.key, a.value) for a in parse_unit_file(UNIT.read_text()).unwrap().assignments}
    for setting in [
        ("Type", "oneshot"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "read-only"),
        ("PrivateTmp", "yes"),
        ("ReadWritePaths", "/var/lib/engineering-loop"),
        ("EnvironmentFile", "/etc/engineering-loop/environment"),
        ("Environment", "UV_CACHE_DIR=/var/lib/engineering-loop/cache/uv"),
        ("Environment", "XDG_CACHE_HOME=/var/lib/engineering-loop/cache"),
    ]:
        assert setting in service
    assert "owned by root with mode 0600" in UNIT.read_text()
    timer = {(a.key, a.value) for a in parse_unit_file(TIMER.read_text()).unwrap().assignments}
    assert {("OnCalendar", "hourly"), ("Persistent", "true")} <= timer
    assert "RandomizedDelaySec" in {key for key, _ in timer}


def test_service_check_accepts_the_shipped_unit_with_the_default_configuration(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run(capsys, "loop", "service-check", "--unit", str(UNIT))
    assert code == 0, out
    assert out["ok"] is True
    assert (out["required_s"], out["timeout_key"]) == (3900, "TimeoutStartSec")
    assert out["timeout_s"] >= 3900
    assert out["config"] is None
    assert "default configuration" in out["notices"][0]


def test_service_check_accepts_the_shipped_unit_with_the_example_configuration(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = ROOT / "examples" / "engineering-loop.toml"
    code, out = run(capsys, "loop", "service-check", "--unit", str(UNIT), "--config", str(config))
    assert (code, out["config"], out["notices"]) == (0, str(config), [])


def test_a_too_short_timeout_is_refused_with_exit_3_and_the_minimum(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unit = unit_with(tmp_path, "TimeoutStartSec=1h 15min", "TimeoutStartSec=60min")
    code, out = run(capsys, "loop", "service-check", "--unit", str(unit))
    assert code == 3
    assert out["error"]["code"] == "service-timeout-too-short"
    assert "3900 s" in out["error"]["message"]


def test_a_larger_configuration_makes_the_shipped_timeout_too_short(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "engineering-loop.toml"
    config.write_text("[loop]\nmax_runs_per_cycle = 2\n")
    code, out = run(capsys, "loop", "service-check", "--unit", str(UNIT), "--config", str(config))
    assert (code, out["error"]["code"]) == (3, "service-timeout-too-short")
    assert "7500 s" in out["error"]["message"]


def test_timeout_sec_in_spans_is_read_and_infinity_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unit = unit_with(tmp_path, "TimeoutStartSec=1h 15min", "TimeoutSec=1h 30min")
    code, out = run(capsys, "loop", "service-check", "--unit", str(unit))
    assert (code, out["timeout_key"], out["timeout_s"]) == (0, "TimeoutSec", 5400)
    unit = unit_with(tmp_path, "TimeoutStartSec=1h 15min", "TimeoutStartSec=infinity")
    code, out = run(capsys, "loop", "service-check", "--unit", str(unit))
    assert (code, out["timeout_s"]) == (0, None)


def test_no_timeout_is_accepted_with_a_notice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unit = unit_with(tmp_path, "TimeoutStartSec=1h 15min", "")
    code, out = run(capsys, "loop", "service-check", "--unit", str(unit))
    assert (code, out["timeout_key"]) == (0, None)
    assert any("no TimeoutStartSec" in notice for notice in out["notices"])


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("Type=oneshot", "Type=simple", "service-not-oneshot"),
        ("daemon --once", "daemon", "service-not-daemon-once"),
        ("[Service]", "Service", "service-unit-invalid"),
        (
            "TimeoutStartSec=1h 15min",
            "TimeoutStartSec=75 minutes please",
            "service-timeout-invalid",
        ),
    ],
)
def test_a_unit_the_loop_cannot_run_under_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, error: str
) -> None:
    unit = unit_with(tmp_path, old, new)
    code, out = run(capsys, "loop", "service-check", "--unit", str(unit))
    assert (code, out["error"]["code"]) == (2, error)


def test_a_missing_or_binary_unit_is_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "loop", "service-check", "--unit", str(tmp_path / "nope.service"))
    assert (code, out["error"]["code"]) == (2, "service-unit-unreadable")
    (tmp_path / "bad.service").write_bytes(b"[Service]\nType=\xff\n")
    code, out = run(capsys, "loop", "service-check", "--unit", str(tmp_path / "bad.service"))
    assert (code, out["error"]["code"]) == (2, "service-unit-unreadable")


def test_a_bad_configuration_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "engineering-loop.toml"
    config.write_text("[loop]\nmax_runs_per_cycles = 2\n")
    code, out = run(capsys, "loop", "service-check", "--unit", str(UNIT), "--config", str(config))
    assert (code, out["error"]["code"]) == (2, "config-invalid")


def test_the_summary_names_the_timeout_and_what_a_cycle_needs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["loop", "service-check", "--unit", str(UNIT)]) == 0
    out = capsys.readouterr().out
    assert "TimeoutStartSec at line" in out
    assert "4500 s (1h 15min)" in out
    assert "needs:   3900 s" in out


# Values systemd cannot parse appear verbatim in its warning, joined as it joined them.
_PIECE = st.text(alphabet=st.sampled_from("ax= \t\\"), min_size=1, max_size=5)
_WARNING = re.compile(r":(\d+): Failed to parse TimeoutStartSec= parameter, ignoring: (.*)$")
_MISSING = re.compile(r":(\d+): Missing '=', ignoring line")


def _systemd_reads(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """What systemd warns about `text`: unparseable timeouts (line, value), lines without '='."""
    folder = Path(tempfile.mkdtemp())
    try:
        unit = folder / "probe.service"
        unit.write_bytes(text.encode())
        stderr = _verify(unit).stderr.splitlines()
    finally:
        shutil.rmtree(folder)
    timeouts = [found.groups() for line in stderr if (found := _WARNING.search(line))]
    missing = [found.group(1) for line in stderr if (found := _MISSING.search(line))]
    return [(line, value) for line, value in timeouts], missing


@needs_systemd
@settings(max_examples=25, deadline=None)
@given(st.lists(_PIECE, min_size=1, max_size=3), st.sampled_from(["\n", "\r\n"]))
@example(["1x \\", "# comment", "  2y\\\\"], "\n")
@example(["a\\", "", "b"], "\n")
@example(["a\\", "  ; c", "b \\"], "\r\n")
def test_continued_lines_join_as_systemd_joins_them(pieces: list[str], newline: str) -> None:
    # An 'x' in the value makes it unparseable, so systemd prints how it read it.
    lines = ["[Service]", "Type=oneshot", "ExecStart=/bin/true", "TimeoutStartSec=x" + pieces[0]]
    text = newline.join([*lines, *pieces[1:], "Description=end", ""])
    timeouts, missing = _systemd_reads(text)
    parsed = parse_unit_file(text)
    if not is_successful(parsed):
        # We refuse the first line systemd would skip for want of an '='.
        assert missing, parsed.failure().message
        assert f"line {missing[0]}:" in parsed.failure().message
        return
    ours = parsed.unwrap().assigned("Service", "TimeoutStartSec")
    assert (timeouts, missing) == ([(str(a.line), a.value) for a in ours], [])


def test_a_state_folder_the_unit_leaves_read_only_is_accepted_with_a_notice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "engineering-loop.toml"
    config.write_text('[loop]\nstate_dir = "/srv/engineering-loop"\n')
    code, out = run(capsys, "loop", "service-check", "--unit", str(UNIT), "--config", str(config))
    assert code == 0
    assert len(out["notices"]) == 1
    assert "/srv/engineering-loop is read-only under ProtectSystem=strict" in out["notices"][0]

"""What a test that needs the real bubblewrap does when it is missing, and the probe it runs.

`scripts/test.sh` installs bubblewrap when it can (root with apt) and then sets
`ENGINEERING_LOOP_REQUIRE_SANDBOX=1`: there, and on CI, a missing bwrap fails the test.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

REQUIRE_VARIABLE = "ENGINEERING_LOOP_REQUIRE_SANDBOX"


def sandbox_required() -> bool:
    """True on CI and under the test command, which installs bubblewrap when it can."""
    return bool(os.environ.get("CI") or os.environ.get(REQUIRE_VARIABLE))


def missing_sandbox(reason: str) -> NoReturn:
    """Fail when the sandbox is required, else skip with `reason`."""
    if sandbox_required():
        pytest.fail(reason)
    pytest.skip(reason)


def require_bwrap() -> str:
    """The bwrap path; a missing one fails or skips the test (`missing_sandbox`)."""
    found = shutil.which("bwrap")
    if found is None:
        missing_sandbox(
            "bubblewrap is not installed; run `bash scripts/test.sh` as root (it installs it) "
            "or `apt-get install bubblewrap`"
        )
    return found


@dataclass
class Planted:
    """A fake user's world: secrets in its home, the loop's files, another run's clone."""

    root: Path
    home: Path
    config: Path
    ledger: Path
    state: Path
    clone: Path
    other_clone: Path
    host_tmp_target: Path
    secret: str
    sleep_seconds: str

    def environ(self, path: str) -> dict[str, str]:
        """The loop's environment: the fake home and a planted token."""
        return {
            "PATH": path,
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "GITHUB_TOKEN": self.secret,
            "ENGINEERING_LOOP_PLANTED": self.secret,
        }


def plant(root: Path, tag: str) -> Planted:
    """Plant secrets under `root` (never the real home) and return where everything is."""
    secret = f"planted-secret-{tag}"
    home = root / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text(f"-----BEGIN OPENSSH PRIVATE KEY----- {secret}\n")
    (home / ".config" / "gh").mkdir(parents=True)
    (home / ".config" / "gh" / "hosts.yml").write_text(f"github.com:\n  oauth_token: {secret}\n")
    state = home / ".local" / "state" / "engineering-loop"
    state.mkdir(parents=True)
    ledger = state / "ledger.sqlite"
    ledger.write_text(f"ledger {secret}\n")
    other = root / "runs" / "other-run"
    other.mkdir(parents=True)
    (other / "notes.txt").write_text(f"another run's clone {secret}\n")
    clone = root / "runs" / "this-run"
    clone.mkdir(parents=True)
    # Unique per test, so a surviving sleep is found by its command line alone.
    sleep_seconds = f"{86000 + int(tag, 16) % 400}.{int(tag, 16) % 997}"
    return Planted(
        root=root,
        home=home,
        config=root / "engineering-loop.toml",
        ledger=ledger,
        state=state,
        clone=clone,
        other_clone=other,
        host_tmp_target=Path("/tmp") / f"engineering-loop-escape-{tag}",
        secret=secret,
        sleep_seconds=sleep_seconds,
    )


def probe_script(world: Planted, loop_marker: str, *, edit: bool) -> str:
    """A shell script that tries every escape and prints one `key=value` line per attempt."""
    reads = {
        "ssh_key": world.home / ".ssh" / "id_ed25519",
        "gh_hosts": world.home / ".config" / "gh" / "hosts.yml",
        "config": world.config,
        "ledger": world.ledger,
        "other_clone": world.other_clone / "notes.txt",
    }
    lines = [
        "#!/bin/sh",
        'attempt_read() { if cat "$2" >/dev/null 2>&1; then echo "$1=READ"; '
        'else echo "$1=blocked"; fi; }',
    ]
    lines += [f"attempt_read {name} '{path}'" for name, path in reads.items()]
    lines += [
        "leak=none",
        "for f in /proc/[0-9]*/environ; do",
        f"  if tr '\\000' '\\n' < \"$f\" 2>/dev/null | grep -q '{world.secret}'; then "
        'leak="$f"; fi',
        "done",
        'echo "environ_leak=$leak"',
        'if tr "\\000" "\\n" < /proc/1/environ >/dev/null 2>&1; then echo pid1_environ=readable; '
        "else echo pid1_environ=unreadable; fi",
        "seen=none",
        "for f in /proc/[0-9]*/cmdline; do",
        f"  if tr '\\000' ' ' < \"$f\" 2>/dev/null | grep -q -- '{loop_marker}'; then "
        'seen="$f"; fi',
        "done",
        'echo "loop_process=$seen"',
        'echo "processes=$(ls -d /proc/[0-9]* | wc -l)"',
    ]
    for name, target in {
        "state": world.state / "escaped",
        "home": world.home / "escaped",
        "host_tmp": world.host_tmp_target,
    }.items():
        lines.append(
            f"if (echo escaped > '{target}') 2>/dev/null; then echo write_{name}=WROTE; "
            f"else echo write_{name}=blocked; fi"
        )
    lines.append(f"setsid sleep {world.sleep_seconds} >/dev/null 2>&1 < /dev/null &")
    if edit:
        lines.append("echo edited > edited-by-agent.txt && echo edit=done")
        # The tools' own state folders (uv, Python, mypy, ruff) stay writable for the agent.
        for name in ("UV_CACHE_DIR", "UV_PROJECT_ENVIRONMENT", "MYPY_CACHE_DIR", "RUFF_CACHE_DIR"):
            lines.append(
                f'if [ -n "${name}" ] && mkdir -p "${name}" && touch "${name}/probe" '
                f"2>/dev/null; then echo state_{name.lower()}=writable; "
                f"else echo state_{name.lower()}=unwritable; fi"
            )
    lines.append("echo probe=finished")
    return "\n".join(lines) + "\n"


def probe_results(output: str) -> dict[str, str]:
    """The `key=value` lines a probe printed (its other output is ignored)."""
    found: dict[str, str] = {}
    for line in output.replace("\\n", "\n").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key.replace("_", "").isalnum():
            found[key] = value.strip().strip('",')
    return found


CONFINED = {
    "ssh_key": "blocked",
    "gh_hosts": "blocked",
    "config": "blocked",
    "ledger": "blocked",
    "other_clone": "blocked",
    "environ_leak": "none",
    "pid1_environ": "readable",
    "loop_process": "none",
    "probe": "finished",
}
# Writes outside the directory are judged on the host (the files must not be there): inside, a
# path below /tmp lands in the sandbox's private /tmp, which vanishes with it.


def surviving_sleeps(seconds: str) -> list[int]:
    """Host processes still running `sleep SECONDS` (the probe's background job)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[:2] == [b"sleep", seconds.encode()]:
            found.append(int(entry.name))
    return found

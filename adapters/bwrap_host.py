"""`SandboxHost` with bubblewrap and the local file system."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Sequence

import anyio
from returns.result import Failure, Result, Success

from domain.sandbox.layout import RunFolder, SettingsCopy
from domain.sandbox.plan import SandboxPlan, bwrap_argv

_PROBE_TIMEOUT_S = 20.0
# Bytes of bwrap's complaint kept in the problem text.
_PROBE_STDERR_BYTES = 400


class BwrapHost:
    """Finds `bwrap` on PATH, proves it with a throwaway sandbox, keeps run folders with `os`."""

    async def probe(self, search_path: str | None) -> Result[str, str]:
        """Run `/bin/true` in a sandbox shaped like the real ones (every namespace, fresh /proc)."""
        bwrap = self.locate("bwrap", search_path)
        if bwrap is None:
            return Failure("bwrap is not installed (not found on PATH)")
        with tempfile.TemporaryDirectory(prefix="engineering-loop-probe-") as workdir:
            argv = (*bwrap_argv(SandboxPlan(bwrap=bwrap, workdir=workdir)), "/bin/true")
            try:
                with anyio.fail_after(_PROBE_TIMEOUT_S):
                    done = await anyio.run_process(
                        list(argv), check=False, env={"PATH": "/usr/bin:/bin"}
                    )
            except TimeoutError:
                return Failure(f"{bwrap} did not finish a test sandbox in {_PROBE_TIMEOUT_S:g} s")
            except OSError as exc:
                return Failure(f"{bwrap} cannot be started: {exc}")
        if done.returncode != 0:
            said = done.stderr.decode("utf-8", "replace").strip()[:_PROBE_STDERR_BYTES]
            return Failure(f"{bwrap} cannot create its namespaces here: {said or 'no message'}")
        return Success(bwrap)

    def new_run_folder(self, parent: str) -> Result[RunFolder, str]:
        """A `run-*` folder readable by this user only, with empty home, tmp and uv-cache."""
        try:
            os.makedirs(parent, mode=0o700, exist_ok=True)
            root = tempfile.mkdtemp(prefix="run-", dir=parent)
            folder = RunFolder(root=root)
            for path in (folder.home, folder.tmp, folder.uv_cache):
                os.mkdir(path, 0o700)
        except OSError as exc:
            return Failure(f"cannot create a sandbox run folder below {parent}: {exc}")
        return Success(folder)

    def copy_settings(self, copy: SettingsCopy) -> Result[bool, str]:
        """Copy the folder (symlinks followed), leaving out the top-level names in `copy.skip`."""
        if not os.path.isdir(copy.source):
            return Success(False)

        def ignore(directory: str, names: list[str]) -> set[str]:
            top = os.path.samefile(directory, copy.source)
            return {name for name in names if top and name in copy.skip}

        try:
            shutil.copytree(copy.source, copy.dest, ignore=ignore, dirs_exist_ok=True)
        except (OSError, shutil.Error) as exc:
            return Failure(f"cannot copy {copy.source} into the sandbox's home: {exc}")
        return Success(True)

    def remove_run_folder(self, folder: RunFolder) -> None:
        """Remove the folder; folders the run made read-only are made writable first."""
        shutil.rmtree(folder.root, onerror=_make_writable_and_retry)

    def make_directory(self, path: str) -> None:
        """`os.makedirs`, quietly: bwrap names the path when it cannot bind it."""
        try:
            os.makedirs(path, exist_ok=True)
        except OSError:
            return

    def existing(self, paths: Sequence[str]) -> tuple[str, ...]:
        """Those of `paths` that exist."""
        return tuple(path for path in paths if os.path.exists(path))

    def entries(self, directory: str) -> tuple[str, ...]:
        """The sorted names in `directory`."""
        try:
            return tuple(sorted(os.listdir(directory)))
        except OSError:
            return ()

    def locate(self, program: str, search_path: str | None) -> str | None:
        """A name with a slash is a path; otherwise it is looked up in `search_path`."""
        if os.sep in program:
            path = os.path.abspath(program)
            return path if os.path.isfile(path) and os.access(path, os.X_OK) else None
        found = shutil.which(program, path=search_path if search_path is not None else "")
        return os.path.abspath(found) if found else None

    def venv_home(self, environment: str) -> str | None:
        """The `home = ...` line of `pyvenv.cfg`, when it is an absolute path."""
        try:
            with open(os.path.join(environment, "pyvenv.cfg"), encoding="utf-8") as handle:
                lines = handle.read(64 * 1024).splitlines()
        except (OSError, UnicodeDecodeError):
            return None
        for line in lines:
            key, sep, value = line.partition("=")
            if sep and key.strip() == "home" and value.strip().startswith("/"):
                return value.strip()
        return None


def _make_writable_and_retry(
    function: Callable[[str], object], path: str, _exc_info: object
) -> None:
    parent = os.path.dirname(path)
    try:
        os.chmod(parent, os.stat(parent).st_mode | stat.S_IWUSR | stat.S_IXUSR)
        if os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, os.stat(path).st_mode | stat.S_IWUSR | stat.S_IXUSR | stat.S_IRUSR)
        function(path)
    except OSError:
        # Left behind in the private run folder's parent; the next run is unaffected.
        return

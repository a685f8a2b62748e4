"""A second process for the `lstat` calls of a large worktree, as git's preload-index threads.

Reading a worktree costs one `lstat` per tracked file, and in CPython much of that is the call,
not the file system: threads would queue on the GIL, a second process does not. When the index
is large, a stat cache is there to compare with and a second CPU is free, `StatHelper` hands the
last share of the paths and their recorded stat data to `python -I -S` running `_SCRIPT`, which
names the paths whose stat data differ (or cannot be read), while this process stats the rest and
lists the folders. Every path it names is `lstat`-ed again here (and read if need be); a path it
does not name is a stat cache hit, so its answer must be whole: it ends with the number of paths
it compared, and anything else (it cannot start, dies, answers short or malformed) only means
this process stats those paths itself. It gets an empty environment and no file but its pipes.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from array import array

from adapters.git.changes._stat_cache import RECORD

# Below this many paths a second process costs more than it saves.
MIN_PATHS = 10_000
# The helper's share: this process also lists the folders while the helper works.
SHARE = 0.6
# Where no key is recorded: no file's packed stat data (its st_mode would be -1).
NO_KEY = b"\xff" * RECORD.size

_SCRIPT = """
import os, struct, sys
from array import array
head, _, data = sys.stdin.buffer.read().partition(b"\\n")
size, count = map(int, head.split())
paths = data[:size].split(b"\\0")
keys = data[size:]
if len(paths) != count + 1 or len(keys) != SIZE * count:
    sys.exit(3)
prefix = paths[0] + b"/"
pack = struct.Struct(FORMAT).pack
lstat = os.lstat
out = array("I")
for i, path in enumerate(paths[1:]):
    try:
        st = lstat(prefix + path)
    except OSError:
        out.append(i)
        continue
    key = pack(st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
    if key != keys[SIZE * i : SIZE * i + SIZE]:
        out.append(i)
out.append(count)  # the answer is whole
sys.stdout.buffer.write(out.tobytes())
""".replace("FORMAT", repr(RECORD.format)).replace("SIZE", str(RECORD.size))


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def helper_share(count: int) -> int:
    """How many of `count` paths to hand to a helper (0: none)."""
    # A frozen application's executable is not a plain Python that runs `-c`.
    if count < MIN_PATHS or not sys.executable or getattr(sys, "frozen", False) or _cpus() < 2:
        return 0
    return int(count * SHARE)


class StatHelper:
    """One helper process stat-ing `paths` below `root` and comparing each path's packed stat
    data (`_stat_cache.key_of`) with `keys` (one `RECORD` per path, `NO_KEY` where none is
    recorded); `results` waits for its answer."""

    def __init__(self, root: bytes, paths: list[bytes], keys: bytes) -> None:
        self._count = len(paths)
        self._writer: threading.Thread | None = None
        try:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _SCRIPT],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={},
                cwd="/",
                close_fds=True,
            )
        except (OSError, ValueError, subprocess.SubprocessError):
            self._process = None
            return
        joined = b"\0".join([root, *paths])
        payload = b"%d %d\n" % (len(joined), len(paths)) + joined + keys
        # A thread feeds the pipe, so this process goes on with its own share meanwhile.
        self._writer = threading.Thread(target=self._feed, args=(payload,), daemon=True)
        self._writer.start()

    def _feed(self, payload: bytes) -> None:
        process = self._process
        if process is None or process.stdin is None:
            return
        with contextlib.suppress(OSError):
            process.stdin.write(payload)
        with contextlib.suppress(OSError):
            process.stdin.close()

    def results(self) -> list[int] | None:
        """The positions of the paths whose stat data differ from their key (or that could
        not be stat-ed), or None when the helper gave no whole answer."""
        process = self._process
        if process is None or process.stdout is None:
            return None
        try:
            data = process.stdout.read()
            returncode = process.wait()
        except OSError:
            return None
        finally:
            self.close()
        positions = array("I")
        if returncode != 0 or len(data) % positions.itemsize:
            return None
        positions.frombytes(data)
        # Positions below the count, then the count itself as the last word.
        if not positions or positions.pop() != self._count:
            return None
        if positions and max(positions) >= self._count:
            return None
        return positions.tolist()

    def close(self) -> None:
        """Stop the helper if it still runs (this process failed before asking for results)."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(OSError):
                process.kill()
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        if self._writer is not None:
            self._writer.join()

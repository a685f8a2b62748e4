"""Benchmarks of change inspection: collection and the candidate tree's checkout against git
itself, and the secret scan.

Run: `uv run --no-sync python -m benchmarks.bench_changes [--files N] [--changed N] [--mb N]`.
Prints times and ratios measured in the same run; it never asserts a wall-clock time.
Target (issue 5): collection within 3x of `git status --porcelain` / `git diff --name-status`.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from adapters.git.changes import collect_changes
from adapters.git.changes._stat_cache import RACY_NS
from adapters.git.changes._stat_helper import helper_share
from adapters.git.checkout import checkout_tree
from domain.changes.change_set import AddedHunk
from domain.policy.secrets import compile_scanner, scan_hunk

GIT_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": "/nonexistent",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True)


def build_repo(root: Path, files: int, changed: int) -> Path:
    """A committed repository of `files` files, then `changed` paths modified, added, deleted."""
    repo = root / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    rng = random.Random(5)
    paths = [f"pkg{i // 500:03d}/sub{i // 50 % 10}/mod{i}.py" for i in range(files)]
    for path in paths:
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"VALUE_{rng.randrange(10**9)} = {rng.random()}\n" * 5)
    (repo / ".gitignore").write_text("*.log\nbuild/\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    chosen = rng.sample(paths, changed)
    quarter = changed // 4
    for path in chosen[:quarter]:  # unstaged edits
        with open(repo / path, "a") as handle:
            handle.write("EXTRA = 1\n")
    for path in chosen[quarter : 2 * quarter]:  # deletions
        (repo / path).unlink()
    for i, path in enumerate(chosen[2 * quarter : 3 * quarter]):  # staged edits
        (repo / path).write_text(f"STAGED = {i}\n")
        _git(repo, "add", path)
    for i in range(changed - 3 * quarter):  # untracked files
        (repo / f"new/file{i}.py").parent.mkdir(exist_ok=True)
        (repo / f"new/file{i}.py").write_text(f"NEW = {i}\n")
    (repo / "ignored.log").write_text("noise\n")
    return repo


def best_of(runs: int, action: Callable[[], object]) -> float:
    """Median wall time of `runs` calls (after one warm-up)."""
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_collection(files: int, changed: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        repo = build_repo(Path(scratch), files, changed)
        print(f"built a {files}-file repository in {time.perf_counter() - started:.1f} s")
        count = len(collect_changes(str(repo), "HEAD").unwrap().changes)
        cold = best_of(runs, lambda: collect_changes(str(repo), "HEAD").unwrap())
        cache_dir = str(Path(scratch) / "stat-cache")
        # Let the last files written leave the racy window, then fill the cache once.
        time.sleep(max(0.0, RACY_NS / 1e9 - (time.perf_counter() - started)) + 0.1)
        collect_changes(str(repo), "HEAD", stat_cache_dir=cache_dir).unwrap()
        warm = best_of(
            runs, lambda: collect_changes(str(repo), "HEAD", stat_cache_dir=cache_dir).unwrap()
        )
        trusting = best_of(
            runs, lambda: collect_changes(str(repo), "HEAD", trust_index_stat=True).unwrap()
        )
        status = best_of(runs, lambda: _git(repo, "status", "--porcelain", "--untracked-files=all"))
        diff = best_of(runs, lambda: _git(repo, "diff", "--name-status", "HEAD"))
        print(f"collection: {count} changes found in {files} files (median of {runs} runs)")
        helper = helper_share(files)
        print(
            f"  (stat helper process: {'stats ' + str(helper) + ' paths' if helper else 'not used'}"
            f" with a warm cache; {os.cpu_count()} CPUs)"
        )
        print(
            "  (default, no cache: every tracked file read and hashed; default, warm stat cache:"
            " files whose stat data are unchanged since the last collection are not re-read;"
            " trust_index_stat: git's own index stat cache trusted)"
        )
        gits = [("git status --porcelain", status), ("git diff --name-status HEAD", diff)]
        for label, seconds in [
            ("collect_changes (default, no cache)", cold),
            ("collect_changes (default, warm cache)", warm),
            ("collect_changes (trust_index_stat)", trusting),
            *gits,
        ]:
            print(f"  {label:<38}: {seconds * 1000:8.1f} ms")
        modes = (("default, no cache", cold), ("default, warm cache", warm))
        for mode, mine in (*modes, ("trust_index_stat", trusting)):
            for label, seconds in gits:
                verdict = "met" if mine <= 3 * seconds else "NOT met"
                print(f"  {mode} / {label}: {mine / seconds:.2f}x (target within 3x: {verdict})")
        bench_checkout(repo, Path(scratch), runs, cold)


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def bench_checkout(repo: Path, scratch: Path, runs: int, collection: float) -> None:
    """The gates' checkout of the candidate tree against git's own checkout of it: into an
    empty folder (the first check of a repository), then again into the same folder."""
    tree = collect_changes(str(repo), "HEAD").unwrap().tree
    assert tree is not None
    index = scratch / "git-checkout.index"
    _git(repo, "read-tree", f"--index-output={index}", tree)

    def git_checkout(folder: Path) -> None:
        subprocess.run(
            ["git", "checkout-index", "-a", f"--prefix={folder}/"],
            cwd=repo,
            env={**GIT_ENV, "GIT_INDEX_FILE": str(index)},
            check=True,
            capture_output=True,
        )

    ours = scratch / "checkout"
    first: list[float] = []
    theirs: list[float] = []
    for run in range(runs):  # each into a new, empty folder (no warm-up: nothing to warm)
        shutil.rmtree(ours, ignore_errors=True)
        Path(f"{ours}.manifest").unlink(missing_ok=True)
        first.append(_timed(lambda: checkout_tree(str(repo), tree, str(ours)).unwrap()))
        theirs.append(_timed(functools.partial(git_checkout, scratch / f"git-checkout-{run}")))
    again = best_of(runs, lambda: checkout_tree(str(repo), tree, str(ours)).unwrap())
    full, git_time = statistics.median(first), statistics.median(theirs)
    files = sum(len(names) for _, _, names in os.walk(ours))
    print(f"candidate checkout: {files} files of tree {tree[:12]} (median of {runs} runs)")
    print("  (every object read and its id checked; files copied, never hard-linked)")
    for label, seconds in [
        ("checkout_tree, into an empty folder", full),
        ("checkout_tree, again (same folder)", again),
        ("git checkout-index -a, empty folder", git_time),
    ]:
        print(f"  {label:<38}: {seconds * 1000:8.1f} ms")
    print(f"  checkout / git checkout-index: {full / git_time:.2f}x")
    print(f"  checkout again / git checkout-index: {again / git_time:.2f}x")
    print(f"  checkout again / collect_changes (default, no cache): {again / collection:.2f}x")


def bench_secret_scan(megabytes: int) -> None:
    rng = random.Random(7)
    words = [
        "value",
        "config",
        "return",
        "self",
        "data",
        "result",
        "index",
        "name",
        "def",
        "import",
        "client",
        "request",
        "response",
        "token_count",
        "for",
        "in",
        "if",
    ]
    line_count = 0
    hunks = []
    size = 0
    while size < megabytes * 1_000_000:
        lines = [
            " ".join(rng.choice(words) for _ in range(rng.randrange(4, 14))) + f" = {i}"
            for i in range(1000)
        ]
        lines[rng.randrange(1000)] = 'api_key = "q8Zr2LmX9vT4kWp7NsY3bC6d"'
        text = "\n".join(lines)
        hunks.append(AddedHunk(start=line_count + 1, text=text))
        line_count += len(lines)
        size += len(text.encode())
    scanner = compile_scanner()
    started = time.perf_counter()
    findings = sum(1 for hunk in hunks for _ in scan_hunk(scanner, "bench.py", hunk))
    elapsed = time.perf_counter() - started
    print(
        f"secret scan: {size / 1e6:.0f} MB, {line_count} added lines, {findings} findings "
        f"in {elapsed:.2f} s = {size / 1e6 / elapsed:.1f} MB/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mb", type=int, default=100)
    args = parser.parse_args()
    bench_collection(args.files, args.changed, args.runs)
    bench_secret_scan(args.mb)


if __name__ == "__main__":
    main()

"""The CLI's `main(argv)` run in-process with its standard streams captured, as a test sees it."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from entrypoints.cli import main as cli_main


@dataclass(frozen=True)
class CliAnswer:
    """What one command did: its exit code and everything it printed."""

    code: int
    stdout: bytes
    stderr: str


@cache
def _cached_parser(modules: tuple[str, ...]) -> argparse.ArgumentParser:
    return _build_parser(modules)


def _parser(modules: Sequence[str] = cli_main._FEATURE_MODULES) -> argparse.ArgumentParser:
    return _cached_parser(tuple(modules))


_build_parser = cli_main.build_parser


def run_cli(argv: Sequence[str], stdin: bytes = b"") -> CliAnswer:
    """Run `engineering-loop ARGV` in this process; a `SystemExit` (argparse) is its exit code.

    Each command tree is built once and reused (`main` builds it per call, as a process runs
    once): parsing never changes it, and building it is most of an in-process call's time.
    """
    out = io.BytesIO()
    err = io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    sys.stderr = err
    cli_main.build_parser = _parser
    try:
        try:
            code = cli_main.main(list(argv))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 2
        sys.stdout.flush()
        return CliAnswer(code=code, stdout=out.getvalue(), stderr=err.getvalue())
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        cli_main.build_parser = _build_parser

"""The CLI's `main(argv)` run in-process with its standard streams captured, as a test sees it."""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from entrypoints.cli.main import main


@dataclass(frozen=True)
class CliAnswer:
    """What one command did: its exit code and everything it printed."""

    code: int
    stdout: bytes
    stderr: str


def run_cli(argv: Sequence[str], stdin: bytes = b"") -> CliAnswer:
    """Run `engineering-loop ARGV` in this process; a `SystemExit` (argparse) is its exit code."""
    out = io.BytesIO()
    err = io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    sys.stderr = err
    try:
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 2
        sys.stdout.flush()
        return CliAnswer(code=code, stdout=out.getvalue(), stderr=err.getvalue())
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved

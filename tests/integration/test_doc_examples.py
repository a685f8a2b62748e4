"""Every example in README.md and docs/*.md runs on the real CLI or library and shows the truth.

The syntax is in `tests/support/doc_examples.py`. Each block runs as one bash script in a fresh
folder holding a copy of `examples/` and links to `tools/` and `tests/`, so the examples read as run
from the repository root; the installed `engineering-loop` is first on PATH, and state the CLI
writes (transcripts, gate environments, Pi's agent folder) stays in that folder.
"""

from __future__ import annotations

import doctest
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from entrypoints.cli.main import build_parser
from tests.support.doc_examples import (
    Block,
    Doctest,
    command_words,
    output_matches,
    pycon_blocks,
    shell_blocks,
)
from tests.support.tools import missing_harness

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
BLOCKS = [block for path in DOCS for block in shell_blocks(path)]
RUNNABLE = [block for block in BLOCKS if block.examples]
_MARKER = "\x1eengineering-loop-doc-example-exit="
_HARNESS_BINARIES = {"pi": ROOT / "tools" / "pi" / "node_modules" / ".bin" / "pi"}


def _script(block: Block) -> str:
    lines = []
    for example in block.examples:
        lines.append(example.command)
        lines.append(f'printf "\\n{_MARKER}%s\\n" "$?"')
    return "\n".join(lines) + "\n"


def _sandbox(root: Path) -> dict[str, str]:
    shutil.copytree(
        ROOT / "examples", root / "examples", ignore=shutil.ignore_patterns("__pycache__", ".venv")
    )
    for name in ("tools", "tests"):
        (root / name).symlink_to(ROOT / name, target_is_directory=True)
    home_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    bin_dir = os.path.dirname(sys.executable)
    # Temporary folders too (`demo run` keeps its folder, as the README says).
    (root / "tmp").mkdir()
    return {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        # Gate environments and the stat cache go to the sandbox; uv's own cache stays warm.
        "XDG_CACHE_HOME": str(root / "cache"),
        "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR") or str(home_cache / "uv"),
        "XDG_STATE_HOME": str(root / "state"),
        "TMPDIR": str(root / "tmp"),
        "PI_CODING_AGENT_DIR": str(root / "pi-agent"),
    }


def _split_outputs(stdout: str, count: int) -> list[tuple[str, int]]:
    outputs = []
    rest = stdout
    for _ in range(count):
        text, marker, rest = rest.partition(_MARKER)
        assert marker, f"the script stopped early; stdout so far:\n{stdout}"
        code, _, rest = rest.partition("\n")
        outputs.append((text.removesuffix("\n"), int(code)))
    return outputs


@pytest.mark.parametrize("block", RUNNABLE, ids=lambda block: block.name)
def test_shell_example_prints_what_the_docs_show(block: Block, tmp_path: Path) -> None:
    mark, _, value = block.marks.partition(":")
    if mark == "skip":
        pytest.skip(f"{block.name} is marked not to run: {value.strip()}")
    if mark == "requires":
        binary = _HARNESS_BINARIES[value.strip()]
        if not binary.exists():
            missing_harness(f"{block.name} needs {binary} (bash scripts/test.sh installs it)")
    env = _sandbox(tmp_path)
    done = subprocess.run(
        ["bash", "-c", _script(block)],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    outputs = _split_outputs(done.stdout, len(block.examples))
    for example, (stdout, code) in zip(block.examples, outputs, strict=True):
        context = f"{block.name}: $ {example.command}\nstdout:\n{stdout}\nstderr:\n{done.stderr}"
        assert code == example.exit_code, context
        if example.expected is not None:
            assert output_matches(example.expected, stdout), context


DOCTESTS = [block for path in DOCS for block in pycon_blocks(path)]


@pytest.mark.parametrize("block", DOCTESTS, ids=lambda block: block.name)
def test_library_example_gives_what_the_docs_show(
    block: Doctest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in _sandbox(tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    test = doctest.DocTestParser().get_doctest(block.text, {}, block.name, str(block.path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    output: list[str] = []
    runner.run(test, out=output.append)
    assert runner.failures == 0, "".join(output)


SYNOPSIS_COMMANDS = sorted(
    {words for block in BLOCKS for line in block.synopsis if (words := command_words(line))}
)


@pytest.mark.parametrize("words", SYNOPSIS_COMMANDS, ids=" ".join)
def test_every_command_the_docs_name_exists(words: tuple[str, ...]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*words, "--help"])
    assert exit_info.value.code == 0


def test_the_docs_hold_runnable_examples_for_every_capability() -> None:
    files = {block.path.name for block in RUNNABLE}
    assert {"README.md", "gates.md", "budget.md", "policy.md", "harness.md"} <= files
    assert DOCTESTS

"""The docs' shell examples are read as the docs-example test's contract says."""

from __future__ import annotations

from pathlib import Path

from tests.support.doc_examples import Example, command_words, output_matches, shell_blocks

PAGE = """# A page

```console requires: pi
$ engineering-loop gate prepare --repo . -- pytest  # exit 3
{"ok":false,...}
$ touch x
```

```sh
engineering-loop ledger reserve|settle|show --ledger PATH
```

```python
$ not a shell example
```
"""


def test_commands_expected_output_exit_codes_and_marks_are_read(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(PAGE)
    console, synopsis = shell_blocks(page)
    assert (console.line, console.marks) == (3, "requires: pi")
    assert console.examples == (
        Example(
            command="engineering-loop gate prepare --repo . -- pytest",
            exit_code=3,
            expected='{"ok":false,...}',
        ),
        Example(command="touch x", exit_code=0, expected=None),
    )
    assert synopsis.examples == ()
    assert command_words(synopsis.synopsis[0]) == ("ledger",)


def test_an_ellipsis_stands_for_any_text_and_the_rest_must_match() -> None:
    assert output_matches('{"a":1,...}', '{"a":1,"b":[2,\n3]}\n')
    assert not output_matches('{"a":1,...}', '{"a":2,"b":3}')
    assert not output_matches("line one", "line one\nline two")


def test_only_engineering_loop_subcommands_are_named() -> None:
    assert command_words("engineering-loop gate run --repo R -- pytest") == ("gate", "run")
    assert command_words("engineering-loop check --repo ../api") == ("check",)
    assert command_words("python3 -m uv run engineering-loop demo check") == ()

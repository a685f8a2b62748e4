"""uv 0.13.9's `run` grammar: every rule of issue 2 section 2, one behaviour per test."""

from __future__ import annotations

import pytest
from returns.pipeline import is_successful

from domain.gates.uv_grammar import UvRun, parse_uv_run, uv_prefix_length


def _ok(*argv: str) -> UvRun:
    result = parse_uv_run(argv)
    assert is_successful(result), result
    return result.unwrap()


def _code(*argv: str) -> str:
    result = parse_uv_run(argv)
    assert not is_successful(result), result
    return result.failure().code


def _opts(run: UvRun) -> list[tuple[str, str | None]]:
    return [(o.name, o.value) for o in run.options]


def test_value_option_takes_the_next_token_and_the_command_follows() -> None:
    run = _ok("uv", "run", "--package", "api", "pytest", "-q")
    assert _opts(run) == [("--package", "api")]
    assert run.payload == ("pytest", "-q")


def test_flag_does_not_take_the_next_token() -> None:
    run = _ok("uv", "run", "--managed-python", "pytest", "-q")
    assert _opts(run) == [("--managed-python", None)]
    assert run.payload == ("pytest", "-q")


def test_equals_form_gives_the_value_inline() -> None:
    run = _ok("uv", "run", "--with=pytest-xdist", "-p", "3.12", "pytest")
    assert _opts(run) == [("--with", "pytest-xdist"), ("--python", "3.12")]
    assert run.payload == ("pytest",)


def test_aliases_map_to_their_canonical_option() -> None:
    run = _ok("uv", "run", "--no-cache-dir", "--trusted-host", "h", "--compile", "x")
    assert [o.name for o in run.options] == [
        "--no-cache",
        "--allow-insecure-host",
        "--compile-bytecode",
    ]


def test_short_flags_cluster() -> None:
    run = _ok("uv", "run", "-qU", "pytest")
    assert [o.name for o in run.options] == ["--quiet", "--upgrade"]


def test_short_value_may_be_attached_or_after_equals() -> None:
    assert _opts(_ok("uv", "run", "-p3.12", "x")) == [("--python", "3.12")]
    assert _opts(_ok("uv", "run", "-p=3.12", "x")) == [("--python", "3.12")]


def test_cluster_ends_at_the_first_value_taking_short() -> None:
    run = _ok("uv", "run", "-mpytest", "tool")
    assert _opts(run) == [("--module", None), ("--python", "ytest")]
    assert run.payload == ("tool",)


def test_separate_value_may_not_start_with_a_dash() -> None:
    assert _code("uv", "run", "--with", "-e", "pytest") == "uv-missing-value"
    assert _code("uv", "run", "-p", "-x", "pytest") == "uv-missing-value"


def test_dash_value_is_fine_with_equals_and_a_lone_dash_is_a_value() -> None:
    assert _opts(_ok("uv", "run", "--with=-e", "pytest")) == [("--with", "-e")]
    assert _opts(_ok("uv", "run", "--with", "-", "pytest")) == [("--with", "-")]


def test_value_option_at_the_end_is_missing_its_value() -> None:
    assert _code("uv", "run", "--python") == "uv-missing-value"
    assert _code("uv", "run", "--with", "--", "pytest") == "uv-missing-value"


def test_first_double_dash_ends_options_and_later_ones_belong_to_the_command() -> None:
    run = _ok("uv", "run", "--", "--", "pytest", "--locked")
    assert run.separator_index == 2
    assert run.payload == ("--", "pytest", "--locked")


def test_lone_dash_is_the_command() -> None:
    run = _ok("uv", "run", "-", "--locked")
    assert run.payload == ("-", "--locked")
    assert run.options == ()


def test_options_after_the_command_belong_to_the_command() -> None:
    run = _ok("uv", "run", "python", "tools/check.py", "--locked")
    assert run.options == ()
    assert run.payload == ("python", "tools/check.py", "--locked")


def test_global_options_may_stand_before_run() -> None:
    run = _ok("uv", "-q", "--directory", "sub", "run", "pytest")
    assert [(o.name, o.value) for o in run.top] == [("--quiet", None), ("--directory", "sub")]
    assert run.run_index == 4


def test_run_options_before_run_are_refused() -> None:
    assert _code("uv", "--locked", "run", "pytest") == "uv-unknown-option"


def test_unknown_option_is_an_error_not_a_guess() -> None:
    assert _code("uv", "run", "--bogus", "pytest") == "uv-unknown-option"
    assert _code("uv", "run", "-x", "pytest") == "uv-unknown-option"


def test_no_prefix_matching() -> None:
    assert _code("uv", "run", "--lock", "pytest") == "uv-unknown-option"


def test_flag_with_a_value_is_unexpected() -> None:
    assert _code("uv", "run", "--locked=true", "pytest") == "uv-unexpected-value"
    assert _code("uv", "run", "--locked=", "pytest") == "uv-unexpected-value"


def test_short_flag_followed_by_equals_is_unknown() -> None:
    assert _code("uv", "run", "-m=x", "pytest") == "uv-unknown-option"


def test_repeating_a_single_option_is_refused() -> None:
    assert _code("uv", "run", "--locked", "--locked", "pytest") == "uv-repeated-option"
    assert _code("uv", "run", "-p", "3.12", "-mpytest", "x") == "uv-repeated-option"


def test_counting_and_appending_options_may_repeat() -> None:
    assert len(_ok("uv", "run", "-q", "-qq", "pytest").options) == 3
    assert len(_ok("uv", "run", "--group", "a", "--group", "b", "pytest").options) == 2


def test_an_override_between_repeats_makes_them_legal_and_the_last_wins() -> None:
    run = _ok("uv", "run", "--dev", "--no-dev", "--dev", "pytest")
    assert [o.name for o in run.options] == ["--dev"]
    assert [o.name for o in _ok("uv", "run", "--locked", "--no-locked", "x").options] == [
        "--no-locked"
    ]


def test_conflicting_options_are_refused() -> None:
    assert _code("uv", "run", "--locked", "--frozen", "x") == "uv-conflicting-options"
    assert _code("uv", "run", "--group", "a", "--only-group", "b", "x") == "uv-conflicting-options"
    assert _code("uv", "run", "-qv", "x") == "uv-conflicting-options"


def test_an_overridden_option_no_longer_conflicts() -> None:
    run = _ok("uv", "run", "--locked", "-U", "--no-upgrade", "x")
    assert [o.name for o in run.options] == ["--locked", "--no-upgrade"]
    assert "--upgrade" in run.given


def test_levels_before_and_after_run_are_checked_apart() -> None:
    run = _ok("uv", "--color", "always", "run", "--no-color", "x")
    assert [o.name for o in run.top] == ["--color"]


def test_values_uv_validates_are_checked() -> None:
    assert _code("uv", "run", "--color", "bogus", "x") == "uv-invalid-value"
    assert _code("uv", "run", "--group", "a,b", "x") == "uv-invalid-value"
    assert _code("uv", "run", "--no-group", "dev  lint", "x") == "uv-invalid-value"
    assert _code("uv", "run", "--max-recursion-depth=-1", "x") == "uv-invalid-value"
    assert _opts(_ok("uv", "run", "--extra", "a,b", "x")) == [("--extra", "a,b")]


def test_no_command_after_the_options_is_missing_command() -> None:
    assert _code("uv", "run") == "uv-missing-command"
    assert _code("uv", "run", "--locked", "--") == "uv-missing-command"


def test_help_version_and_other_subcommands_are_not_a_run() -> None:
    assert _code("uv", "run", "-h", "pytest") == "uv-not-run"
    assert _code("uv", "--version", "run", "x") == "uv-not-run"
    assert _code("uv", "sync") == "uv-not-run"
    assert _code("uv", "--", "run", "x") == "uv-not-run"
    assert _code("uv") == "uv-not-run"


@pytest.mark.parametrize(
    ("argv", "length"),
    [
        (["uv", "run"], 1),
        (["/opt/bin/uv", "run"], 1),
        (["python3", "-m", "uv", "run"], 3),
        (["python", "-m", "pytest"], 0),
        (["uvx", "ruff"], 0),
        ([], 0),
    ],
)
def test_uv_prefix_is_recognised(argv: list[str], length: int) -> None:
    assert uv_prefix_length(argv) == length


def test_boolean_pairs_split_across_levels_are_refused() -> None:
    assert _code("uv", "--offline", "run", "--no-offline", "x") == "uv-conflicting-options"
    assert _code("uv", "run", "--managed-python", "--python-preference", "system", "x") == (
        "uv-conflicting-options"
    )
    assert _ok("uv", "run", "--offline", "--no-offline", "x").options[0].name == "--no-offline"


def test_module_from_stdin_is_refused() -> None:
    assert _code("uv", "run", "-m", "--", "-") == "uv-invalid-value"
    assert _ok("uv", "run", "-s", "-").payload == ("-",)


def test_python_downloads_on_and_off_are_refused_even_on_one_level() -> None:
    argv = ("uv", "run", "--allow-python-downloads", "--no-python-downloads", "x")
    assert _code(*argv) == "uv-conflicting-options"

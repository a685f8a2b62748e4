from pathlib import Path

from adapters.config_file import FsConfigSource
from domain.config import parse_config
from entrypoints.config import load_config


def test_unknown_top_level_key_is_named_in_the_error() -> None:
    error = parse_config("[budgett]\nx = 1\n").failure()
    assert error.code == "config-invalid"
    assert "budgett" in error.message


def test_invalid_toml_is_config_invalid() -> None:
    assert parse_config("[budget\n").failure().code == "config-invalid"


def test_missing_file_is_config_missing(tmp_path: Path) -> None:
    result = load_config(str(tmp_path / "nope.toml"), source=FsConfigSource())
    assert result.failure().code == "config-missing"


def test_non_utf8_file_is_config_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "engineering-loop.toml"
    path.write_bytes(b"\xff\xfe")
    assert load_config(str(path)).failure().code == "config-unreadable"


def test_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "engineering-loop.toml"
    path.write_text("")
    assert load_config(str(path)).unwrap() == parse_config("").unwrap()


def test_an_unknown_key_in_a_named_policy_override_names_the_repository() -> None:
    error = parse_config('[policy.repos."acme/api"]\nmax_file = 3\n').failure()
    assert 'unknown key policy.repos."acme/api".max_file;' in error.message


def test_an_unknown_top_level_key_lists_the_sections() -> None:
    error = parse_config("[budgett]\nx = 1\n").failure()
    assert "unknown key budgett; the keys allowed at the top level are budget" in error.message


def test_a_bad_list_item_is_named_by_its_position() -> None:
    error = parse_config("[policy]\nsecret_patterns = ['ok', 1]\n").failure()
    assert "policy.secret_patterns[1]: Expected `str`" in error.message


def test_the_loop_and_notify_sections_decode_with_their_defaults() -> None:
    config = parse_config(
        '[loop]\nrepos = ["octo/app"]\nmax_rounds = 2\n'
        '[notify]\nwebhooks = ["https://hooks.example/x"]\n'
    ).unwrap()
    assert config.loop.repos == ("octo/app",)
    assert config.loop.max_rounds == 2
    assert config.loop.approval_label == "loop:approved"
    assert config.notify.webhooks == ("https://hooks.example/x",)


def test_an_unknown_key_in_the_loop_section_is_named() -> None:
    failure = parse_config("[loop]\nrepoz = []\n").failure()
    assert failure.code == "config-invalid"
    assert "loop.repoz" in failure.message

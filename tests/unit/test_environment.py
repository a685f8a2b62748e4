from hypothesis import given
from hypothesis import strategies as st

from domain.kernel.environment import BASE_ALLOW, looks_like_credential, scrub_environment


def test_credentials_never_pass_by_default() -> None:
    parent = {"PATH": "/bin", "GITHUB_TOKEN": "t", "AWS_SECRET_ACCESS_KEY": "s", "GH_TOKEN": "g"}
    assert scrub_environment(parent) == {"PATH": "/bin"}


def test_an_exactly_named_variable_passes() -> None:
    parent = {"ANTHROPIC_API_KEY": "k", "ANTHROPIC_API_KEY_2": "k2"}
    assert scrub_environment(parent, ["ANTHROPIC_API_KEY"]) == {"ANTHROPIC_API_KEY": "k"}


def test_extra_values_are_added_last() -> None:
    env = scrub_environment({"PATH": "/bin"}, extra={"PYTHONDONTWRITEBYTECODE": "1"})
    assert env == {"PATH": "/bin", "PYTHONDONTWRITEBYTECODE": "1"}


def test_base_names_are_not_credentials() -> None:
    assert not any(looks_like_credential(name) for name in BASE_ALLOW)


@given(st.dictionaries(st.text(min_size=1), st.text()), st.lists(st.text(min_size=1)))
def test_scrubbed_environment_holds_only_base_and_named_variables(
    parent: dict[str, str], allow: list[str]
) -> None:
    kept = scrub_environment(parent, allow)
    assert set(kept) <= set(BASE_ALLOW) | set(allow)
    assert all(kept[name] == parent[name] for name in kept)

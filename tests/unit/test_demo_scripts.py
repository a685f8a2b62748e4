"""The demo's scripts load strictly from the package; a damaged one is an error, not a demo."""

from __future__ import annotations

import os

import pytest

from entrypoints.demo.pi import MODEL, PROVIDER, pi_models
from entrypoints.demo.script import (
    SCRIPTS_DIR,
    VARIANTS,
    load_demo_issue,
    load_demo_script,
)
from tests.fakes.files import FakeFileReader


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_ships_a_script_of_its_own(variant: str) -> None:
    script = load_demo_script(variant).unwrap()
    assert script.variant == variant
    assert (script.outcome == "published") == (script.reason is None)


def test_only_remediated_plays_a_second_session() -> None:
    sessions = {variant: len(load_demo_script(variant).unwrap().sessions) for variant in VARIANTS}
    assert sessions == {"publishable": 1, "blocked": 1, "remediated": 2, "cost-kill": 1}


def test_the_issue_has_acceptance_criteria() -> None:
    issue = load_demo_issue().unwrap()
    assert "## Acceptance criteria" in issue.body
    assert "total_cents" in issue.body


def test_an_unknown_variant_names_the_known_ones() -> None:
    error = load_demo_script("fast").failure()
    assert error.code == "demo-variant-unknown"
    assert "publishable, blocked, remediated, cost-kill" in error.message


@pytest.mark.parametrize(
    "text",
    [
        b'variant = "blocked"\n',
        b"not toml [\n",
        b'variant = "blocked"\nsummary = "s"\noutcome = "published"\nrounds = 1\n'
        b'typo = 1\n[[sessions]]\npurpose = "p"\n[[sessions.replies]]\ntext = "t"\n',
        b'variant = "publishable"\nsummary = "s"\noutcome = "published"\nrounds = 1\n'
        b'[[sessions]]\npurpose = "p"\n[[sessions.replies]]\ntext = "t"\n',
        b"\xff",
    ],
)
def test_a_damaged_script_is_invalid(text: bytes) -> None:
    reader = FakeFileReader({os.path.join(SCRIPTS_DIR, "blocked.toml"): text})
    assert load_demo_script("blocked", reader=reader).failure().code == "demo-script-invalid"


def test_a_missing_script_is_invalid() -> None:
    error = load_demo_script("blocked", reader=FakeFileReader({})).failure()
    assert (error.code, "reinstall" in error.message) == ("demo-script-invalid", True)


def test_pi_sees_one_priced_scripted_model_at_the_server() -> None:
    models = pi_models("http://127.0.0.1:9/v1")["providers"]
    assert list(models) == [PROVIDER]
    assert models[PROVIDER]["baseUrl"] == "http://127.0.0.1:9/v1"
    (model,) = models[PROVIDER]["models"]
    assert model["id"] == MODEL
    assert "not an LLM" in model["name"]

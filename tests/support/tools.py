"""What a real-harness test does when its harness CLI is not installed."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

# Set by scripts/test.sh, which installs every harness: there a missing one is a broken set-up.
REQUIRE_VARIABLE = "ENGINEERING_LOOP_REQUIRE_HARNESSES"


def harnesses_required() -> bool:
    """True on CI and under the README's test command; a bare local pytest may skip."""
    return bool(os.environ.get("CI") or os.environ.get(REQUIRE_VARIABLE))


def missing_harness(reason: str) -> NoReturn:
    """Fail the test when harnesses are required, else skip it with `reason`."""
    if harnesses_required():
        pytest.fail(reason)
    pytest.skip(reason)

"""The one rule for limits given as numbers: finite and above zero."""

from __future__ import annotations

import pytest

from domain.kernel.quantities import is_positive_finite


@pytest.mark.parametrize("value", [1e-9, 0.5, 1800.0, 1e12])
def test_a_finite_positive_number_is_a_usable_limit(value: float) -> None:
    assert is_positive_finite(value)


@pytest.mark.parametrize("value", [0.0, -0.0, -1.0, float("inf"), float("-inf"), float("nan")])
def test_zero_negative_infinite_and_nan_are_not_limits(value: float) -> None:
    assert not is_positive_finite(value)

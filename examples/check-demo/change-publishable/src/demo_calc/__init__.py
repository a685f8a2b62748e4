"""A tiny calculator."""

from collections.abc import Sequence


def add(a: float, b: float) -> float:
    """Return the sum of a and b."""
    return a + b


def mean(values: Sequence[float]) -> float:
    """Return the arithmetic mean of a non-empty sequence."""
    if not values:
        raise ValueError("mean() of an empty sequence")
    return sum(values) / len(values)

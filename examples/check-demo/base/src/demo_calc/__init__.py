"""A tiny calculator."""


def add(a: float, b: float) -> float:
    """Return the sum of a and b."""
    return a + b

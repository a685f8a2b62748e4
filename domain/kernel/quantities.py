"""The one rule for numeric limits (timeouts, cost caps): finite and above zero (pure)."""

from __future__ import annotations

import math


def is_positive_finite(value: float) -> bool:
    """True when `value` can bound something: above zero and finite (no inf, no NaN).

    An infinite timeout is no wall clock and NaN compares false with everything, so both would
    silently switch a limit off.

    >>> is_positive_finite(1800.0), is_positive_finite(0), is_positive_finite(float("inf"))
    (True, False, False)
    """
    return math.isfinite(value) and value > 0

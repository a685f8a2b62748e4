"""A tiny package for engineering-loop's example: prices with a discount."""

from __future__ import annotations


def discounted(price_cents: int, percent: int) -> int:
    """Return the price after a whole-percent discount, rounded down to a cent."""
    if not 0 <= percent <= 100:
        raise ValueError(f"a discount is between 0 and 100 percent, not {percent}")
    return price_cents * (100 - percent) // 100

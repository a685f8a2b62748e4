import pytest

from demo import discounted


def test_discount_rounds_down_to_a_cent() -> None:
    assert discounted(999, 10) == 899


def test_no_discount_keeps_the_price() -> None:
    assert discounted(500, 0) == 500


def test_discount_above_100_percent_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        discounted(500, 101)

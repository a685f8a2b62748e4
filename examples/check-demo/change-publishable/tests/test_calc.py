import pytest

from demo_calc import add, mean


def test_add() -> None:
    assert add(2, 3) == 5


def test_mean() -> None:
    assert mean([1, 2, 3, 4]) == 2.5


def test_mean_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        mean([])

"""Money in the books: integer micro-dollars inside, USD floats only at the edges.

Floats drift when summed (0.1 + 0.2 != 0.3); the ledger and every budget decision add and compare
integers, and a USD float is produced only when a value is printed or returned to a caller.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

import msgspec
from returns.result import Failure, Result, Success

MICROS_PER_USD = 1_000_000
# Above this a "cost" is a typo or garbage, not money an agent run can spend.
MAX_USD = 1_000_000


class MoneyError(msgspec.Struct, frozen=True, kw_only=True, tag="money-error"):
    """An amount of money given by a person or a program could not be understood."""

    code: str
    message: str


def usd_to_micros(usd: float) -> int:
    """Convert a finite USD amount (from configuration) to whole micro-dollars, rounding half-even.

    >>> usd_to_micros(7.5), usd_to_micros(0.1), usd_to_micros(0.0000005)
    (7500000, 100000, 0)
    """
    if not math.isfinite(usd):
        raise ValueError(f"not a finite amount: {usd!r}")  # callers validate at the edge
    return int(Decimal(repr(usd)).scaleb(6).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def micros_to_usd(micros: int) -> float:
    """Present micro-dollars as a USD float for output (exact to the micro-dollar).

    >>> micros_to_usd(4_000_000), micros_to_usd(1), micros_to_usd(-250_000)
    (4.0, 1e-06, -0.25)
    """
    return round(micros / MICROS_PER_USD, 6)


def format_usd(micros: int) -> str:
    """Format micro-dollars for a human message, to the cent unless that would hide a charge.

    >>> format_usd(4_000_000), format_usd(123_456), format_usd(1_500)
    ('$4.00', '$0.12', '$0.0015')
    """
    usd = Decimal(micros).scaleb(-6)
    if micros % 10_000 == 0 or abs(micros) >= 10_000:
        return f"${usd.quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN)}"
    return f"${usd.normalize():f}"


def parse_usd(text: str, *, what: str = "cost") -> Result[int, MoneyError]:
    """Parse a USD amount typed by a person (`"1.25"`, `"0"`) into micro-dollars.

    >>> parse_usd("1.25").unwrap(), parse_usd(" 3 ").unwrap()
    (1250000, 3000000)
    >>> parse_usd("-1").failure().code, parse_usd("abc").failure().code
    ('cost-invalid', 'cost-invalid')
    """
    hint = f"give the {what} in US dollars as a plain number, e.g. 1.25"
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        return Failure(
            MoneyError(code="cost-invalid", message=f"{text!r} is not a number; {hint}.")
        )
    if not amount.is_finite():
        return Failure(MoneyError(code="cost-invalid", message=f"{text!r} is not finite; {hint}."))
    if amount < 0:
        return Failure(
            MoneyError(code="cost-invalid", message=f"{text!r} is negative; {hint} (0 or more).")
        )
    if amount > MAX_USD:
        return Failure(
            MoneyError(
                code="cost-invalid",
                message=f"{text!r} is more than ${MAX_USD:,}; {hint} (check for a typo).",
            )
        )
    return Success(int(amount.scaleb(6).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)))

"""How money, quantities and prices are rounded: once, here, so every module agrees to the cent.

Cash rounds half-to-even (banker's rounding) so that rounding errors over many transactions do
not drift in one direction; quantities keep 8 decimals (fractional shares) and prices 6.
"""

from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")
QUANTITY_STEP = Decimal("0.00000001")
PRICE_STEP = Decimal("0.000001")
ZERO = Decimal("0")


def to_cash(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_EVEN)


def to_quantity(value) -> Decimal:
    return Decimal(value).quantize(QUANTITY_STEP, rounding=ROUND_HALF_EVEN)


def to_price(value) -> Decimal:
    return Decimal(value).quantize(PRICE_STEP, rounding=ROUND_HALF_EVEN)


def has_more_places(value: Decimal, step: Decimal) -> bool:
    """True when ``value`` carries digits finer than ``step`` (they would be silently rounded away)."""
    return value != value.quantize(step, rounding=ROUND_HALF_EVEN)

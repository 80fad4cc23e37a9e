"""Execution prices and sizes: slippage, the volume-participation cap and rounding."""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from .types import LIMIT, STOP_LIMIT, OrderSpec, SimConfig

BPS = Decimal("10000")
CENT = Decimal("0.01")


def step(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def granularity(spec: OrderSpec, config: SimConfig) -> Decimal:
    """Whole shares for a whole-share quantity; fractions (to ``fractional_places``) otherwise."""
    if spec.qty is not None and spec.qty == spec.qty.to_integral_value():
        return Decimal(1)
    return step(config.fractional_places)


def round_down(value: Decimal, unit: Decimal) -> Decimal:
    if value <= 0:
        return Decimal(0)
    return (value / unit).to_integral_value(rounding=ROUND_DOWN) * unit


def participation_cap(volume: int | None, unit: Decimal, config: SimConfig) -> Decimal | None:
    """The most one order may take from a bar of ``volume`` shares (``None``: no cap)."""
    if volume is None or config.participation is None:
        return None
    return round_down(Decimal(volume) * config.participation, unit)


def slippage_bps(qty: Decimal, volume: int | None, config: SimConfig) -> Decimal:
    """Fixed bps plus impact growing linearly with the execution's share of the bar's volume."""
    if not volume:
        return config.slippage_bps
    return config.slippage_bps + config.impact_bps * min(qty / Decimal(volume), Decimal(1))


def execution_price(spec: OrderSpec, reference: Decimal, bps: Decimal, config: SimConfig) -> Decimal:
    """The reference moved against the order by ``bps``, rounded, and never beyond a limit price."""
    factor = 1 + bps / BPS if spec.is_buy else 1 - bps / BPS
    price = (reference * factor).quantize(step(config.price_places), rounding=ROUND_HALF_UP)
    if spec.order_type in (LIMIT, STOP_LIMIT):
        price = min(price, spec.limit_price) if spec.is_buy else max(price, spec.limit_price)
    return max(price, step(config.price_places))

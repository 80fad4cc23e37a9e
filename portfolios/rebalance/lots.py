"""Which lots a sell relieves, and the gain each part realises.

Orders (each is a sort key over open lots at the sale price):
- ``fifo`` / ``lifo`` / ``highest_cost``: the account's own relief method, used when not tax-aware
  (``specific`` has no lots chosen yet, so it falls back to FIFO).
- tax-aware: lots at a loss first (the largest loss per dollar of proceeds first), then long-term
  gains, then short-term gains last, each gain bucket smallest gain per dollar first.
- raise cash: losses first (largest per dollar first), then the smallest gains per dollar; with
  tax-aware on, long-term gains before short-term ones as above.
Ranking by gain per dollar of proceeds (not by the lot's dollar gain) is deliberate: a sell only
takes as much as it needs, so the lot that realises the most loss for each dollar raised comes first.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from ..choices import HoldingTerm, LotReliefMethod
from ..money import to_cash
from .types import LotSale, OpenLot

ZERO = Decimal("0")


def one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February: the anniversary is 28 February
        return day.replace(year=day.year + 1, day=28)


def term_of(lot: OpenLot, *, sold_on: dt.date) -> str:
    """Long-term when held more than one year: sold after the anniversary of the acquisition."""
    return HoldingTerm.LONG if sold_on > one_year_after(lot.acquired_on) else HoldingTerm.SHORT


def gain_rate(lot: OpenLot, price: Decimal) -> Decimal:
    """Unrealised gain per dollar of proceeds if the lot were sold at ``price``."""
    unit_cost = lot.cost_basis / lot.quantity
    return (price - unit_cost) / price


def tax_key(lot: OpenLot, *, price: Decimal, sold_on: dt.date, tax_aware: bool) -> tuple:
    """Losses first (largest per dollar first), then gains (smallest per dollar first); when
    tax-aware, long-term gains before short-term ones."""
    rate = gain_rate(lot, price)
    if rate <= ZERO:
        bucket = 0
    elif tax_aware:
        bucket = 1 if term_of(lot, sold_on=sold_on) == HoldingTerm.LONG else 2
    else:
        bucket = 1
    return (bucket, rate, lot.acquired_on)


def order_lots(
    lots: Iterable[OpenLot], *, price: Decimal, sold_on: dt.date, method: str, tax_aware: bool, losses_first: bool
) -> list[OpenLot]:
    lots = [lot for lot in lots if lot.quantity > ZERO]
    if tax_aware or losses_first:
        return sorted(lots, key=lambda lot: tax_key(lot, price=price, sold_on=sold_on, tax_aware=tax_aware))
    if method == LotReliefMethod.LIFO:
        return sorted(lots, key=lambda lot: lot.acquired_on, reverse=True)
    if method == LotReliefMethod.HIGHEST_COST:
        return sorted(lots, key=lambda lot: (-(lot.cost_basis / lot.quantity), lot.acquired_on))
    return sorted(lots, key=lambda lot: lot.acquired_on)


def relieve(ordered: list[OpenLot], *, quantity: Decimal, notional: Decimal, sold_on: dt.date) -> list[LotSale]:
    """Split a sell of ``quantity`` over ``ordered`` lots; proceeds add up to ``notional`` exactly."""
    sales: list[LotSale] = []
    left = quantity
    proceeds_left = notional
    for lot in ordered:
        if left <= ZERO:
            break
        part = min(lot.quantity, left)
        left -= part
        cost = lot.cost_basis if part == lot.quantity else to_cash(lot.cost_basis * part / lot.quantity)
        proceeds = proceeds_left if left <= ZERO else to_cash(notional * part / quantity)
        proceeds_left -= proceeds
        sales.append(
            LotSale(
                lot_id=lot.lot_id,
                acquired_on=lot.acquired_on,
                quantity=part,
                cost_basis=cost,
                proceeds=proceeds,
                gain=proceeds - cost,
                term=term_of(lot, sold_on=sold_on),
            )
        )
    return sales


def gains_by_term(sales: Iterable[LotSale]) -> tuple[Decimal, Decimal]:
    """(short-term, long-term) realised gains."""
    sales = list(sales)
    short = sum((sale.gain for sale in sales if sale.term == HoldingTerm.SHORT), Decimal("0.00"))
    long = sum((sale.gain for sale in sales if sale.term == HoldingTerm.LONG), Decimal("0.00"))
    return short, long

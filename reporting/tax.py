"""Realised gains and losses by lot for a tax year, with wash-sale adjustments. Pure: no database.

The inputs are plain rows (``reporting.selectors_tax`` loads them from the ledger): every relief
of a lot (``ReliefInput``: a sale or a transfer out, like ``LotRelief``) and every lot opened by a
buy (``PurchaseInput``). ``realised_gains`` replays them in trade order and returns one row per
lot sold (split further where only part of the lot carries a wash-sale adjustment), totals per
term and the wash sales it found.

The wash-sale rule as applied here (IRC §1091, IRS Publication 550):

- A loss on a sale is disallowed when substantially identical securities — here: the same
  instrument — were bought within 30 days before or after the sale (a 61-day window).
- The window spans every account passed in. The selector passes the whole household: the
  taxpayer's own, joint and IRA accounts and a spouse's (Publication 550 counts a spouse's
  purchase). A replacement bought in a tax-advantaged account (IRA, Roth IRA) disallows the loss
  for good: nothing is added to the basis of the IRA's shares (Rev. Rul. 2008-5).
- Loss shares and replacement shares are matched in chronological order, loss sales by trade
  date and purchases by acquisition date (Treas. Reg. §1.1091-1(c)); each bought share replaces at
  most one sold share. Not replacements: the rest of the very lot a sale came from (Rev. Rul.
  56-602), and shares bought before the sale that are no longer held once it is done (including
  the shares it sold).
- When fewer replacement shares than loss shares are found, the loss is disallowed in proportion:
  loss * replacement shares / shares sold.
- The disallowed loss is added to the basis of the replacement shares (the row's "adjustment"
  when they are sold) and their holding period includes that of the shares sold: their effective
  acquisition date moves back by the days the sold shares were held, and the term of their later
  sale is judged from it. Everywhere else the term is the ledger's own (``LotRelief.term``).
- Gains are never washed. Only sales in taxable accounts are washed (a loss inside an IRA is
  not deductible in the first place). Transfers out realise nothing and are not listed, but they
  take their shares, and any adjustment those carry, with them.
- Within one lot, shares carrying an adjustment leave first (earliest effective acquisition
  first), so a sale of part of a replacement lot uses the adjusted shares before the others.
- A sale belongs to the tax year of its trade date. A December loss can be washed by a January
  purchase, so a year's figures can still change until 30 days after the year ends.

Quantities: the matching counts today's share units, so that a split between a sale and a
purchase does not make 100 shares sold look like half of the 200 bought back.
``ReliefInput.units_per_share`` converts a relief's shares, counted on its own date, into those
units and back for display; ``PurchaseInput.quantity`` is already in them.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from portfolios.choices import HoldingTerm
from portfolios.ledger.lots import holding_term
from portfolios.money import ZERO, to_cash, to_quantity

from .tax_types import (
    GainRow,
    PurchaseInput,
    RealisedGainsReport,
    ReliefInput,
    TermTotals,
    WashSale,
)

WASH_SALE_DAYS = 30


@dataclass
class _Block:
    """Shares of a lot that replaced washed shares: their extra basis and effective acquisition date."""

    units: Decimal
    adjustment: Decimal
    acquired_on: dt.date


@dataclass
class _LotState:
    # Shares carrying no adjustment and not yet used as replacements; None: unknown (not a buy).
    fresh: Decimal | None
    blocks: list[_Block] = field(default_factory=list)


@dataclass
class _Part:
    relief: ReliefInput
    units: Decimal
    quantity: Decimal
    proceeds: Decimal
    cost_basis: Decimal
    adjustment: Decimal
    acquired_on: dt.date
    tacked: bool
    disallowed: Decimal = ZERO
    wash_sales: list[WashSale] = field(default_factory=list)

    @property
    def gain(self) -> Decimal:
        return self.proceeds - self.cost_basis - self.adjustment


def _share(total: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    return total if part == whole else to_cash(total * part / whole)


def _take(lot: _LotState, relief: ReliefInput) -> list[tuple[Decimal, Decimal, dt.date | None]]:
    """Remove the relief's shares from ``lot``: (units, adjustment, effective date or None) per source."""
    left = relief.units
    taken = []
    for block in sorted(lot.blocks, key=lambda block: block.acquired_on):
        if left <= 0:
            break
        units = min(block.units, left)
        adjustment = _share(block.adjustment, units, block.units)
        block.units -= units
        block.adjustment -= adjustment
        taken.append((units, adjustment, block.acquired_on))
        left -= units
    lot.blocks = [block for block in lot.blocks if block.units > 0]
    if left > 0:
        taken.append((left, ZERO, None))
        if lot.fresh is not None:
            lot.fresh = max(ZERO, lot.fresh - left)
    return taken


def _parts(relief: ReliefInput, taken) -> list[_Part]:
    """Split one relief's shares, proceeds and cost across the sources ``_take`` found; the last takes the rest."""
    parts = []
    quantity_left, proceeds_left, cost_left = relief.quantity, relief.proceeds, relief.cost_basis
    for index, (units, adjustment, acquired_on) in enumerate(taken):
        if index == len(taken) - 1:
            quantity, proceeds, cost = quantity_left, proceeds_left, cost_left
        else:
            quantity = to_quantity(units / relief.units_per_share)
            proceeds = to_cash(relief.proceeds * units / relief.units)
            cost = to_cash(relief.cost_basis * units / relief.units)
            quantity_left, proceeds_left, cost_left = (
                quantity_left - quantity,
                proceeds_left - proceeds,
                cost_left - cost,
            )
        tacked = acquired_on is not None
        parts.append(
            _Part(
                relief=relief,
                units=units,
                quantity=quantity,
                proceeds=proceeds,
                cost_basis=cost,
                adjustment=adjustment,
                acquired_on=acquired_on if tacked else relief.lot_acquired_on,
                tacked=tacked,
            )
        )
    return parts


class _WashSaleBook:
    """The replay: lot states of every account in scope, and the purchases that may replace."""

    def __init__(self, purchases: list[PurchaseInput]):
        self.purchases = sorted(purchases, key=lambda p: (p.acquired_on, p.transaction_id))
        self.by_instrument: dict[int, list[PurchaseInput]] = defaultdict(list)
        self.lots: dict[int, _LotState] = {}
        self.wash_sales: list[WashSale] = []
        for purchase in self.purchases:
            self.by_instrument[purchase.instrument_id].append(purchase)
            self.lots[purchase.lot_id] = _LotState(fresh=purchase.quantity)

    def lot(self, lot_id: int) -> _LotState:
        return self.lots.setdefault(lot_id, _LotState(fresh=None))

    def wash(self, part: _Part) -> None:
        """Match the loss of ``part`` with replacement shares; record the disallowed loss and adjustments."""
        relief = part.relief
        loss = -part.gain
        start = relief.closed_on - dt.timedelta(days=WASH_SALE_DAYS)
        end = relief.closed_on + dt.timedelta(days=WASH_SALE_DAYS)
        matches: list[tuple[PurchaseInput, Decimal]] = []
        need = part.units
        for purchase in self.by_instrument.get(relief.instrument_id, ()):
            if need <= 0 or purchase.acquired_on > end:
                break
            if purchase.acquired_on < start or purchase.lot_id == relief.lot_id:
                continue
            state = self.lots[purchase.lot_id]
            units = min(state.fresh, need)
            if units > 0:
                matches.append((purchase, units))
                need -= units
        if not matches:
            return
        matched = part.units - need
        part.disallowed = _share(loss, matched, part.units)
        held_days = (relief.closed_on - part.acquired_on).days
        left = part.disallowed
        for index, (purchase, units) in enumerate(matches):
            disallowed = left if index == len(matches) - 1 else to_cash(part.disallowed * units / matched)
            left -= disallowed
            # In an IRA the loss is simply lost: no basis to add it to, no holding period to extend.
            adjustment = disallowed if purchase.taxable else ZERO
            added_days = held_days if purchase.taxable else 0
            state = self.lots[purchase.lot_id]
            state.fresh -= units
            state.blocks.append(
                _Block(
                    units=units,
                    adjustment=adjustment,
                    acquired_on=purchase.acquired_on - dt.timedelta(days=added_days),
                )
            )
            sale = WashSale(
                sale_account_id=relief.account_id,
                relief_id=relief.relief_id,
                symbol=relief.symbol,
                sold_on=relief.closed_on,
                quantity=to_quantity(units / relief.units_per_share),
                disallowed_loss=disallowed,
                replacement_lot_id=purchase.lot_id,
                replacement_account_id=purchase.account_id,
                replacement_acquired_on=purchase.acquired_on,
                basis_adjustment=adjustment,
                holding_days_added=added_days,
            )
            part.wash_sales.append(sale)
            self.wash_sales.append(sale)


def _row(part: _Part) -> GainRow:
    relief = part.relief
    term = holding_term(part.acquired_on, relief.closed_on) if part.tacked else relief.term
    return GainRow(
        account_id=relief.account_id,
        relief_id=relief.relief_id,
        transaction_id=relief.transaction_id,
        lot_id=relief.lot_id,
        instrument_id=relief.instrument_id,
        symbol=relief.symbol,
        acquired_on=part.acquired_on,
        lot_acquired_on=relief.lot_acquired_on,
        sold_on=relief.closed_on,
        quantity=part.quantity,
        proceeds=part.proceeds,
        cost_basis=part.cost_basis,
        adjustment=part.adjustment,
        gain=part.gain,
        disallowed_loss=part.disallowed,
        term=str(term),
        taxable=relief.taxable,
        wash_sales=tuple(part.wash_sales),
    )


def term_totals(rows, term: str) -> TermTotals:
    """Sums over ``rows`` of one term, or over all of them when ``term`` is "all"."""
    chosen = [row for row in rows if term == "all" or row.term == term]

    def total(name: str) -> Decimal:
        return sum((getattr(row, name) for row in chosen), ZERO)

    return TermTotals(
        term=term,
        rows=len(chosen),
        proceeds=total("proceeds"),
        cost_basis=total("cost_basis"),
        adjustment=total("adjustment"),
        gain=total("gain"),
        disallowed_loss=total("disallowed_loss"),
        recognised_gain=total("recognised_gain"),
    )


def realised_gains(
    reliefs: list[ReliefInput],
    purchases: list[PurchaseInput],
    *,
    year: int | None = None,
    account_ids=None,
) -> RealisedGainsReport:
    """The realised-gains report of ``year`` (every year when None) for ``account_ids`` (all when None).

    ``reliefs`` and ``purchases`` cover every account the wash-sale rule spans, from the first
    trade up to at least the end of the year (purchases up to 30 days beyond it).
    """
    wanted = None if account_ids is None else set(account_ids)
    book = _WashSaleBook(purchases)
    rows: list[GainRow] = []
    ordered = sorted(reliefs, key=lambda relief: (relief.closed_on, relief.transaction_id, relief.relief_id))
    for _, group in groupby(ordered, key=lambda relief: relief.transaction_id):
        # The whole transaction leaves first: shares it sells are not held after it, so cannot replace.
        parts = [part for relief in group for part in _parts(relief, _take(book.lot(relief.lot_id), relief))]
        for part in parts:
            relief = part.relief
            if not relief.is_sale:
                continue
            if relief.taxable and part.gain < 0:
                book.wash(part)
            in_year = year is None or relief.closed_on.year == year
            if in_year and (wanted is None or relief.account_id in wanted):
                rows.append(_row(part))
    wash_sales = tuple(
        sale
        for sale in book.wash_sales
        if (year is None or sale.sold_on.year == year)
        and (wanted is None or {sale.sale_account_id, sale.replacement_account_id} & wanted)
    )
    totals = {term: term_totals(rows, term) for term in (*HoldingTerm.values, "all")}
    return RealisedGainsReport(year=year, rows=tuple(rows), totals=totals, wash_sales=wash_sales)

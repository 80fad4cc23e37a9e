"""What an account holds and what it is worth: holdings rows, the summary and the allocation.

Every figure is a Decimal computed from the materialised positions and the last as-traded close,
in a fixed number of queries whatever the number of positions (positions with their instruments,
then one query for all last closes). Rounding for display happens at the edge, not here.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from marketdata.choices import AssetClass
from marketdata.selectors import latest_closes

from ..models import Account, Position

ZERO = Decimal("0")
CASH_LABEL = "Cash"
UNCLASSIFIED = "Unclassified"


@dataclass(frozen=True)
class InstrumentRef:
    """The instrument fields a holdings row shows; a plain object, since 500 model instances cost more
    than the whole query."""

    pk: int
    symbol: str
    name: str
    sector: str
    asset_class: str


@dataclass(frozen=True)
class HoldingRow:
    instrument: InstrumentRef
    quantity: Decimal
    price: Decimal | None
    price_date: dt.date | None
    market_value: Decimal
    cost_basis: Decimal
    unrealized_gain: Decimal
    unrealized_gain_pct: Decimal | None
    weight: Decimal


@dataclass(frozen=True)
class AccountSummary:
    cash: Decimal
    market_value: Decimal
    total_value: Decimal
    cost_basis: Decimal
    unrealized_gain: Decimal
    unrealized_gain_pct: Decimal | None
    positions: int
    # The oldest last-close date among the positions: how stale the valuation may be.
    priced_as_of: dt.date | None


@dataclass(frozen=True)
class AllocationSlice:
    label: str
    value: Decimal
    weight: Decimal


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return part / whole if whole else None


def holdings_for(account: Account, *, as_of: dt.date | None = None) -> list[HoldingRow]:
    """Open positions valued at their last close on or before ``as_of``, largest value first.

    A position without any price is valued at zero (and shows no price) rather than hidden.
    """
    positions = list(
        Position.objects.filter(account=account)
        .exclude(quantity=0)
        .order_by("pk")
        .values_list(
            "instrument_id",
            "quantity",
            "cost_basis",
            "instrument__symbol",
            "instrument__name",
            "instrument__sector",
            "instrument__asset_class",
        )
    )
    closes = latest_closes([position[0] for position in positions], as_of=as_of)
    valued = []
    for instrument_id, quantity, cost_basis, symbol, name, sector, asset_class in positions:
        price_date, price = closes.get(instrument_id, (None, None))
        market_value = quantity * price if price is not None else ZERO
        instrument = InstrumentRef(instrument_id, symbol, name, sector, asset_class)
        valued.append((instrument, quantity, cost_basis, price, price_date, market_value))
    total = account.cash + sum((entry[-1] for entry in valued), ZERO)
    rows = [
        HoldingRow(
            instrument=instrument,
            quantity=quantity,
            price=price,
            price_date=price_date,
            market_value=market_value,
            cost_basis=cost_basis,
            unrealized_gain=market_value - cost_basis,
            unrealized_gain_pct=_ratio(market_value - cost_basis, cost_basis),
            weight=_ratio(market_value, total) or ZERO,
        )
        for instrument, quantity, cost_basis, price, price_date, market_value in valued
    ]
    rows.sort(key=lambda row: (-row.market_value, row.instrument.symbol))
    return rows


def account_summary(account: Account, rows: list[HoldingRow] | None = None) -> AccountSummary:
    """Cash, securities, total, cost and unrealised P&L; pass ``rows`` to reuse holdings already read."""
    if rows is None:
        rows = holdings_for(account)
    market_value = sum((row.market_value for row in rows), ZERO)
    cost_basis = sum((row.cost_basis for row in rows), ZERO)
    gain = market_value - cost_basis
    dates = [row.price_date for row in rows if row.price_date is not None]
    return AccountSummary(
        cash=account.cash,
        market_value=market_value,
        total_value=account.cash + market_value,
        cost_basis=cost_basis,
        unrealized_gain=gain,
        unrealized_gain_pct=_ratio(gain, cost_basis),
        positions=len(rows),
        priced_as_of=min(dates) if dates else None,
    )


def _allocation(account: Account, rows: list[HoldingRow], label_of) -> list[AllocationSlice]:
    values: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        values[label_of(row.instrument)] += row.market_value
    if account.cash:
        values[CASH_LABEL] += account.cash
    total = sum(values.values(), ZERO)
    slices = [AllocationSlice(label, value, _ratio(value, total) or ZERO) for label, value in values.items() if value]
    slices.sort(key=lambda s: (-s.value, s.label))
    return slices


def allocation_by_sector(account: Account, rows: list[HoldingRow]) -> list[AllocationSlice]:
    """Weights by the instruments' sector, cash as its own slice; largest first."""
    return _allocation(account, rows, lambda instrument: instrument.sector or UNCLASSIFIED)


_ASSET_CLASS_LABELS = dict(AssetClass.choices)


def allocation_by_asset_class(account: Account, rows: list[HoldingRow]) -> list[AllocationSlice]:
    """Weights by asset class, cash as its own slice; largest first."""
    return _allocation(account, rows, lambda instrument: _ASSET_CLASS_LABELS.get(instrument.asset_class, UNCLASSIFIED))


@dataclass(frozen=True)
class BookTotals:
    accounts: int
    cash: Decimal
    market_value: Decimal

    @property
    def assets_under_management(self) -> Decimal:
        return self.cash + self.market_value


def book_totals(accounts) -> BookTotals:
    """Totals over a queryset of accounts (already scoped): three queries whatever its size."""
    accounts = accounts.filter(is_active=True).order_by()
    summary = accounts.aggregate(cash=Sum("cash"), count=Count("pk"))
    quantities = (
        Position.objects.filter(account__in=accounts.values("pk"))
        .exclude(quantity=0)
        .values("instrument_id")
        .annotate(quantity=Sum("quantity"))
        .order_by()
    )
    held = {row["instrument_id"]: row["quantity"] for row in quantities}
    closes = latest_closes(held)
    market_value = sum((held[pk] * close for pk, (_, close) in closes.items()), ZERO)
    return BookTotals(accounts=summary["count"], cash=summary["cash"] or ZERO, market_value=market_value)


def account_totals(accounts: list[Account]) -> dict[int, Decimal]:
    """Total value (cash plus securities at the last close) per account, in two queries."""
    totals = {account.pk: account.cash for account in accounts}
    positions = list(
        Position.objects.filter(account_id__in=totals)
        .exclude(quantity=0)
        .values_list("account_id", "instrument_id", "quantity")
    )
    closes = latest_closes(instrument_id for _, instrument_id, _ in positions)
    for account_id, instrument_id, quantity in positions:
        if instrument_id in closes:
            totals[account_id] += quantity * closes[instrument_id][1]
    return totals

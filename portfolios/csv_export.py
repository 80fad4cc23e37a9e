"""CSV exports of an account, written row by row so a long ledger never sits in memory.

The transactions export uses the import's columns first, so a file exported from one account
imports into another (splits and transfers in excepted: the import refuses those kinds), and adds
the export-only columns that say what those kinds carry.
"""

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal

from .csv_format import COLUMNS, EXPORT_ONLY_COLUMNS
from .models import Account, Transaction
from .money import to_cash
from .selectors.holdings import CASH_LABEL, holdings_for

TRANSACTION_COLUMNS = (*COLUMNS, *EXPORT_ONLY_COLUMNS)
HOLDING_COLUMNS = (
    "symbol",
    "name",
    "asset_class",
    "sector",
    "quantity",
    "price",
    "price_date",
    "market_value",
    "cost_basis",
    "unrealized_gain",
    "weight",
)
_CHUNK = 2000
_WEIGHT_STEP = Decimal("0.000001")


class _Echo:
    """A file that hands back what is written to it, so ``csv.writer`` produces strings to stream."""

    def write(self, value: str) -> str:
        return value


def stream_csv(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def _plain(value: Decimal | None) -> str:
    """A decimal without the trailing zeros its column pads it with (10.00000000 -> 10)."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _cash(value: Decimal | None) -> str:
    return "" if value is None else format(to_cash(value), "f")


def transaction_rows(account: Account) -> Iterator[list[str]]:
    """Every transaction of ``account`` in ledger order, in the import's format plus the export columns."""
    transactions = (
        Transaction.objects.filter(account=account)
        .select_related("instrument")
        .order_by("trade_date", "pk")
        .iterator(chunk_size=_CHUNK)
    )
    for entry in transactions:
        split = f"{entry.split_numerator}:{entry.split_denominator}" if entry.split_numerator else ""
        yield [
            entry.trade_date.isoformat(),
            entry.kind,
            entry.instrument.symbol if entry.instrument_id else "",
            _plain(entry.quantity),
            _plain(entry.price),
            _cash(entry.fees) if entry.fees else "",
            _cash(entry.amount),
            entry.description,
            entry.external_id,
            split,
            _cash(entry.cost_basis),
            entry.acquired_on.isoformat() if entry.acquired_on else "",
        ]


def holding_rows(account: Account) -> Iterator[list[str]]:
    """The account's positions as the holdings page values them, then its cash."""
    rows = holdings_for(account)
    total = account.cash + sum((row.market_value for row in rows), Decimal("0"))
    for row in rows:
        yield [
            row.instrument.symbol,
            row.instrument.name,
            row.instrument.asset_class,
            row.instrument.sector,
            _plain(row.quantity),
            _plain(row.price),
            row.price_date.isoformat() if row.price_date else "",
            _cash(row.market_value),
            _cash(row.cost_basis),
            _cash(row.unrealized_gain),
            _weight(row.weight),
        ]
    yield [
        "",
        CASH_LABEL,
        "",
        "",
        "",
        "",
        "",
        _cash(account.cash),
        "",
        "",
        _weight(account.cash / total if total else None),
    ]


def _weight(value: Decimal | None) -> str:
    return "" if value is None else format(value.quantize(_WEIGHT_STEP), "f")

"""What a report's subject holds at the period end and what it did in the period: the holdings table with
allocation slices (a household's accounts combined) and the activity summary and entries."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from portfolios import display
from portfolios.choices import TransactionKind
from portfolios.models import Transaction
from portfolios.selectors import allocation_by_asset_class, allocation_by_sector, holdings_for, transactions_for
from portfolios.selectors.holdings import HoldingRow

from .subjects import Subject

MAX_ACTIVITY_ROWS = 600


@dataclass(frozen=True)
class Slice:
    label: str
    weight: float
    value: str


@dataclass(frozen=True)
class _Cash:
    """What the allocation selectors read of an account: its cash (here summed over the household)."""

    cash: Decimal


def _combined_rows(per_account: list[list[HoldingRow]], cash: Decimal) -> list[HoldingRow]:
    """The household's holdings: each instrument's rows summed over its accounts, weights over the total."""
    if len(per_account) == 1:
        return per_account[0]
    grouped: dict[int, list[HoldingRow]] = defaultdict(list)
    for rows in per_account:
        for row in rows:
            grouped[row.instrument.pk].append(row)
    market_total = sum((row.market_value for rows in per_account for row in rows), Decimal("0"))
    total = market_total + cash
    combined = []
    for rows in grouped.values():
        first = rows[0]
        market_value = sum((row.market_value for row in rows), Decimal("0"))
        cost_basis = sum((row.cost_basis for row in rows), Decimal("0"))
        gain = market_value - cost_basis
        combined.append(
            HoldingRow(
                instrument=first.instrument,
                quantity=sum((row.quantity for row in rows), Decimal("0")),
                price=first.price,
                price_date=first.price_date,
                market_value=market_value,
                cost_basis=cost_basis,
                unrealized_gain=gain,
                unrealized_gain_pct=gain / cost_basis if cost_basis else None,
                weight=market_value / total if total else Decimal("0"),
            )
        )
    combined.sort(key=lambda row: (-row.market_value, row.instrument.symbol))
    return combined


def _slices(allocation) -> list[Slice]:
    return [Slice(item.label, float(item.weight), display.money(item.value)) for item in allocation]


def holdings(subject: Subject, end: dt.date):
    per_account = [holdings_for(account, as_of=end) for account in subject.accounts]
    cash = sum((account.cash for account in subject.accounts), Decimal("0"))
    rows = _combined_rows(per_account, cash)
    holder = _Cash(cash)
    market_value = sum((row.market_value for row in rows), Decimal("0"))
    cost_basis = sum((row.cost_basis for row in rows), Decimal("0"))
    total = market_value + cash
    table = [
        [
            row.instrument.symbol,
            row.instrument.name[:38],
            display.quantity(row.quantity),
            display.price(row.price),
            display.money(row.market_value),
            display.money(row.cost_basis),
            display.signed_money(row.unrealized_gain),
            display.percent(row.unrealized_gain_pct, signed=True),
            display.percent(row.weight),
        ]
        for row in rows
    ]
    if cash:
        cash_weight = cash / total if total else None
        table.append(["Cash", "", "", "", display.money(cash), "", "", "", display.percent(cash_weight)])
    totals = [
        "Total",
        "",
        "",
        "",
        display.money(total),
        display.money(cost_basis),
        display.signed_money(market_value - cost_basis),
        "",
        "100.00 %" if total else "—",
    ]
    return (
        table,
        totals,
        _slices(allocation_by_asset_class(holder, rows)),
        _slices(allocation_by_sector(holder, rows)),
    )


_KIND_LABELS = dict(TransactionKind.choices)


def activity(subject: Subject, start: dt.date, end: dt.date):
    ids = [account.pk for account in subject.accounts]
    in_period = Transaction.objects.filter(account_id__in=ids, trade_date__gte=start, trade_date__lte=end)
    totals = {
        row["kind"]: (row["amount"], row["count"])
        for row in in_period.order_by().values("kind").annotate(amount=Sum("amount"), count=Count("pk"))
    }
    summary = [
        (f"{_KIND_LABELS.get(kind, kind)} ({count})", display.signed_money(amount))
        for kind, (amount, count) in sorted(totals.items(), key=lambda item: _KIND_LABELS.get(item[0], item[0]))
    ]
    count = sum(count for _, count in totals.values())
    names = {account.pk: account.name for account in subject.accounts}
    many = len(ids) > 1
    entries = []
    for account in subject.accounts:
        entries += list(transactions_for(account, start=start, end=end)[:MAX_ACTIVITY_ROWS])
    entries.sort(key=lambda t: (t.trade_date, t.pk), reverse=True)
    entries = entries[:MAX_ACTIVITY_ROWS]
    rows = []
    for entry in entries:
        row = [
            entry.trade_date.isoformat(),
            _KIND_LABELS.get(entry.kind, entry.kind),
            entry.instrument.symbol if entry.instrument_id else "",
            display.quantity(entry.quantity) if entry.quantity is not None else "",
            display.price(entry.price) if entry.price is not None else "",
            display.signed_money(entry.amount),
            (entry.description or "")[:40],
        ]
        if many:
            row.insert(1, names[entry.account_id][:28])
        rows.append(row)
    if not count:
        note = "No transactions in the period."
    elif count > len(rows):
        note = (
            f"The {len(rows)} most recent of {count} transactions in the period; "
            "the transactions CSV export lists them all."
        )
    else:
        note = f"{count} transactions in the period, newest first."
    return summary, rows, note

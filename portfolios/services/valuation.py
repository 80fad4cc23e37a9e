"""The daily value history of an account, rebuilt from its ledger and the closes.

``refresh_account_values`` replays the account's transactions (read once) into daily quantities
and cash, prices them with the last close carried forward over days without a bar, and replaces
the ``AccountValue`` rows from ``since`` on in one transaction. Pages then read history instead of
recomputing it per request.

Securities are valued with NumPy float64 over a sessions x instruments grid (500 instruments over
ten years is 1.26 M cells); each day's sum is rounded to the cent.
Cash, cost basis and cash flows stay Decimal: they are sums of the ledger's own Decimal amounts.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.db.models import FloatField, Max
from django.db.models.functions import Cast
from django.utils import timezone

from marketdata.calendar import session_on_or_before, sessions_in_range
from marketdata.models import DailyBar
from marketdata.selectors import close_history, latest_closes

from ..choices import TransactionKind
from ..models import Account, AccountValue, Lot, LotRelief, Transaction
from ..money import ZERO, to_cash

WRITE_BATCH = 1000

# How each kind changes the quantity held; splits multiply it instead.
_QUANTITY_SIGN = {
    TransactionKind.BUY: 1,
    TransactionKind.TRANSFER_IN: 1,
    TransactionKind.SELL: -1,
    TransactionKind.TRANSFER_OUT: -1,
}
_CASH_FLOW_KINDS = frozenset({TransactionKind.DEPOSIT, TransactionKind.WITHDRAWAL})
_SECURITY_FLOW_KINDS = frozenset({TransactionKind.TRANSFER_IN, TransactionKind.TRANSFER_OUT})


def _float_cents(value: float) -> Decimal:
    # repr of a float is the shortest string that round-trips, so 1234.565 stays 1234.565.
    return to_cash(repr(float(value)))


def _last_priced_day(instrument_ids: list[int]) -> dt.date | None:
    bars = DailyBar.objects.filter(instrument_id__in=instrument_ids) if instrument_ids else DailyBar.objects.all()
    return bars.aggregate(last=Max("date"))["last"]


def _forward_fill(levels: np.ndarray) -> np.ndarray:
    """Carry each column's last non-NaN value down the rows; leading NaNs stay NaN."""
    rows = np.arange(levels.shape[0])[:, None]
    index = np.where(np.isnan(levels), 0, rows)
    np.maximum.accumulate(index, axis=0, out=index)
    filled = levels[index, np.arange(levels.shape[1])]
    # Row 0 of a column may itself be NaN; index 0 then points at it and it stays NaN.
    return filled


def _price_grid(instrument_ids: list[int], sessions: list[dt.date]) -> np.ndarray:
    """sessions x instruments closes, the last close before the first session seeding each column."""
    column = {pk: j for j, pk in enumerate(instrument_ids)}
    grid = np.full((len(sessions), len(instrument_ids)), np.nan)
    seed = latest_closes(instrument_ids, as_of=sessions[0] - dt.timedelta(days=1))
    for pk, (_, close) in seed.items():
        grid[0, column[pk]] = float(close)
    # Ten years of 500 instruments is 1.26 M bars: read them as floats, unordered (each lands by its
    # index), and convert column-wise; building Decimals and sorting cost several seconds.
    bars = list(
        close_history(instrument_ids, start=sessions[0], end=sessions[-1])
        .order_by()
        .annotate(price=Cast("close", FloatField()))
        .values_list("instrument_id", "date", "price")
    )
    if bars:
        row_of = {day: i for i, day in enumerate(sessions)}
        count = len(bars)
        # A bar on a day the calendar does not list (a data error) is ignored.
        rows = np.fromiter((row_of.get(day, -1) for _, day, _ in bars), dtype=np.int64, count=count)
        cols = np.fromiter((column[pk] for pk, _, _ in bars), dtype=np.int64, count=count)
        prices = np.fromiter((price for _, _, price in bars), dtype=float, count=count)
        keep = rows >= 0
        grid[rows[keep], cols[keep]] = prices[keep]
    return _forward_fill(grid)


def _cost_basis_deltas(account: Account, session_index) -> dict[int, Decimal]:
    """Change of the account's cost basis per session index, from the lots and their reliefs.

    A lot's original cost is what remains plus what its reliefs took away; it enters on the day
    the lot opened and each relief removes its part on the day it closed.
    """
    deltas: dict[int, Decimal] = defaultdict(lambda: ZERO)
    relieved: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for lot_id, closed_on, cost in LotRelief.objects.filter(lot__account=account).values_list(
        "lot_id", "closed_on", "cost_basis"
    ):
        relieved[lot_id].append((closed_on, cost))
    for lot_id, opened_on, remaining_cost in Lot.objects.filter(account=account).values_list(
        "pk", "opening_transaction__trade_date", "cost_basis"
    ):
        parts = relieved.get(lot_id, [])
        deltas[session_index(opened_on)] += remaining_cost + sum((cost for _, cost in parts), ZERO)
        for closed_on, cost in parts:
            deltas[session_index(closed_on)] -= cost
    return deltas


def _cumulative(deltas: dict[int, Decimal], count: int) -> list[Decimal]:
    running = ZERO
    levels = []
    for index in range(count):
        running += deltas.get(index, ZERO)
        levels.append(running)
    return levels


def refresh_account_values(*, account: Account, since: dt.date | None = None) -> int:
    """Rebuild the account's ``AccountValue`` rows from ``since`` (default: its first transaction)
    through the last day with prices; returns the number of rows written.

    Rows before ``since`` are kept; rows on or after it are replaced, so running it twice is harmless.
    """
    transactions = list(
        Transaction.objects.filter(account=account)
        .order_by("trade_date", "pk")
        .values_list(
            "trade_date", "kind", "instrument_id", "quantity", "amount", "split_numerator", "split_denominator"
        )
    )
    first_day = transactions[0][0] if transactions else None
    start = max(since, first_day) if since and first_day else (since or first_day)
    instrument_ids = sorted({row[2] for row in transactions if row[2] is not None})
    end = _last_priced_day(instrument_ids) or session_on_or_before(timezone.localdate())
    sessions = sessions_in_range(start, end) if start else []

    with transaction.atomic():
        stale = AccountValue.objects.filter(account=account)
        if since is not None or start is not None:
            stale = stale.filter(date__gte=since or start)
        stale.delete()
        if not sessions:
            return 0
        AccountValue.objects.bulk_create(_rows(account, transactions, instrument_ids, sessions), batch_size=WRITE_BATCH)
    return len(sessions)


def _rows(account, transactions, instrument_ids, sessions) -> list[AccountValue]:
    count = len(sessions)
    session_days = np.array(sessions, dtype="datetime64[D]")

    def session_index(day: dt.date) -> int:
        # Anything before the first session is state carried into it; a non-session day counts on
        # the next session.
        return int(np.searchsorted(session_days, np.datetime64(day, "D"), side="left"))

    column = {pk: j for j, pk in enumerate(instrument_ids)}
    prices = _price_grid(instrument_ids, sessions) if instrument_ids else np.zeros((count, 0))
    quantity_levels = np.full((count, len(instrument_ids)), np.nan)
    held: dict[int, Decimal] = defaultdict(lambda: ZERO)
    cash_deltas: dict[int, Decimal] = defaultdict(lambda: ZERO)
    flows: dict[int, Decimal] = defaultdict(lambda: ZERO)

    for trade_date, kind, instrument_id, quantity, amount, numerator, denominator in transactions:
        index = session_index(trade_date)
        if index >= count:
            continue
        cash_deltas[index] += amount
        if instrument_id is not None:
            if kind == TransactionKind.SPLIT:
                held[instrument_id] = held[instrument_id] * numerator / denominator
            elif kind in _QUANTITY_SIGN:
                held[instrument_id] += _QUANTITY_SIGN[kind] * quantity
            quantity_levels[index, column[instrument_id]] = float(held[instrument_id])
        if trade_date < sessions[0]:
            continue
        if kind in _CASH_FLOW_KINDS:
            flows[index] += amount
        elif kind in _SECURITY_FLOW_KINDS:
            price = prices[index, column[instrument_id]]
            if not np.isnan(price):
                flows[index] += _QUANTITY_SIGN[kind] * _float_cents(float(quantity) * price)

    quantities = np.nan_to_num(_forward_fill(quantity_levels)) if instrument_ids else quantity_levels
    market_values = (quantities * np.nan_to_num(prices)).sum(axis=1)
    cash = _cumulative(cash_deltas, count)
    cost = _cumulative(_cost_basis_deltas(account, session_index), count)
    rows = []
    for index, day in enumerate(sessions):
        market_value = _float_cents(market_values[index])
        cash_today = to_cash(cash[index])
        rows.append(
            AccountValue(
                account=account,
                date=day,
                cash=cash_today,
                market_value=market_value,
                total_value=cash_today + market_value,
                cost_basis=to_cash(cost[index]),
                net_external_flow=to_cash(flows.get(index, ZERO)),
            )
        )
    return rows

"""Performance of an account or a household: load the value history and flows, then measure.

Each report costs a fixed number of queries whatever the length of the history (the values in
one query as floats, the flow and fee transactions in another); the arithmetic is in
``reporting.returns`` and the period dates in ``reporting.periods``.

External flows come from the materialised ``AccountValue.net_external_flow`` (securities moved in
or out at their market value, already on sessions); the flow and fee transactions are read for
the fees (gross of fees adds them back) and to say in the working which were dated on a day
without a session.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db.models import FloatField
from django.db.models.functions import Cast

from portfolios.choices import EXTERNAL_FLOW_KINDS, TransactionKind
from portfolios.models import Account, AccountValue, Household, Transaction
from portfolios.selectors import accounts_visible_to

from .history import MovedEvent, ValueHistory, align_events, combine, day_array
from .periods import Period, PeriodKey, resolve_period
from .returns import Performance, ReturnsError, measure

_EVENT_KINDS = frozenset({*EXTERNAL_FLOW_KINDS, TransactionKind.FEE})


@dataclass(frozen=True)
class PerformanceReport:
    period: Period
    performance: Performance
    # About the history rather than one measure (a period cut short, accounts cut to a common end).
    notes: tuple[str, ...]
    account_ids: tuple[int, ...]
    # The measured history itself, for pages that chart the daily returns behind the figures.
    history: ValueHistory | None = field(default=None, repr=False, compare=False)


def _histories(account_ids) -> tuple[dict[int, ValueHistory], list[MovedEvent]]:
    """One ValueHistory per account (``account_ids``: a list or a subquery of ids; accounts without
    values are absent) and the flows and fees moved onto valued days."""
    rows = defaultdict(list)
    for account_id, day, value, flow in (
        AccountValue.objects.filter(account_id__in=account_ids)
        .order_by("account_id", "date")
        .values_list("account_id", "date", Cast("total_value", FloatField()), Cast("net_external_flow", FloatField()))
    ):
        rows[account_id].append((day, value, flow))
    fee_events, flow_events = defaultdict(list), defaultdict(list)
    for account_id, day, kind, amount in (
        Transaction.objects.filter(account_id__in=account_ids, kind__in=_EVENT_KINDS)
        .order_by()
        .values_list("account_id", "trade_date", "kind", Cast("amount", FloatField()))
    ):
        (fee_events if kind == TransactionKind.FEE else flow_events)[account_id].append((day, kind, amount))

    histories: dict[int, ValueHistory] = {}
    moved: list[MovedEvent] = []
    for account_id, account_rows in rows.items():
        dates = day_array([row[0] for row in account_rows])
        values = np.fromiter((row[1] for row in account_rows), dtype=float, count=len(account_rows))
        flows = np.fromiter((row[2] for row in account_rows), dtype=float, count=len(account_rows))
        fees, moved_fees = align_events(dates, fee_events[account_id])
        # The flows themselves were put on sessions by the valuation; only the list of moves is new.
        _, moved_flows = align_events(dates, flow_events[account_id])
        histories[account_id] = ValueHistory(dates, values, flows, fees)
        moved += moved_fees + moved_flows
    moved.sort(key=lambda event: (event.counted_on, event.dated))
    return histories, moved


def _report(
    history: ValueHistory,
    moved: list[MovedEvent],
    *,
    period: str,
    start: dt.date | None,
    end: dt.date | None,
    net: bool,
    notes: list[str],
    account_ids: tuple[int, ...],
) -> PerformanceReport:
    inception = history.inception
    if inception is None:
        raise ReturnsError("no_history", "There is no value history yet: record a deposit first.")
    resolved = resolve_period(period, inception=inception, last_valued=history.last_valued, start=start, end=end)
    performance = measure(history, base=resolved.base, end=resolved.end, gross=not net, moved=moved)
    return PerformanceReport(
        period=resolved,
        performance=performance,
        notes=tuple(notes) + resolved.notes,
        account_ids=account_ids,
        history=history,
    )


def account_performance(
    account: Account,
    *,
    period: str = PeriodKey.INCEPTION,
    start: dt.date | None = None,
    end: dt.date | None = None,
    net: bool = True,
) -> PerformanceReport:
    """Returns of one account (already looked up through ``accounts_visible_to``) over ``period``.

    Raises PeriodError or ReturnsError (both DomainErrors, 400) when the period cannot be measured.
    """
    histories, moved = _histories([account.pk])
    history = histories.get(account.pk, ValueHistory.empty())
    return _report(history, moved, period=period, start=start, end=end, net=net, notes=[], account_ids=(account.pk,))


def household_performance(
    household: Household,
    *,
    user,
    period: str = PeriodKey.INCEPTION,
    start: dt.date | None = None,
    end: dt.date | None = None,
    net: bool = True,
) -> PerformanceReport:
    """Returns of the household's accounts that ``user`` may see, as one portfolio.

    The accounts' daily values, flows and fees are summed by date (``returns.combine``) and then
    measured exactly like one account. A client sees the household's figures over their own
    accounts only, as everywhere else.
    """
    # A subquery, not a list: the accounts are read with their values, one query fewer.
    accounts = accounts_visible_to(user).filter(client__household=household).order_by().values("pk")
    histories, moved = _histories(accounts)
    account_ids = sorted(histories)
    history, cut_on = combine([histories[pk] for pk in account_ids])
    notes = []
    if cut_on is not None:
        notes.append(f"Some accounts are valued only through {cut_on.isoformat()}; the household's history ends there.")
    return _report(
        history,
        moved,
        period=period,
        start=start,
        end=end,
        net=net,
        notes=notes,
        account_ids=tuple(account_ids),
    )

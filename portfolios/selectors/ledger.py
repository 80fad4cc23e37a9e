"""Reads of an account's ledger. Callers pass an account they already fetched through accounts_visible_to."""

import datetime as dt

from django.db.models import QuerySet

from ..models import Account, Lot, LotRelief, Transaction


def transactions_for(
    account: Account,
    *,
    kind: str | None = None,
    instrument=None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[Transaction]:
    """Newest first (latest trade date, then latest recorded); ``instrument`` is an Instrument or a symbol."""
    transactions = Transaction.objects.filter(account=account).select_related("instrument", "created_by")
    if kind:
        transactions = transactions.filter(kind=kind)
    if isinstance(instrument, str):
        transactions = transactions.filter(instrument__symbol=instrument.strip().upper())
    elif instrument is not None:
        transactions = transactions.filter(instrument=instrument)
    if start is not None:
        transactions = transactions.filter(trade_date__gte=start)
    if end is not None:
        transactions = transactions.filter(trade_date__lte=end)
    return transactions.order_by("-trade_date", "-id")


def lots_for(account: Account, *, instrument=None, open_only: bool = True) -> QuerySet[Lot]:
    """Lots in relief order of FIFO (oldest first); closed lots too unless ``open_only``."""
    lots = Lot.objects.filter(account=account).select_related("instrument")
    if open_only:
        lots = lots.filter(remaining_quantity__gt=0)
    if instrument is not None:
        lots = lots.filter(instrument=instrument)
    return lots.order_by("instrument__symbol", "acquired_on", "opening_transaction_id")


def open_lots(account: Account, instrument=None) -> QuerySet[Lot]:
    return lots_for(account, instrument=instrument, open_only=True)


def realized_gains(account: Account, *, year: int | None = None) -> QuerySet[LotRelief]:
    """The lot reliefs of sells and transfers out, with proceeds, cost, gain and term; by closing date."""
    reliefs = LotRelief.objects.filter(lot__account=account).select_related("lot__instrument", "transaction")
    if year is not None:
        reliefs = reliefs.filter(closed_on__year=year)
    return reliefs.order_by("closed_on", "id")

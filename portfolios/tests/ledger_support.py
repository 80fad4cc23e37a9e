"""Helpers shared by the ledger tests: an account in an advisor's book, session dates, a state snapshot."""

import datetime as dt
from decimal import Decimal

from marketdata.calendar import sessions_in_range
from portfolios.models import Account, Lot, LotRelief, Position, Transaction
from portfolios.services import record_transaction
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory

# A stretch of real NYSE sessions well in the past, so no test depends on today's date.
SESSIONS = sessions_in_range(dt.date(2021, 1, 4), dt.date(2023, 12, 29))
SATURDAY = dt.date(2022, 3, 5)
GOOD_FRIDAY = dt.date(2022, 4, 15)


def account_of(advisor, **values) -> Account:
    return AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=advisor)), **values)


def record(account, kind, day, actor=None, **values):
    return record_transaction(account=account, kind=kind, trade_date=day, actor=actor, **values)


def deposit(account, amount, day=SESSIONS[0]):
    return record(account, "deposit", day, amount=Decimal(amount))


def buy(account, instrument, quantity, price, day, fees="0", **values):
    return record(
        account,
        "buy",
        day,
        instrument=instrument,
        quantity=Decimal(quantity),
        price=Decimal(price),
        fees=Decimal(fees),
        **values,
    )


def sell(account, instrument, quantity, price, day, fees="0", **values):
    return record(
        account,
        "sell",
        day,
        instrument=instrument,
        quantity=Decimal(quantity),
        price=Decimal(price),
        fees=Decimal(fees),
        **values,
    )


def snapshot(account) -> tuple:
    """Everything the ledger writes for ``account``; equal snapshots mean nothing was written."""
    return (
        Account.objects.filter(pk=account.pk).values_list("cash", flat=True).get(),
        list(Transaction.objects.filter(account=account).order_by("pk").values_list("pk", "amount")),
        list(Lot.objects.filter(account=account).order_by("pk").values_list("pk", "remaining_quantity", "cost_basis")),
        list(LotRelief.objects.filter(lot__account=account).order_by("pk").values_list("pk", "quantity")),
        list(Position.objects.filter(account=account).order_by("pk").values_list("instrument_id", "quantity")),
    )


def position_of(account, instrument) -> Position | None:
    return Position.objects.filter(account=account, instrument=instrument).first()


def cash_of(account) -> Decimal:
    return Account.objects.filter(pk=account.pk).values_list("cash", flat=True).get()

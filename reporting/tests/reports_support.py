"""Accounts with a value history for the report tests: real XNYS sessions, a stock, SPX, flows and a fee."""

import datetime as dt
from decimal import Decimal

from marketdata.calendar import sessions_in_range
from portfolios.models import AccountValue
from portfolios.services import refresh_account_values
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory
from portfolios.tests.valuation_support import instrument_with_closes, record
from reporting.reports.services import ReportRequest, produce_report
from reporting.reports.subjects import account_subject

SESSIONS = sessions_in_range(dt.date(2021, 1, 4), dt.date(2022, 6, 30))


def market(symbol: str = "ZED", *, with_benchmark: bool = True):
    """A stock with closes on every session (and SPX when asked), returned with its closes."""
    closes = {day: f"{20 + (i % 60) / 4:.2f}" for i, day in enumerate(SESSIONS)}
    stock = instrument_with_closes(symbol, closes, sector="Information Technology")
    if with_benchmark:
        instrument_with_closes("SPX", {day: f"{3000 + i:.2f}" for i, day in enumerate(SESSIONS)})
    return stock, closes


def invested_account(advisor, *, household=None, stock=None, closes=None, name="Growth", trades: int = 0):
    """Deposit, a buy on the first session, a later deposit and a fee; ``trades`` extra round trips."""
    if stock is None:
        stock, closes = market()
    household = household or HouseholdFactory(advisor=advisor)
    account = AccountFactory(client=ClientFactory(household=household), name=name)
    events = [
        (SESSIONS[0], "deposit", {"amount": "50000"}),
        (SESSIONS[0], "buy", {"instrument": stock, "quantity": "1000", "price": closes[SESSIONS[0]]}),
        (SESSIONS[200], "deposit", {"amount": "5000"}),
        (SESSIONS[300], "fee", {"amount": "125"}),
    ]
    for i in range(trades):  # ledger entries are recorded in date order
        day = SESSIONS[1 + (i * 3) % (len(SESSIONS) - 1)]
        events.append((day, "buy", {"instrument": stock, "quantity": "1", "price": closes[day]}))
        events.append((day, "sell", {"instrument": stock, "quantity": "1", "price": closes[day]}))
    for day, kind, values in sorted(events, key=lambda event: event[0]):
        record(account, kind, day, **values)
    refresh_account_values(account=account)
    account.refresh_from_db()  # the ledger moved its cash
    return account


def tiny_account(advisor):
    """Two sessions of cash values: enough for a report, cheap enough for the generic scoping test."""
    account = AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=advisor)))
    AccountValue.objects.bulk_create(
        AccountValue(
            account=account,
            date=day,
            cash=Decimal(value),
            market_value=Decimal("0"),
            total_value=Decimal(value),
            cost_basis=Decimal("0"),
            net_external_flow=Decimal("0"),
        )
        for day, value in ((dt.date(2022, 1, 3), "1000.00"), (dt.date(2022, 1, 4), "1010.00"))
    )
    return account


def stored_report(advisor, account=None):
    account = account or tiny_account(advisor)
    return produce_report(
        subject=account_subject(account, user=advisor), actor=advisor, request=ReportRequest("account", account.pk)
    )

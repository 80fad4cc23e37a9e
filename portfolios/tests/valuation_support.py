"""Helpers for the valuation tests: instruments with closes on real sessions, and a funded account."""

import datetime as dt
from decimal import Decimal

from marketdata.calendar import sessions_in_range
from marketdata.models import DailyBar
from marketdata.tests.factories import InstrumentFactory
from portfolios.services import record_transaction
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory

# Real NYSE sessions of early 2022 (MLK day on the 17th and Presidents' Day on Feb 21 are absent).
SESSIONS = sessions_in_range(dt.date(2022, 1, 3), dt.date(2022, 3, 31))


def account_of(advisor, **values):
    return AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=advisor)), **values)


def instrument_with_closes(symbol: str, closes: dict[dt.date, str], **values):
    instrument = InstrumentFactory(symbol=symbol, **values)
    DailyBar.objects.bulk_create(
        DailyBar(instrument=instrument, date=day, close=Decimal(close), adj_close=Decimal(close), source="test")
        for day, close in closes.items()
    )
    return instrument


def record(account, kind, day, **values):
    converted = {key: Decimal(value) if isinstance(value, str) else value for key, value in values.items()}
    return record_transaction(account=account, kind=kind, trade_date=day, actor=None, **converted)

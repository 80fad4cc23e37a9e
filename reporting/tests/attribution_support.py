"""Instruments with real-session price walks and an invested account with a model, for attribution tests."""

import datetime as dt
from decimal import Decimal

import numpy as np

from marketdata.calendar import sessions_in_range
from marketdata.models import DailyBar
from marketdata.tests.factories import InstrumentFactory
from portfolios.choices import TransactionKind
from portfolios.models import ModelTarget
from portfolios.services.valuation import refresh_account_values
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory, ModelPortfolioFactory
from portfolios.tests.valuation_support import record
from reporting.selectors_attribution import FACTORS

SESSIONS = sessions_in_range(dt.date(2022, 1, 3), dt.date(2022, 6, 30))
FIRST, LAST = SESSIONS[0], SESSIONS[-1]


def walk(seed: int, start: float = 100.0) -> list[str]:
    """A price path rounded to the cent (as stored), one per session."""
    steps = np.random.default_rng(seed).normal(0.0003, 0.012, len(SESSIONS))
    return [f"{start * value:.2f}" for value in np.cumprod(1 + steps)]


def priced(symbol: str, sector: str, seed: int):
    """The instrument ``symbol`` with a close on every session; safe to call twice."""
    instrument = InstrumentFactory(symbol=symbol, sector=sector)
    DailyBar.objects.bulk_create(
        (
            DailyBar(instrument=instrument, date=day, close=Decimal(c), adj_close=Decimal(c), source="test")
            for day, c in zip(SESSIONS, walk(seed), strict=True)
        ),
        ignore_conflicts=True,
    )
    return instrument


def factor_instruments() -> dict:
    return {symbol: priced(symbol, "", seed) for seed, symbol in enumerate(FACTORS, start=100)}


def invested_account(advisor, *, model: bool = True):
    """10,000 deposited on the first session: 40 AAA (Tech) and 30 BBB (Energy) bought at the close.

    The model (when asked for) holds AAA 50 % and CCC (Health) 40 % with 10 % cash.
    """
    aaa, bbb, ccc = priced("AAA", "Tech", 1), priced("BBB", "Energy", 2), priced("CCC", "Health", 3)
    portfolio = None
    if model:
        portfolio = ModelPortfolioFactory(firm=advisor.firm, cash_weight=Decimal("0.1"))
        ModelTarget.objects.create(model=portfolio, instrument=aaa, weight=Decimal("0.5"))
        ModelTarget.objects.create(model=portfolio, instrument=ccc, weight=Decimal("0.4"))
    account = AccountFactory(
        client=ClientFactory(household=HouseholdFactory(advisor=advisor)), model_portfolio=portfolio
    )
    record(account, TransactionKind.DEPOSIT, FIRST, amount="10000")
    for instrument, quantity in ((aaa, "40"), (bbb, "30")):
        price = DailyBar.objects.get(instrument=instrument, date=FIRST).close
        record(account, TransactionKind.BUY, FIRST, instrument=instrument, quantity=quantity, price=price)
    refresh_account_values(account=account)
    account.account_pk = account.pk
    return account


def factor_account(advisor):
    """All the money in 100 MTUM on the first session (and nothing else), with factor prices loaded."""
    factors = factor_instruments()
    account = AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=advisor)))
    price = DailyBar.objects.get(instrument=factors["MTUM"], date=FIRST).close
    record(account, TransactionKind.DEPOSIT, FIRST, amount=str(price * 100))
    record(account, TransactionKind.BUY, FIRST, instrument=factors["MTUM"], quantity="100", price=price)
    refresh_account_values(account=account)
    account.account_pk = account.pk
    return account

"""Accounts with real ledger history and model portfolios, for the model, drift and proposal tests."""

import datetime as dt
from decimal import Decimal

from marketdata.tests.factories import DailyBarFactory, InstrumentFactory
from portfolios.choices import TransactionKind
from portfolios.models import ModelTarget
from portfolios.services import record_transaction
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory, ModelPortfolioFactory

FUNDED_ON = dt.date(2023, 1, 3)
PRICED_ON = dt.date(2024, 5, 31)


def instrument(symbol: str, close: str, *, asset_class: str = "equity", on: dt.date = PRICED_ON):
    item = InstrumentFactory(symbol=symbol, asset_class=asset_class)
    DailyBarFactory(instrument=item, date=on, close=Decimal(close))
    return item


def model_for(advisor, targets: dict, *, cash_weight="0", absolute_band="0.05", relative_band="0.25", **kwargs):
    """A model owned by ``advisor``; ``targets`` maps an Instrument or an asset class to a weight."""
    model = ModelPortfolioFactory(
        firm=advisor.firm,
        owner=advisor,
        cash_weight=Decimal(cash_weight),
        absolute_band=Decimal(absolute_band),
        relative_band=Decimal(relative_band),
        **kwargs,
    )
    for key, weight in targets.items():
        if isinstance(key, str):
            ModelTarget.objects.create(model=model, asset_class=key, weight=Decimal(weight))
        else:
            ModelTarget.objects.create(model=model, instrument=key, weight=Decimal(weight))
    return model


def account_for(advisor, *, model=None, **kwargs):
    client = ClientFactory(household=HouseholdFactory(advisor=advisor))
    return AccountFactory(client=client, model_portfolio=model, **kwargs)


def deposit(account, amount: str, *, on: dt.date = FUNDED_ON):
    return record_transaction(
        account=account, kind=TransactionKind.DEPOSIT, trade_date=on, actor=None, amount=Decimal(amount)
    )


def buy(account, item, quantity: str, price: str, *, on: dt.date = FUNDED_ON):
    return record_transaction(
        account=account,
        kind=TransactionKind.BUY,
        trade_date=on,
        actor=None,
        instrument=item,
        quantity=Decimal(quantity),
        price=Decimal(price),
    )


def sell(account, item, quantity: str, price: str, *, on: dt.date):
    return record_transaction(
        account=account,
        kind=TransactionKind.SELL,
        trade_date=on,
        actor=None,
        instrument=item,
        quantity=Decimal(quantity),
        price=Decimal(price),
    )

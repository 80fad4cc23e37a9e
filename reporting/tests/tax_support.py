"""Real ledgers for the realised-gains tests, recorded through portfolios.services.record_transaction."""

import datetime as dt
from decimal import Decimal

from portfolios.choices import AccountType, TransactionKind
from portfolios.services import record_transaction
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory

BOUGHT = dt.date(2023, 1, 3)
SOLD = dt.date(2023, 3, 1)
REPLACED = dt.date(2023, 3, 15)
RESOLD = dt.date(2023, 6, 1)


def record(account, kind, on, **values):
    return record_transaction(account=account, kind=kind, trade_date=on, actor=None, **values)


def deposit(account, amount="100000.00", on=BOUGHT):
    return record(account, TransactionKind.DEPOSIT, on, amount=Decimal(amount))


def buy(account, instrument, quantity, price, on):
    return record(
        account, TransactionKind.BUY, on, instrument=instrument, quantity=Decimal(quantity), price=Decimal(price)
    )


def sell(account, instrument, quantity, price, on):
    return record(
        account, TransactionKind.SELL, on, instrument=instrument, quantity=Decimal(quantity), price=Decimal(price)
    )


def split(account, instrument, numerator, denominator, on):
    return record(
        account,
        TransactionKind.SPLIT,
        on,
        instrument=instrument,
        split_numerator=numerator,
        split_denominator=denominator,
    )


def funded_account(client, account_type=AccountType.TAXABLE, **values):
    account = AccountFactory(client=client, account_type=account_type, **values)
    deposit(account)
    return account


def household_client(advisor, **values):
    return ClientFactory(household=HouseholdFactory(advisor=advisor), **values)


def washed_account(advisor, instrument, **client_values):
    """2023: 100 bought at 50, sold at 40 (loss 1,000), 100 bought back at 42 two weeks later, sold at 45 in June.

    The June sale carries the washed 1,000 in its basis: 4,500 - (4,200 + 1,000) = -700.
    """
    account = funded_account(household_client(advisor, **client_values))
    buy(account, instrument, "100", "50", BOUGHT)
    sell(account, instrument, "100", "40", SOLD)
    buy(account, instrument, "100", "42", REPLACED)
    sell(account, instrument, "100", "45", RESOLD)
    return account

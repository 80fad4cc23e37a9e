"""Every URL of the reporting app addressing one object, for the generic scoping test."""

import datetime as dt
from decimal import Decimal

from portfolios.models import AccountValue
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory
from valuepartner.testing.scoping import register

# --- Realised gains (tax) ---


def make_tax_account(advisor):
    account = AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=advisor)))
    # The API route names the account ``account_pk``; the registry reads the kwarg off the object.
    account.account_pk = account.pk
    return account


register("reporting:account-realized-gains", make_tax_account)
register("reporting:account-realized-gains-csv", make_tax_account)
register("api:account-realized-gains", make_tax_account, kwarg="account_pk")


# --- Performance (returns) of an account and a household ---


def _valued(account):
    """Two sessions of values, enough for a since-inception return."""
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


def make_performance_account(advisor):
    account = _valued(AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=advisor))))
    account.account_pk = account.pk
    return account


def make_performance_household(advisor):
    household = HouseholdFactory(advisor=advisor)
    _valued(AccountFactory(client=ClientFactory(household=household)))
    household.household_pk = household.pk
    return household


register("api:account-performance", make_performance_account, kwarg="account_pk")
register("api:household-performance", make_performance_household, kwarg="household_pk")
register("reporting:account-performance", make_performance_account)
register("reporting:household-performance", make_performance_household)
register("reporting:account-performance-analysis", make_performance_account)
register("reporting:household-performance-analysis", make_performance_household)


# --- Attribution and factor exposures of an account ---


def make_attribution_account(advisor):
    from .attribution_support import invested_account

    return invested_account(advisor)


def make_factor_account(advisor):
    from .attribution_support import factor_account

    return factor_account(advisor)


register("api:account-attribution", make_attribution_account, kwarg="account_pk")
register("api:account-factor-exposures", make_factor_account, kwarg="account_pk")


def make_factor_household(advisor):
    household = make_factor_account(advisor).client.household
    household.household_pk = household.pk
    return household


register("api:household-factor-exposures", make_factor_household, kwarg="household_pk")

# --- Client reports (reporting.reports): pages and API ---
from . import scoping_reports  # noqa: E402, F401 - registers on import

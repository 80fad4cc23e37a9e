"""Every URL of the reporting app addressing one object, for the generic scoping test."""

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

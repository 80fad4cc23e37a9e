"""Every URL addressing one household or client, for the generic scoping test."""

from accounts.roles import Capability
from portfolios.tests.factories import ClientFactory, HouseholdFactory
from valuepartner.testing.scoping import register


def make_household(advisor):
    return HouseholdFactory(advisor=advisor)


def make_client(advisor):
    return ClientFactory(household=HouseholdFactory(advisor=advisor))


register("portfolios:household-detail", make_household)
register("portfolios:household-edit", make_household, methods=("get", "post"), capability=Capability.MANAGE_BOOK)
register("portfolios:client-detail", make_client)
register("portfolios:client-edit", make_client, methods=("get", "post"), capability=Capability.MANAGE_BOOK)
register("api:household-detail", make_household, methods=("get", "patch"))
register("api:client-detail", make_client, methods=("get", "patch"))

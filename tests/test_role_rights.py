"""The rights table (accounts.roles.ROLE_CAPABILITIES) is what the portfolio services enforce.

Driven by the table itself: change a role's capabilities and these expectations change with it,
so the services cannot drift from the one place rights are declared.
"""

import pytest

from accounts.choices import Role
from accounts.roles import ROLE_CAPABILITIES, Capability
from accounts.tests.factories import ClientUserFactory, ComplianceFactory, OperatorFactory
from portfolios import selectors, services
from portfolios.errors import PortfoliosError
from portfolios.models import Household
from portfolios.tests.factories import ClientFactory, HouseholdFactory

WRITES = {
    "create_household": lambda actor, book: services.create_household(
        actor=actor, name="Okafor Family", advisor=book["advisor"]
    ),
    "update_household": lambda actor, book: services.update_household(
        actor=actor, household=book["household"], notes="Prefers phone calls."
    ),
    "create_client": lambda actor, book: services.create_client(
        actor=actor, household=book["household"], first_name="Ada", last_name="Okafor"
    ),
    "update_client": lambda actor, book: services.update_client(actor=actor, client=book["client"], phone="555-0100"),
    "link_client_user": lambda actor, book: services.link_client_user(
        actor=actor, client=book["client"], user=book["login"]
    ),
}


def _actor(role: str, firm, advisor):
    # The advisor acts on their own book, so only the rights table can refuse them.
    factories = {Role.OPERATOR: OperatorFactory, Role.COMPLIANCE: ComplianceFactory, Role.CLIENT: ClientUserFactory}
    return advisor if role == Role.ADVISOR else factories[role](firm=firm)


@pytest.fixture
def book(firm, advisor):
    household = HouseholdFactory(advisor=advisor)
    return {
        "advisor": advisor,
        "household": household,
        "client": ClientFactory(household=household),
        "login": ClientUserFactory(firm=firm),
    }


@pytest.mark.parametrize("operation", WRITES)
@pytest.mark.parametrize("role", list(ROLE_CAPABILITIES))
def test_book_writes_follow_manage_book(firm, advisor, book, role, operation):
    """A role with MANAGE_BOOK may run every household/client write; any other role is refused as forbidden."""
    actor = _actor(role, firm, advisor)

    if Capability.MANAGE_BOOK in ROLE_CAPABILITIES[role]:
        assert WRITES[operation](actor, book).pk is not None
    else:
        with pytest.raises(PortfoliosError) as refused:
            WRITES[operation](actor, book)
        assert refused.value.code == "forbidden"


@pytest.mark.parametrize("role", list(ROLE_CAPABILITIES))
def test_firm_wide_reads_follow_view_firm(firm, advisor, other_advisor, role):
    """VIEW_FIRM sees every household of the firm; an advisor only their book; a client only their own."""
    own = HouseholdFactory(advisor=advisor)
    HouseholdFactory(advisor=other_advisor)
    user = _actor(role, firm, advisor)

    visible = set(selectors.households_visible_to(user))

    if Capability.VIEW_FIRM in ROLE_CAPABILITIES[role]:
        assert visible == set(Household.objects.filter(firm=firm))
    elif Capability.VIEW_BOOK in ROLE_CAPABILITIES[role]:
        assert visible == {own}
    else:
        assert visible == set()

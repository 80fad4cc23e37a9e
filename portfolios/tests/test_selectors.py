"""Reads of households and clients: each role sees exactly its scope, at a constant query cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import (
    AdvisorFactory,
    ClientUserFactory,
    ComplianceFactory,
    OperatorFactory,
    TeamFactory,
)
from portfolios import selectors
from portfolios.models import Account
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory


@pytest.fixture
def households(advisor, other_advisor, other_firm):
    return {
        "own": HouseholdFactory(advisor=advisor),
        "colleague": HouseholdFactory(advisor=other_advisor),
        "other_firm": HouseholdFactory(advisor=AdvisorFactory(firm=other_firm)),
    }


def test_advisor_sees_only_own_book(advisor, households):
    """Without a team, an advisor's households are their own, not a colleague's nor another firm's."""
    assert list(selectors.households_visible_to(advisor)) == [households["own"]]


def test_book_sharing_team_extends_the_book(firm, advisor, other_advisor, households):
    """A team with shares_book makes a teammate's households visible."""
    TeamFactory(firm=firm, shares_book=True).members.set([advisor, other_advisor])

    assert set(selectors.households_visible_to(advisor)) == {households["own"], households["colleague"]}


def test_team_without_sharing_does_not_extend_the_book(firm, advisor, other_advisor, households):
    """Membership alone (shares_book False) shares nothing."""
    TeamFactory(firm=firm, shares_book=False).members.set([advisor, other_advisor])

    assert list(selectors.households_visible_to(advisor)) == [households["own"]]


@pytest.mark.parametrize("role_fixture", ["operator", "compliance_officer"])
def test_firm_wide_roles_see_their_firm_only(request, role_fixture, households):
    """Operators and compliance see every household of their firm and none of another firm."""
    user = request.getfixturevalue(role_fixture)

    assert set(selectors.households_visible_to(user)) == {households["own"], households["colleague"]}


def test_client_sees_only_the_household_they_belong_to(client_user, households):
    """A client login sees the household and client it is linked to, nothing else."""
    me = ClientFactory(household=households["own"], user=client_user)
    ClientFactory(household=households["own"])

    assert list(selectors.households_visible_to(client_user)) == [households["own"]]
    assert list(selectors.clients_visible_to(client_user)) == [me]


def test_inactive_user_sees_nothing(advisor, households):
    """A deactivated advisor's session (or token) reads nothing."""
    advisor.is_active = False

    assert not selectors.households_visible_to(advisor).exists()
    assert not selectors.clients_visible_to(advisor).exists()


def _list_cost(user) -> int:
    with CaptureQueriesContext(connection) as queries:
        for household in selectors.households_with_counts(user):
            str(household.advisor), household.client_count
        for client in selectors.clients_visible_to(user):
            str(client.household), str(client.household.advisor)
    return len(queries)


def test_list_query_count_does_not_grow_with_rows(operator, advisor):
    """Listing 2 or 12 households and their clients costs the same number of queries (no N+1)."""
    for _ in range(2):
        ClientFactory(household=HouseholdFactory(advisor=advisor))
    small = _list_cost(operator)
    for _ in range(10):
        ClientFactory(household=HouseholdFactory(advisor=AdvisorFactory(firm=advisor.firm)))

    assert _list_cost(operator) == small


def test_client_household_count_includes_every_member(client_user, households):
    """The client count a client sees on their household counts all its members, not just them."""
    ClientFactory(household=households["own"], user=client_user)
    ClientFactory(household=households["own"])

    [household] = selectors.households_with_counts(client_user)

    assert household.client_count == 2


def test_account_predicate_agrees_with_the_scoped_queryset(firm, other_firm, advisor, other_advisor):
    """``account_visible_to`` (judged on a loaded account, used by writes that lock it) and
    ``accounts_visible_to`` (the query every read uses) agree for every role and every kind of account."""
    teammate, outsider = AdvisorFactory(firm=firm), AdvisorFactory(firm=firm)
    TeamFactory(firm=firm, shares_book=True).members.set([advisor, teammate])
    TeamFactory(firm=firm, shares_book=False).members.set([advisor, outsider])
    owner, joint_owner = ClientUserFactory(firm=firm), ClientUserFactory(firm=firm)
    own_household = HouseholdFactory(advisor=advisor)
    accounts = [
        AccountFactory(client=ClientFactory(household=own_household, user=owner)),
        AccountFactory(
            client=ClientFactory(household=own_household),
            co_owner=ClientFactory(household=own_household, user=joint_owner),
        ),
        AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=teammate))),
        AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=outsider))),
        AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=other_advisor))),
        AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=AdvisorFactory(firm=other_firm)))),
    ]
    inactive = AdvisorFactory(firm=firm, is_active=False)
    users = [
        advisor,
        teammate,
        outsider,
        other_advisor,
        inactive,
        OperatorFactory(firm=firm),
        ComplianceFactory(firm=firm),
        OperatorFactory(firm=other_firm),
        owner,
        joint_owner,
        ClientUserFactory(firm=firm),
    ]

    for user in users:
        visible = set(selectors.accounts_visible_to(user).values_list("pk", flat=True))
        judged = {
            account.pk
            for account in Account.objects.select_related("client__household").filter(pk__in=[a.pk for a in accounts])
            if selectors.account_visible_to(user, account)
        }
        assert judged == visible, user.username
    assert len(set(selectors.accounts_visible_to(advisor))) == 3  # own two and the teammate's

"""Household and client writes: validated against the actor's firm and book, audited before/after."""

import datetime

import pytest

from accounts.tests.factories import AdvisorFactory, ClientUserFactory, TeamFactory
from compliance.models import AuditEvent
from portfolios import services
from portfolios.errors import PortfoliosError
from portfolios.models import Client, Household
from portfolios.tests.factories import ClientFactory, HouseholdFactory


def _events(target) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=target._meta.label_lower, object_id=str(target.pk)))


def test_advisor_creates_household_in_own_book(advisor):
    """Without an explicit advisor the household joins the actor's book and firm; the creation is audited."""
    household = services.create_household(actor=advisor, name="Okafor Family")

    assert (household.advisor, household.firm_id) == (advisor, advisor.firm_id)
    [event] = _events(household)
    assert (event.action, event.actor_id) == ("household.created", advisor.pk)
    assert event.changes == {"name": [None, "Okafor Family"], "advisor": [None, advisor.pk]}


def test_advisor_of_another_firm_is_refused_with_a_field_error(operator, other_firm):
    """An operator cannot give a household to another firm's advisor; the error names the advisor field."""
    with pytest.raises(PortfoliosError) as refused:
        services.create_household(actor=operator, name="X", advisor=AdvisorFactory(firm=other_firm))

    assert refused.value.code == "invalid_advisor"
    assert "advisor" in refused.value.fields
    assert not Household.objects.exists()


def test_advisor_cannot_assign_a_colleague_outside_their_book(advisor, other_advisor):
    """Without a book-sharing team, an advisor may not create households for a same-firm colleague."""
    with pytest.raises(PortfoliosError) as refused:
        services.create_household(actor=advisor, name="X", advisor=other_advisor)

    assert refused.value.fields == {"advisor": ["You can only assign households to your own book."]}


def test_book_sharing_teammate_may_be_assigned(firm, advisor, other_advisor):
    """With shares_book, a teammate is part of the advisor's book and may be assigned."""
    TeamFactory(firm=firm, shares_book=True).members.set([advisor, other_advisor])

    household = services.create_household(actor=advisor, name="Shared", advisor=other_advisor)

    assert household.advisor == other_advisor


def test_update_household_refuses_unknown_fields(operator, advisor):
    """Fields outside HOUSEHOLD_FIELDS (e.g. firm) are refused: a household never changes firm."""
    household = HouseholdFactory(advisor=advisor)

    with pytest.raises(PortfoliosError) as refused:
        services.update_household(actor=operator, household=household, firm=None, name="Y")

    assert (refused.value.code, Household.objects.get(pk=household.pk).name) == ("invalid_field", household.name)


def test_update_household_audits_before_and_after_and_skips_no_ops(operator, advisor, other_advisor):
    """A reassignment is logged with old and new advisor ids; repeating it logs nothing more."""
    household = HouseholdFactory(advisor=advisor)

    services.update_household(actor=operator, household=household, advisor=other_advisor)
    services.update_household(actor=operator, household=household, advisor=other_advisor)

    [event] = [event for event in _events(household) if event.action == "household.updated"]
    assert (event.actor_id, event.changes) == (operator.pk, {"advisor": [advisor.pk, other_advisor.pk]})


def test_create_client_refuses_a_household_outside_scope(advisor, other_advisor):
    """An advisor cannot add a client to a colleague's household; the error names the household field."""
    foreign = HouseholdFactory(advisor=other_advisor)

    with pytest.raises(PortfoliosError) as refused:
        services.create_client(actor=advisor, household=foreign, first_name="A", last_name="B")

    assert "household" in refused.value.fields
    assert not Client.objects.exists()


def test_create_client_refuses_unknown_fields(advisor):
    """Only CLIENT_FIELDS are accepted (a sign-in is linked through link_client_user, not here)."""
    household = HouseholdFactory(advisor=advisor)

    with pytest.raises(PortfoliosError) as refused:
        services.create_client(actor=advisor, household=household, first_name="A", last_name="B", user=advisor)

    assert refused.value.code == "invalid_field"


def test_update_client_audits_before_and_after(advisor):
    """Changed fields are logged with old and new values (dates as ISO strings)."""
    client = ClientFactory(household=HouseholdFactory(advisor=advisor), phone="")

    services.update_client(actor=advisor, client=client, phone="555-0100", date_of_birth=datetime.date(1970, 5, 1))

    event = AuditEvent.objects.get(action="client.updated")
    assert event.changes == {"phone": ["", "555-0100"], "date_of_birth": [None, "1970-05-01"]}


def test_link_client_user_requires_a_client_login_of_the_same_firm(advisor, other_firm):
    """Only a client-role user of the household's firm can be linked; a valid link is audited."""
    client = ClientFactory(household=HouseholdFactory(advisor=advisor))
    with pytest.raises(PortfoliosError):
        services.link_client_user(actor=advisor, client=client, user=ClientUserFactory(firm=other_firm))
    login = ClientUserFactory(firm=advisor.firm)

    services.link_client_user(actor=advisor, client=client, user=login)

    assert Client.objects.get(pk=client.pk).user == login
    assert AuditEvent.objects.get(action="client.login_linked").changes == {"user": [None, login.pk]}


def test_system_actor_writes_in_the_advisors_firm(advisor):
    """actor=None (seeding, migrations) creates in the named advisor's firm and is logged with no actor."""
    household = services.create_household(actor=None, name="Seeded", advisor=advisor)
    client = services.create_client(actor=None, household=household, first_name="Seed", last_name="Client")

    assert household.firm_id == advisor.firm_id and client.household == household
    assert set(AuditEvent.objects.values_list("actor_id", flat=True)) == {None}


def test_system_actor_must_name_an_advisor():
    """The system has no book of its own: creating a household without an advisor is refused."""
    with pytest.raises(PortfoliosError) as refused:
        services.create_household(actor=None, name="Nobody's")

    assert "advisor" in refused.value.fields

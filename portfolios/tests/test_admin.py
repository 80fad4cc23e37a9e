"""Households and clients in the operators' admin: one firm in view, saves through the services."""

import pytest
from django.urls import reverse

from accounts.tests.factories import AdvisorFactory
from compliance.models import AuditEvent
from portfolios.models import Client, Household
from portfolios.tests.factories import ClientFactory, HouseholdFactory
from valuepartner.testing.otp import login_verified

INLINE_EMPTY = {
    "clients-TOTAL_FORMS": "0",
    "clients-INITIAL_FORMS": "0",
    "clients-MIN_NUM_FORMS": "0",
    "clients-MAX_NUM_FORMS": "1000",
}


@pytest.fixture
def operator_client(client, operator):
    login_verified(client, operator)
    return client


@pytest.fixture
def two_firms(advisor, other_firm):
    own = ClientFactory(household=HouseholdFactory(advisor=advisor, name="Own Household"))
    foreign = ClientFactory(
        household=HouseholdFactory(advisor=AdvisorFactory(firm=other_firm), name="Foreign Household")
    )
    return own, foreign


@pytest.mark.parametrize("model", ["household", "client"])
def test_changelists_and_change_pages_are_firm_scoped(operator_client, two_firms, model):
    """The operator lists only their firm's rows, and another firm's change page is not found."""
    own, foreign = two_firms
    objects = {"household": (own.household, foreign.household), "client": (own, foreign)}[model]

    listing = operator_client.get(reverse(f"admin:portfolios_{model}_changelist"))
    page = operator_client.get(reverse(f"admin:portfolios_{model}_change", args=[objects[1].pk]))

    assert list(listing.context["cl"].result_list) == [objects[0]]
    assert page.status_code == 302 and page["Location"] == reverse("admin:index")


def test_adding_a_household_goes_through_the_service(operator_client, operator, advisor):
    """A household added in the admin lands in the operator's firm and is audited with the operator."""
    response = operator_client.post(
        reverse("admin:portfolios_household_add"),
        {"name": "Nakamura Family", "advisor": advisor.pk, "notes": "", **INLINE_EMPTY},
    )

    assert response.status_code == 302
    household = Household.objects.get(name="Nakamura Family")
    assert household.firm_id == operator.firm_id
    assert AuditEvent.objects.get(action="household.created").actor_id == operator.pk


def test_advisor_choices_exclude_other_firms(operator_client, advisor, other_firm):
    """Posting another firm's advisor is a form error; nothing is created."""
    outsider = AdvisorFactory(firm=other_firm)

    response = operator_client.post(
        reverse("admin:portfolios_household_add"), {"name": "Leak", "advisor": outsider.pk, **INLINE_EMPTY}
    )

    assert response.status_code == 200 and "advisor" in response.context["adminform"].form.errors
    assert not Household.objects.filter(name="Leak").exists()


def test_inline_clients_are_created_through_the_service(operator_client, operator, advisor):
    """A client added inline on a household page is created by create_client and audited."""
    household = HouseholdFactory(advisor=advisor, name="Inline Household")

    response = operator_client.post(
        reverse("admin:portfolios_household_change", args=[household.pk]),
        {
            "name": household.name,
            "advisor": advisor.pk,
            "notes": "",
            **INLINE_EMPTY,
            "clients-TOTAL_FORMS": "1",
            "clients-0-first_name": "Maya",
            "clients-0-last_name": "Nakamura",
            "clients-0-email": "maya@example.com",
            "clients-0-household": household.pk,
        },
    )

    assert response.status_code == 302
    client = Client.objects.get(household=household)
    assert str(client) == "Maya Nakamura"
    assert AuditEvent.objects.get(action="client.created").actor_id == operator.pk


def test_client_edit_is_audited(operator_client, operator, advisor):
    """Changing a client's phone in the admin runs update_client: before/after with the operator."""
    client = ClientFactory(household=HouseholdFactory(advisor=advisor), phone="")

    response = operator_client.post(
        reverse("admin:portfolios_client_change", args=[client.pk]),
        {
            "household": client.household_id,
            "first_name": client.first_name,
            "last_name": client.last_name,
            "email": client.email,
            "phone": "555-0142",
            "date_of_birth": "",
        },
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="client.updated")
    assert (event.actor_id, event.changes) == (operator.pk, {"phone": ["", "555-0142"]})

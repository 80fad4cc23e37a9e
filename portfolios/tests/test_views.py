"""Household and client pages: scoping, read-only roles, forms and their errors, live search."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import AdvisorFactory, TeamFactory
from compliance.models import AuditEvent
from portfolios.errors import PortfoliosError
from portfolios.forms import HouseholdForm
from portfolios.models import Client, Household
from portfolios.services import update_household
from portfolios.tests.factories import ClientFactory, HouseholdFactory
from valuepartner.testing.otp import login_verified

HOUSEHOLD_LIST = reverse("portfolios:household-list")
HOUSEHOLD_CREATE = reverse("portfolios:household-create")
CLIENT_LIST = reverse("portfolios:client-list")
CLIENT_CREATE = reverse("portfolios:client-create")


def household_url(name: str, household) -> str:
    return reverse(f"portfolios:household-{name}", kwargs={"pk": household.pk})


def client_url(name: str, client) -> str:
    return reverse(f"portfolios:client-{name}", kwargs={"pk": client.pk})


def table_rows(html: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    return re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S) if body else []


# --- Lists -----------------------------------------------------------------------------------


def test_household_list_shows_only_the_advisors_book(client, advisor, other_advisor, other_firm):
    """An advisor's list holds their households only: not a colleague's, not another firm's."""
    HouseholdFactory(advisor=advisor, name="Mine Alpha")
    HouseholdFactory(advisor=other_advisor, name="Colleague Beta")
    HouseholdFactory(advisor=AdvisorFactory(firm=other_firm), name="Foreign Gamma")
    client.force_login(advisor)

    html = client.get(HOUSEHOLD_LIST).content.decode()

    assert "Mine Alpha" in html
    assert "Colleague Beta" not in html
    assert "Foreign Gamma" not in html
    assert len(table_rows(html)) == 1


def test_shared_book_team_sees_teammates_households(client, advisor, other_advisor):
    """Advisors in a book-sharing team see each other's households."""
    team = TeamFactory(firm=advisor.firm, shares_book=True)
    team.members.add(advisor, other_advisor)
    HouseholdFactory(advisor=other_advisor, name="Teammate Delta")
    client.force_login(advisor)

    assert "Teammate Delta" in client.get(HOUSEHOLD_LIST).content.decode()


def test_compliance_lists_the_whole_firm_without_create_button(client, compliance_officer, advisor, other_advisor):
    """Compliance sees every household of the firm, and no button to create one."""
    HouseholdFactory(advisor=advisor, name="First Epsilon")
    HouseholdFactory(advisor=other_advisor, name="Second Zeta")
    client.force_login(compliance_officer)

    html = client.get(HOUSEHOLD_LIST).content.decode()

    assert "First Epsilon" in html
    assert "Second Zeta" in html
    assert HOUSEHOLD_CREATE not in html


def test_client_list_shows_only_scoped_clients(client, advisor, other_advisor):
    """The client list is scoped like the household list."""
    ClientFactory(household=HouseholdFactory(advisor=advisor), last_name="Visibleton")
    ClientFactory(household=HouseholdFactory(advisor=other_advisor), last_name="Hiddenfield")
    client.force_login(advisor)

    html = client.get(CLIENT_LIST).content.decode()

    assert "Visibleton" in html
    assert "Hiddenfield" not in html


def test_client_user_sees_only_themselves(client, client_user, advisor):
    """A client's lists hold their own household and their own client record only."""
    household = HouseholdFactory(advisor=advisor, name="Own Household")
    ClientFactory(household=household, user=client_user, last_name="Selfsame")
    ClientFactory(household=household, last_name="Spouseworth")
    HouseholdFactory(advisor=advisor, name="Stranger Household")
    client.force_login(client_user)

    households = client.get(HOUSEHOLD_LIST).content.decode()
    clients = client.get(CLIENT_LIST).content.decode()

    assert "Own Household" in households
    assert "Stranger Household" not in households
    assert "Selfsame" in clients
    assert "Spouseworth" not in clients


def test_household_list_is_paginated_by_25(client, advisor):
    """30 households make two pages: 25 rows, then 5."""
    HouseholdFactory.create_batch(30, advisor=advisor)
    client.force_login(advisor)

    first = client.get(HOUSEHOLD_LIST).content.decode()
    second = client.get(HOUSEHOLD_LIST, {"page": 2}).content.decode()

    assert len(table_rows(first)) == 25
    assert len(table_rows(second)) == 5
    assert "Page 1 of 2" in first


def test_search_filters_households_by_name_and_advisor(client, advisor):
    """The search box narrows the list to matching names (or advisor names)."""
    HouseholdFactory(advisor=advisor, name="Harbour View Trust")
    HouseholdFactory(advisor=advisor, name="Mountain Family")
    client.force_login(advisor)

    by_name = client.get(HOUSEHOLD_LIST, {"q": "harbour"}).content.decode()
    by_advisor = client.get(HOUSEHOLD_LIST, {"q": advisor.last_name}).content.decode()

    assert "Harbour View Trust" in by_name
    assert "Mountain Family" not in by_name
    assert len(table_rows(by_advisor)) == 2


def test_htmx_search_returns_only_the_results_table(client, advisor):
    """A live-search request from htmx gets the results fragment, not a whole page."""
    HouseholdFactory(advisor=advisor, name="Harbour View Trust")
    HouseholdFactory(advisor=advisor, name="Mountain Family")
    client.force_login(advisor)

    response = client.get(HOUSEHOLD_LIST, {"q": "mountain"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert '<ul class="main-nav">' not in html
    assert 'id="household-table"' in html
    assert "Mountain Family" in html
    assert "Harbour View Trust" not in html
    assert "HX-Request" in response["Vary"]


def test_htmx_client_search_returns_only_the_results_table(client, advisor):
    """The client list's live search answers htmx with the fragment as well."""
    ClientFactory(household=HouseholdFactory(advisor=advisor), last_name="Quillfeather")
    client.force_login(advisor)

    html = client.get(CLIENT_LIST, {"q": "quill"}, headers={"HX-Request": "true"}).content.decode()

    assert "<html" not in html
    assert 'id="client-table"' in html
    assert "Quillfeather" in html


def test_list_query_count_does_not_grow_with_rows(client, advisor, django_assert_max_num_queries):
    """Household and client lists cost the same number of queries for 3 rows as for 25."""
    for household in HouseholdFactory.create_batch(3, advisor=advisor):
        ClientFactory(household=household)
    client.force_login(advisor)
    counts = {}
    for url in (HOUSEHOLD_LIST, CLIENT_LIST):
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        counts[url] = len(captured)
    for household in HouseholdFactory.create_batch(22, advisor=advisor):
        ClientFactory(household=household)

    for url, baseline in counts.items():
        with django_assert_max_num_queries(baseline):
            client.get(url)


# --- Detail pages ----------------------------------------------------------------------------


def test_household_detail_shows_clients_advisor_notes_and_activity(client, advisor):
    """The detail page lists the household's clients, its advisor, notes and its audit events."""
    household = HouseholdFactory(advisor=advisor, name="Iverson Family")
    ClientFactory(household=household, first_name="Ida", last_name="Iverson")
    update_household(actor=advisor, household=household, notes="Prefers e-mail")
    client.force_login(advisor)

    html = client.get(household_url("detail", household)).content.decode()

    assert "Ida Iverson" in html
    assert advisor.get_full_name() in html
    assert "Prefers e-mail" in html
    assert "household.updated" in html
    assert household_url("edit", household) in html


def test_other_advisors_household_is_not_found(client, advisor, other_advisor):
    """Another advisor's household is a 404 on its detail and edit pages, for GET and POST."""
    theirs = HouseholdFactory(advisor=other_advisor, name="Not Yours")
    client.force_login(advisor)

    assert client.get(household_url("detail", theirs)).status_code == 404
    assert client.get(household_url("edit", theirs)).status_code == 404
    response = client.post(household_url("edit", theirs), {"name": "Taken", "advisor": advisor.pk})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Not Yours"


def test_other_advisors_client_is_not_found(client, advisor, other_advisor):
    """Another advisor's client is a 404 on its detail and edit pages."""
    theirs = ClientFactory(household=HouseholdFactory(advisor=other_advisor))
    client.force_login(advisor)

    assert client.get(client_url("detail", theirs)).status_code == 404
    assert client.get(client_url("edit", theirs)).status_code == 404


def test_client_user_reads_own_household_without_audit_or_edit(client, client_user, advisor):
    """A client may open their household page, read-only and without the audit trail."""
    household = HouseholdFactory(advisor=advisor)
    ClientFactory(household=household, user=client_user)
    update_household(actor=advisor, household=household, notes="Internal note")
    client.force_login(client_user)

    html = client.get(household_url("detail", household)).content.decode()

    assert household.name in html
    assert "household.updated" not in html
    assert household_url("edit", household) not in html


# --- Rights within scope ---------------------------------------------------------------------


def test_compliance_cannot_create_or_edit(client, compliance_officer, advisor):
    """Compliance may read a household but gets 403 on every create and edit page, GET or POST."""
    household = HouseholdFactory(advisor=advisor, name="Unchanged")
    member = ClientFactory(household=household)
    client.force_login(compliance_officer)

    detail = client.get(household_url("detail", household))
    assert detail.status_code == 200
    assert household_url("edit", household) not in detail.content.decode()
    for url in (household_url("edit", household), HOUSEHOLD_CREATE, client_url("edit", member), CLIENT_CREATE):
        assert client.get(url).status_code == 403
    response = client.post(household_url("edit", household), {"name": "Changed", "advisor": advisor.pk})
    assert response.status_code == 403
    assert response.templates[0].name == "errors/403.html"
    household.refresh_from_db()
    assert household.name == "Unchanged"


def test_client_user_cannot_edit_their_own_record(client, client_user, advisor):
    """Clients read their own record but may not change it."""
    own = ClientFactory(household=HouseholdFactory(advisor=advisor), user=client_user)
    client.force_login(client_user)

    assert client.get(client_url("detail", own)).status_code == 200
    assert client.post(client_url("edit", own), {"first_name": "Hacked"}).status_code == 403


# --- Forms -----------------------------------------------------------------------------------


def test_household_create_with_invalid_data_shows_errors_and_creates_nothing(client, advisor):
    """A blank name comes back as a field error marked aria-invalid; nothing is written."""
    client.force_login(advisor)
    events_before = AuditEvent.objects.count()

    response = client.post(HOUSEHOLD_CREATE, {"name": "", "advisor": advisor.pk, "notes": "x"})

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<ul class="field-error" id="id_name_error">\s*<li>This field is required.</li>', html)
    assert re.search(r'<input[^>]*name="name"[^>]*aria-invalid="true"', html)
    assert Household.objects.count() == 0
    assert AuditEvent.objects.count() == events_before


def test_advisor_cannot_assign_a_household_outside_their_book(client, advisor, other_advisor):
    """The advisor choice is limited to the own book; another advisor is a field error."""
    client.force_login(advisor)

    response = client.post(HOUSEHOLD_CREATE, {"name": "Sneaky", "advisor": other_advisor.pk})

    assert 'id="id_advisor_error"' in response.content.decode()
    assert not Household.objects.exists()


def test_household_create_writes_household_and_audit_event(client, advisor):
    """A valid form creates the household in the advisor's book, audits it and redirects to it."""
    client.force_login(advisor)

    response = client.post(HOUSEHOLD_CREATE, {"name": "Juniper Family", "advisor": advisor.pk, "notes": "New"})

    household = Household.objects.get()
    assert response.status_code == 302
    assert response["Location"] == household_url("detail", household)
    assert (household.name, household.advisor, household.firm_id) == ("Juniper Family", advisor, advisor.firm_id)
    assert AuditEvent.objects.filter(action="household.created", object_id=str(household.pk), actor=advisor).exists()


def test_operator_can_assign_any_advisor_of_the_firm(client, operator, advisor, other_advisor, other_firm):
    """Operators pick from every active advisor of their firm, and only of their firm."""
    foreign = AdvisorFactory(firm=other_firm)
    login_verified(client, operator)

    form_html = client.get(HOUSEHOLD_CREATE).content.decode()
    response = client.post(HOUSEHOLD_CREATE, {"name": "Keystone Trust", "advisor": other_advisor.pk})

    assert f'value="{advisor.pk}"' in form_html
    assert f'value="{other_advisor.pk}"' in form_html
    assert f'value="{foreign.pk}"' not in form_html
    assert response.status_code == 302
    assert Household.objects.get().advisor == other_advisor


def test_household_edit_saves_and_audits_the_change(client, advisor):
    """Editing changes the household and records the before/after in the audit trail."""
    household = HouseholdFactory(advisor=advisor, name="Old Name")
    client.force_login(advisor)

    form = client.get(household_url("edit", household)).content.decode()
    response = client.post(household_url("edit", household), {"name": "New Name", "advisor": advisor.pk, "notes": ""})

    assert 'value="Old Name"' in form
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.name == "New Name"
    event = AuditEvent.objects.get(action="household.updated", object_id=str(household.pk))
    assert event.actor_id == advisor.pk
    assert event.changes["name"] == ["Old Name", "New Name"]


def test_service_refusal_is_shown_on_the_form(client, advisor, monkeypatch):
    """A DomainError from the service lands on the named field; nothing is created."""

    def refuse(**kwargs):
        raise PortfoliosError("invalid_advisor", "Nope.", fields={"advisor": ["That advisor just left the firm."]})

    monkeypatch.setattr("portfolios.services.create_household", refuse)
    client.force_login(advisor)

    response = client.post(HOUSEHOLD_CREATE, {"name": "Late Change", "advisor": advisor.pk})

    assert response.status_code == 200
    assert "That advisor just left the firm." in response.content.decode()
    assert not Household.objects.exists()


def test_domain_error_without_known_fields_becomes_a_form_error(advisor):
    """A refusal naming no form field is shown above the form with its message."""
    form = HouseholdForm({"name": "X", "advisor": advisor.pk}, user=advisor)
    assert form.is_valid()

    form.add_domain_error(PortfoliosError("forbidden", "Your role cannot change households."))

    assert form.non_field_errors() == ["Your role cannot change households."]


def test_client_create_with_invalid_data_shows_errors_and_creates_nothing(client, advisor):
    """Missing names and a malformed e-mail come back as field errors; no client is written."""
    household = HouseholdFactory(advisor=advisor)
    client.force_login(advisor)

    response = client.post(CLIENT_CREATE, {"household": household.pk, "first_name": "", "email": "not-an-email"})

    html = response.content.decode()
    assert 'id="id_first_name_error"' in html
    assert 'id="id_last_name_error"' in html
    assert 'id="id_email_error"' in html
    assert not Client.objects.exists()


def test_client_cannot_be_put_in_a_household_outside_scope(client, advisor, other_advisor):
    """The household choice only offers households in scope; another advisor's is refused."""
    theirs = HouseholdFactory(advisor=other_advisor)
    client.force_login(advisor)

    response = client.post(CLIENT_CREATE, {"household": theirs.pk, "first_name": "A", "last_name": "B"})

    assert 'id="id_household_error"' in response.content.decode()
    assert not Client.objects.exists()


def test_client_create_preselects_household_and_saves(client, advisor):
    """'Add client' from a household preselects it; a valid form creates an audited client."""
    household = HouseholdFactory(advisor=advisor)
    client.force_login(advisor)

    form = client.get(CLIENT_CREATE, {"household": household.pk}).content.decode()
    response = client.post(
        CLIENT_CREATE,
        {
            "household": household.pk,
            "first_name": "Lena",
            "last_name": "Lindqvist",
            "email": "lena@example.com",
            "phone": "555-0199",
            "date_of_birth": "1980-04-02",
        },
    )

    assert re.search(rf'<option value="{household.pk}" selected>', form)
    created = Client.objects.get()
    assert response["Location"] == client_url("detail", created)
    assert (created.household, str(created.date_of_birth), created.phone) == (household, "1980-04-02", "555-0199")
    assert AuditEvent.objects.filter(action="client.created", object_id=str(created.pk)).exists()


def test_client_edit_saves_and_audits_the_change(client, advisor):
    """Editing a client moves it between the advisor's households and records the change."""
    first, second = HouseholdFactory.create_batch(2, advisor=advisor)
    member = ClientFactory(household=first, first_name="Mo", last_name="Moss", email="")
    client.force_login(advisor)

    response = client.post(
        client_url("edit", member),
        {"household": second.pk, "first_name": "Mo", "last_name": "Moss", "email": "mo@example.com"},
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.household, member.email) == (second, "mo@example.com")
    event = AuditEvent.objects.get(action="client.updated", object_id=str(member.pk))
    assert event.changes["household"] == [first.pk, second.pk]
    detail = client.get(client_url("detail", member)).content.decode()
    assert "client.updated" in detail


def test_future_date_of_birth_is_refused(client, advisor):
    """A date of birth after today is a field error."""
    household = HouseholdFactory(advisor=advisor)
    client.force_login(advisor)

    response = client.post(
        CLIENT_CREATE, {"household": household.pk, "first_name": "A", "last_name": "B", "date_of_birth": "2999-01-01"}
    )

    assert "cannot be in the future" in response.content.decode()
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_pages_require_sign_in(client):
    """Anonymous visitors are sent to sign in from every portfolios page."""
    for url in (HOUSEHOLD_LIST, HOUSEHOLD_CREATE, CLIENT_LIST, CLIENT_CREATE):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))

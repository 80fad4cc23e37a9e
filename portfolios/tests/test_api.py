"""Households and clients over the JSON API: scoping per role, write rights, validation, filters, cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import AdvisorFactory, TeamFactory
from compliance.models import AuditEvent
from portfolios.models import Household
from portfolios.tests.factories import ClientFactory, HouseholdFactory

pytestmark = pytest.mark.django_db


def api_as(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return api


def household_url(household) -> str:
    return reverse("api:household-detail", kwargs={"pk": household.pk})


def client_url(client) -> str:
    return reverse("api:client-detail", kwargs={"pk": client.pk})


def listed_ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def own(advisor):
    return HouseholdFactory(advisor=advisor, name="Own household")


@pytest.fixture
def colleagues(other_advisor):
    return HouseholdFactory(advisor=other_advisor, name="Colleague's household")


@pytest.fixture
def foreign(other_firm):
    return HouseholdFactory(advisor=AdvisorFactory(firm=other_firm), name="Other firm's household")


class TestScoping:
    def test_advisor_lists_and_reads_only_their_book(self, advisor, own, colleagues, foreign):
        """An advisor sees their own household; a colleague's or another firm's is absent and 404."""
        api = api_as(advisor)

        assert listed_ids(api.get(reverse("api:household-list"))) == {own.pk}
        assert api.get(household_url(own)).status_code == 200
        for hidden in (colleagues, foreign):
            response = api.get(household_url(hidden))
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"

    def test_book_sharing_team_lets_teammates_see_each_other(self, advisor, other_advisor, colleagues, firm):
        """With a shares_book team, a teammate's household is listed and readable."""
        team = TeamFactory(firm=firm, shares_book=True)
        team.members.add(advisor, other_advisor)

        api = api_as(advisor)

        assert colleagues.pk in listed_ids(api.get(reverse("api:household-list")))
        assert api.get(household_url(colleagues)).status_code == 200

    def test_team_without_book_sharing_keeps_books_apart(self, advisor, other_advisor, colleagues, firm):
        """Being in the same team without shares_book does not reveal a teammate's households."""
        team = TeamFactory(firm=firm, shares_book=False)
        team.members.add(advisor, other_advisor)

        assert api_as(advisor).get(household_url(colleagues)).status_code == 404

    @pytest.mark.parametrize("role_fixture", ["operator", "compliance_officer"])
    def test_firm_wide_roles_see_the_firm_but_not_other_firms(self, request, role_fixture, own, colleagues, foreign):
        """Operators and compliance see every household of their firm; another firm's is 404."""
        api = api_as(request.getfixturevalue(role_fixture))

        assert listed_ids(api.get(reverse("api:household-list"))) == {own.pk, colleagues.pk}
        assert api.get(household_url(foreign)).status_code == 404

    def test_client_sees_only_their_own_household_and_self(self, client_user, own, colleagues):
        """A client user reads their own household and client record; nothing else exists for them."""
        me = ClientFactory(household=own, user=client_user)
        sibling = ClientFactory(household=own)
        api = api_as(client_user)

        assert listed_ids(api.get(reverse("api:household-list"))) == {own.pk}
        assert listed_ids(api.get(reverse("api:client-list"))) == {me.pk}
        assert api.get(client_url(sibling)).status_code == 404
        assert api.get(household_url(colleagues)).status_code == 404

    def test_clients_follow_their_household_scope(self, advisor, own, colleagues, foreign):
        """Clients are listed and readable exactly when their household is."""
        mine = ClientFactory(household=own)
        theirs = ClientFactory(household=colleagues)
        abroad = ClientFactory(household=foreign)
        api = api_as(advisor)

        assert listed_ids(api.get(reverse("api:client-list"))) == {mine.pk}
        assert api.get(client_url(mine)).json()["household_name"] == own.name
        assert api.get(client_url(theirs)).status_code == 404
        assert api.get(client_url(abroad)).status_code == 404


class TestWriteRights:
    def test_advisor_creates_a_household_in_their_own_book(self, advisor):
        """Without an advisor field the household joins the requesting advisor's book, audited."""
        response = api_as(advisor).post(reverse("api:household-list"), {"name": "Lee family", "notes": "New"})

        assert response.status_code == 201, response.content
        body = response.json()
        assert body["advisor"] == advisor.pk
        assert body["client_count"] == 0
        household = Household.objects.get(pk=body["id"])
        assert (household.firm_id, household.advisor_id) == (advisor.firm_id, advisor.pk)
        assert AuditEvent.objects.filter(action="household.created", object_id=str(household.pk)).exists()

    def test_operator_must_name_the_advisor(self, operator, advisor):
        """An operator's create without an advisor is a field error; naming one creates it in that book."""
        api = api_as(operator)

        missing = api.post(reverse("api:household-list"), {"name": "Lee family"})
        named = api.post(reverse("api:household-list"), {"name": "Lee family", "advisor": advisor.pk})

        assert missing.status_code == 400
        assert list(missing.json()["error"]["fields"]) == ["advisor"]
        assert named.status_code == 201
        assert named.json()["advisor"] == advisor.pk

    def test_advisor_cannot_assign_a_household_to_someone_elses_book(self, advisor, other_advisor):
        """The service's rule comes back as its own code with the advisor field named."""
        response = api_as(advisor).post(reverse("api:household-list"), {"name": "X", "advisor": other_advisor.pk})

        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_advisor"
        assert "advisor" in response.json()["error"]["fields"]

    def test_advisor_of_another_firm_reads_as_unknown(self, operator, other_firm):
        """An advisor id from another firm does not resolve: a plain field error, no hint it exists."""
        stranger = AdvisorFactory(firm=other_firm)

        response = api_as(operator).post(reverse("api:household-list"), {"name": "X", "advisor": stranger.pk})

        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid"
        assert "advisor" in response.json()["error"]["fields"]

    def test_advisor_renames_a_household_partially(self, advisor, own):
        """PATCH changes only the fields sent and answers the updated household."""
        response = api_as(advisor).patch(household_url(own), {"name": "Renamed"})

        assert response.status_code == 200
        own.refresh_from_db()
        assert (own.name, own.notes) == ("Renamed", "")
        assert response.json()["name"] == "Renamed"

    @pytest.mark.parametrize("role_fixture", ["compliance_officer", "client_user"])
    def test_read_only_roles_get_403_on_create(self, request, role_fixture):
        """Compliance and clients may not create households or clients."""
        api = api_as(request.getfixturevalue(role_fixture))

        response = api.post(reverse("api:household-list"), {"name": "X"})

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
        assert not Household.objects.filter(name="X").exists()

    def test_compliance_gets_403_on_changing_an_object_in_scope_and_404_outside(self, compliance_officer, own, foreign):
        """Compliance reads the firm's households but may not change them; another firm's is 404."""
        api = api_as(compliance_officer)

        in_scope = api.patch(household_url(own), {"name": "Changed"})
        out_of_scope = api.patch(household_url(foreign), {"name": "Changed"})

        assert in_scope.status_code == 403
        assert in_scope.json()["error"]["code"] == "permission_denied"
        assert out_of_scope.status_code == 404
        own.refresh_from_db()
        assert own.name == "Own household"

    def test_client_user_cannot_change_their_own_record(self, client_user, own):
        """A client reads their record but a change is 403."""
        me = ClientFactory(household=own, user=client_user)

        response = api_as(client_user).patch(client_url(me), {"phone": "555-0100"})

        assert response.status_code == 403

    def test_advisor_cannot_change_a_colleagues_household(self, advisor, colleagues):
        """Outside the book a change is a 404, exactly like a read."""
        assert api_as(advisor).patch(household_url(colleagues), {"name": "Mine now"}).status_code == 404

    def test_put_and_delete_are_not_offered(self, advisor, own):
        """Only partial updates exist: PUT and DELETE answer 405 method_not_allowed."""
        api = api_as(advisor)

        for response in (api.put(household_url(own), {"name": "X"}), api.delete(household_url(own))):
            assert response.status_code == 405
            assert response.json()["error"]["code"] == "method_not_allowed"
        assert Household.objects.filter(pk=own.pk).exists()


class TestClientsWrites:
    def test_advisor_adds_a_client_to_their_household(self, advisor, own):
        """A client is created in a household of the book, audited, and answered as a read would show it."""
        response = api_as(advisor).post(
            reverse("api:client-list"),
            {"household": own.pk, "first_name": "Ada", "last_name": "Lee", "date_of_birth": "1980-02-29"},
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["household"], body["household_name"], body["has_login"]) == (own.pk, own.name, False)
        assert AuditEvent.objects.filter(action="client.created", object_id=str(body["id"])).exists()

    def test_household_outside_scope_is_a_field_error(self, advisor, colleagues):
        """Naming a household the caller cannot see is a field error, not a 403 that reveals it."""
        response = api_as(advisor).post(
            reverse("api:client-list"), {"household": colleagues.pk, "first_name": "A", "last_name": "B"}
        )

        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["household"]

    def test_validation_errors_name_every_bad_field(self, advisor, own):
        """Missing names and a malformed e-mail and date come back together as field errors."""
        response = api_as(advisor).post(
            reverse("api:client-list"), {"household": own.pk, "email": "not-an-email", "date_of_birth": "yesterday"}
        )

        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "invalid"
        assert set(error["fields"]) == {"first_name", "last_name", "email", "date_of_birth"}
        assert all(isinstance(messages, list) and messages for messages in error["fields"].values())

    def test_advisor_moves_a_client_between_households_of_the_book(self, advisor, own):
        """PATCH of household moves the client when both households are in scope."""
        client = ClientFactory(household=own)
        second = HouseholdFactory(advisor=advisor)

        response = api_as(advisor).patch(client_url(client), {"household": second.pk})

        assert response.status_code == 200
        client.refresh_from_db()
        assert client.household_id == second.pk


class TestListing:
    def test_filters_search_and_ordering(self, operator, advisor, other_advisor):
        """Households filter by advisor and name, search over name, and order as asked."""
        alpha = HouseholdFactory(advisor=advisor, name="Alpha Trust")
        beta = HouseholdFactory(advisor=advisor, name="Beta family")
        gamma = HouseholdFactory(advisor=other_advisor, name="Gamma Trust")
        api = api_as(operator)
        url = reverse("api:household-list")

        assert listed_ids(api.get(url, {"advisor": advisor.pk})) == {alpha.pk, beta.pk}
        assert listed_ids(api.get(url, {"name": "trust"})) == {alpha.pk, gamma.pk}
        assert listed_ids(api.get(url, {"search": "beta"})) == {beta.pk}
        ordered = api.get(url, {"ordering": "-name"}).json()["results"]
        assert [row["id"] for row in ordered] == [gamma.pk, beta.pk, alpha.pk]

    def test_clients_filter_by_household_and_count_on_household(self, advisor, own):
        """Clients filter by household; the household shows how many clients it has."""
        other = HouseholdFactory(advisor=advisor)
        in_own = ClientFactory.create_batch(2, household=own)
        ClientFactory(household=other)
        api = api_as(advisor)

        assert listed_ids(api.get(reverse("api:client-list"), {"household": own.pk})) == {c.pk for c in in_own}
        assert api.get(household_url(own)).json()["client_count"] == 2

    def test_bad_filter_value_is_a_field_error(self, advisor):
        """A non-numeric advisor filter is 400 invalid on that parameter, not a 500."""
        response = api_as(advisor).get(reverse("api:household-list"), {"advisor": "abc"})

        assert response.status_code == 400
        assert "advisor" in response.json()["error"]["fields"]

    def test_pagination_wraps_results(self, advisor):
        """Lists are paginated with count/next/previous/results and honour page_size."""
        HouseholdFactory.create_batch(3, advisor=advisor)

        body = api_as(advisor).get(reverse("api:household-list"), {"page_size": 2}).json()

        assert body["count"] == 3
        assert len(body["results"]) == 2
        assert body["next"] and body["previous"] is None

    @pytest.mark.parametrize("url_name", ["api:household-list", "api:client-list"])
    def test_query_count_does_not_grow_with_rows(self, advisor, url_name):
        """Listing 2 or 12 rows costs the same number of queries."""
        api = api_as(advisor)

        def queries_for_list() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert api.get(reverse(url_name)).status_code == 200
            return len(captured)

        ClientFactory.create_batch(2, household__advisor=advisor)
        few = queries_for_list()
        ClientFactory.create_batch(10, household__advisor=advisor)

        assert queries_for_list() == few

"""Opening and changing accounts: the service rules, the pages and the accounts API."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from compliance.models import AuditEvent
from portfolios.choices import AccountType, TradingMode
from portfolios.errors import PortfoliosError
from portfolios.models import Account
from portfolios.services import create_account, update_account
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(advisor):
    return HouseholdFactory(advisor=advisor)


@pytest.fixture
def owner(household):
    return ClientFactory(household=household, first_name="Ada", last_name="Byron")


def _api(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return api


# --- Service ---------------------------------------------------------------------------------


def test_create_account_saves_it_and_audits_the_opening(advisor, owner):
    """An advisor opens a taxable paper account for their client; the audit trail records it."""
    account = create_account(actor=advisor, client=owner, name="  Brokerage  ")

    assert (account.name, account.account_type, account.trading_mode) == ("Brokerage", "taxable", "paper")
    event = AuditEvent.objects.get(action="account.created", object_id=str(account.pk))
    assert event.firm_id == advisor.firm_id


def test_create_refuses_a_client_outside_the_book(advisor, other_advisor):
    """A client of another advisor's book is refused with a field error on client."""
    stranger = ClientFactory(household=HouseholdFactory(advisor=other_advisor))

    with pytest.raises(PortfoliosError) as caught:
        create_account(actor=advisor, client=stranger, name="Nope")

    assert (caught.value.code, list(caught.value.fields)) == ("invalid_client", ["client"])
    assert not Account.objects.exists()


def test_joint_account_requires_a_co_owner(advisor, owner):
    """A joint account without a second owner is refused on co_owner."""
    with pytest.raises(PortfoliosError) as caught:
        create_account(actor=advisor, client=owner, name="Joint", account_type=AccountType.JOINT)

    assert caught.value.code == "co_owner_required"


def test_co_owner_must_be_in_the_same_household(advisor, owner):
    """A co-owner from another household (even in the same book) is refused."""
    elsewhere = ClientFactory(household=HouseholdFactory(advisor=advisor))

    with pytest.raises(PortfoliosError) as caught:
        create_account(actor=advisor, client=owner, name="Joint", account_type=AccountType.JOINT, co_owner=elsewhere)

    assert caught.value.code == "co_owner_other_household"


def test_joint_account_with_a_household_member_is_opened(advisor, owner, household):
    """Two people of one household can share a joint account."""
    partner = ClientFactory(household=household)

    account = create_account(
        actor=advisor, client=owner, name="Joint", account_type=AccountType.JOINT, co_owner=partner
    )

    assert account.co_owner == partner


def test_co_owner_only_on_joint_accounts(advisor, owner, household):
    """A second owner on an individual account is refused."""
    with pytest.raises(PortfoliosError) as caught:
        create_account(actor=advisor, client=owner, name="Solo", co_owner=ClientFactory(household=household))

    assert caught.value.code == "co_owner_not_joint"


def test_live_account_needs_a_broker_account_id(advisor, owner):
    """A live account without the broker's id is refused on broker_account_id."""
    with pytest.raises(PortfoliosError) as caught:
        create_account(actor=advisor, client=owner, name="Live", trading_mode=TradingMode.LIVE)

    assert list(caught.value.fields) == ["broker_account_id"]


def test_compliance_cannot_open_accounts(compliance_officer, owner):
    """Compliance reads the book but may not open an account."""
    with pytest.raises(PortfoliosError) as caught:
        create_account(actor=compliance_officer, client=owner, name="Nope")

    assert caught.value.code == "forbidden"


def test_update_checks_the_result_and_audits_only_changes(advisor, owner):
    """Switching to live without an id is refused; with one it saves and audits the changed fields only."""
    account = create_account(actor=advisor, client=owner, name="Brokerage")

    with pytest.raises(PortfoliosError):
        update_account(actor=advisor, account=account, trading_mode=TradingMode.LIVE)
    update_account(
        actor=advisor, account=account, trading_mode=TradingMode.LIVE, broker_account_id="PA-1", name="Brokerage"
    )

    event = AuditEvent.objects.get(action="account.updated", object_id=str(account.pk))
    assert set(event.changes) == {"trading_mode", "broker_account_id"}
    account.refresh_from_db()
    assert account.trading_mode == TradingMode.LIVE


def test_update_cannot_move_the_account_to_another_client(advisor, owner, household):
    """The owner is fixed once the ledger exists: ``client`` is not an updatable field."""
    account = create_account(actor=advisor, client=owner, name="Brokerage")

    with pytest.raises(PortfoliosError) as caught:
        update_account(actor=advisor, account=account, client=ClientFactory(household=household))

    assert caught.value.code == "invalid_field"


def test_opening_date_cannot_be_in_the_future(advisor, owner):
    """An opening date after today is refused on opened_on."""
    with pytest.raises(PortfoliosError) as caught:
        create_account(actor=advisor, client=owner, name="Later", opened_on=dt.date.today() + dt.timedelta(days=2))

    assert list(caught.value.fields) == ["opened_on"]


# --- Pages -----------------------------------------------------------------------------------


def test_account_list_shows_only_accounts_in_scope(client, advisor, owner, other_advisor):
    """/accounts/ lists the advisor's accounts and not another advisor's."""
    AccountFactory(client=owner, name="Mine")
    AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=other_advisor)), name="Theirs")
    client.force_login(advisor)

    body = client.get(reverse("portfolios:account-list")).content.decode()

    assert "Mine" in body and "Theirs" not in body


def test_create_page_opens_an_account_and_redirects_to_it(client, advisor, owner):
    """Posting the form creates the account and lands on its page."""
    client.force_login(advisor)
    data = {
        "client": owner.pk,
        "name": "Retirement",
        "account_type": "ira",
        "trading_mode": "paper",
        "lot_relief_method": "fifo",
    }

    response = client.post(reverse("portfolios:account-create"), data)

    account = Account.objects.get(name="Retirement")
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolios:account-detail", args=[account.pk])


def test_create_page_shows_the_services_field_error(client, advisor, owner):
    """A joint account without a co-owner re-renders the form with the error on that field."""
    client.force_login(advisor)
    data = {
        "client": owner.pk,
        "name": "Joint",
        "account_type": "joint",
        "trading_mode": "paper",
        "lot_relief_method": "fifo",
    }

    response = client.post(reverse("portfolios:account-create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {"co_owner": ["A joint account needs a second owner."]}
    assert 'class="field-error"' in response.content.decode()


def test_edit_page_saves_changes(client, advisor, owner):
    """The edit form changes the name and keeps the owner."""
    account = AccountFactory(client=owner, name="Old")
    client.force_login(advisor)
    data = {
        "name": "New",
        "account_type": "taxable",
        "trading_mode": "paper",
        "lot_relief_method": "lifo",
        "is_active": "on",
    }

    client.post(reverse("portfolios:account-edit", args=[account.pk]), data)

    account.refresh_from_db()
    assert (account.name, account.lot_relief_method, account.client) == ("New", "lifo", owner)


def test_client_and_household_pages_list_their_accounts(client, advisor, owner, household):
    """The client page and the household page both show an Accounts section with the account."""
    AccountFactory(client=owner, name="Household brokerage")
    client.force_login(advisor)

    for url in (
        reverse("portfolios:client-detail", args=[owner.pk]),
        reverse("portfolios:household-detail", args=[household.pk]),
    ):
        assert "Household brokerage" in client.get(url).content.decode()


def test_client_user_sees_their_own_account_page_but_cannot_edit(client, client_user, advisor, household):
    """A client signed in reads their own account page; its edit page is refused."""
    person = ClientFactory(household=household, user=client_user)
    account = AccountFactory(client=person)
    client.force_login(client_user)

    assert client.get(reverse("portfolios:account-detail", args=[account.pk])).status_code == 200
    assert client.get(reverse("portfolios:account-edit", args=[account.pk])).status_code == 403


# --- API -------------------------------------------------------------------------------------


def test_api_creates_and_lists_accounts(advisor, owner):
    """POST opens an account through the service; the list then contains it."""
    api = _api(advisor)

    created = api.post(reverse("api:account-list"), {"client": owner.pk, "name": "API account"}, format="json")
    listed = api.get(reverse("api:account-list"))

    assert created.status_code == 201, created.json()
    assert created.json()["client_name"] == "Ada Byron"
    assert [row["name"] for row in listed.json()["results"]] == ["API account"]


def test_api_service_error_has_code_and_field(advisor, owner):
    """A live account without a broker id answers 400 with the service's code and field."""
    response = _api(advisor).post(
        reverse("api:account-list"), {"client": owner.pk, "name": "Live", "trading_mode": "live"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "broker_account_required"
    assert "broker_account_id" in response.json()["error"]["fields"]


def test_api_partial_update_changes_the_account(advisor, owner):
    """PATCH renames the account and answers with the saved state."""
    account = AccountFactory(client=owner, name="Before")

    response = _api(advisor).patch(reverse("api:account-detail", args=[account.pk]), {"name": "After"}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "After"


def test_api_refuses_moving_an_account_to_another_client(advisor, owner, household):
    """PATCH with a new client is a 400 on client."""
    account = AccountFactory(client=owner)
    other = ClientFactory(household=household)

    response = _api(advisor).patch(
        reverse("api:account-detail", args=[account.pk]), {"client": other.pk}, format="json"
    )

    assert response.status_code == 400
    assert "client" in response.json()["error"]["fields"]


def test_api_filters_accounts_by_client_including_co_owned(advisor, owner, household):
    """?client= returns accounts the client owns or co-owns."""
    partner = ClientFactory(household=household)
    AccountFactory(client=owner, name="Own")
    AccountFactory(client=partner, co_owner=owner, account_type="joint", name="Shared")
    AccountFactory(client=partner, name="Partner only")

    response = _api(advisor).get(reverse("api:account-list"), {"client": owner.pk})

    assert sorted(row["name"] for row in response.json()["results"]) == ["Own", "Shared"]

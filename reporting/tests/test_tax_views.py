"""The realised-gains page, its CSV download and the API: year selector, totals, wash sales, scoping."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import AdvisorFactory
from marketdata.tests.factories import InstrumentFactory
from portfolios.tests.factories import ClientFactory
from reporting.tests.tax_support import BOUGHT, SOLD, buy, funded_account, household_client, sell, washed_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):
    return InstrumentFactory(symbol="ACME")


@pytest.fixture
def account(advisor, acme):
    return washed_account(advisor, acme)


def page_url(account, year=None) -> str:
    url = reverse("reporting:account-realized-gains", kwargs={"pk": account.pk})
    return url if year is None else f"{url}?year={year}"


def csv_url(account, year) -> str:
    return reverse("reporting:account-realized-gains-csv", kwargs={"pk": account.pk}) + f"?year={year}"


def api_url(account, year=None) -> str:
    url = reverse("api:account-realized-gains", kwargs={"account_pk": account.pk})
    return url if year is None else f"{url}?year={year}"


def api_as(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return api


def test_page_shows_lots_totals_and_wash_sales(client, advisor, account):
    """The year's sales by lot, totals per term and the wash sale with its adjustment are on the page."""
    client.force_login(advisor)

    response = client.get(page_url(account, 2023))

    assert response.status_code == 200
    html = response.content.decode()
    assert [row["disallowed"] for row in response.context["rows"]] == ["1,000.00", ""]
    assert response.context["rows"][1]["adjustment"] == "1,000.00"
    totals = {total["label"]: total for total in response.context["totals"]}
    assert totals["Short-term"]["recognised"] == "-700.00"
    assert totals["Long-term"]["rows"] == 0
    assert totals["Total"]["disallowed"] == "1,000.00"
    assert 'id="wash-sales"' in html
    assert 'data-year="2023" aria-current="true"' in html
    assert csv_url(account, 2023).replace("&", "&amp;") in html


def test_page_defaults_to_this_year_and_lists_years_with_sales(client, advisor, account):
    """Without ?year= the page shows the current year; the selector offers it and every year with sales."""
    client.force_login(advisor)

    response = client.get(page_url(account))

    this_year = timezone.localdate().year
    assert response.context["year"] == this_year
    assert this_year in response.context["years"] and 2023 in response.context["years"]
    assert 'href="?year=2023"' in response.content.decode()


def test_page_refuses_a_year_that_is_not_a_number(client, advisor, account):
    """A bad year is a form error on the page, with no report under it."""
    client.force_login(advisor)

    response = client.get(page_url(account, "twenty"))

    assert response.status_code == 200
    assert response.context["tax"] is None
    assert "field-error" in response.content.decode()


def test_account_page_links_to_realised_gains(client, advisor, account):
    """The account page's actions lead to the realised-gains page."""
    client.force_login(advisor)

    response = client.get(reverse("portfolios:account-detail", kwargs={"pk": account.pk}))

    assert page_url(account) in response.content.decode()


def test_csv_holds_the_same_rows_and_totals(client, advisor, account):
    """The CSV has one line per lot sold with the wash-sale columns, then short, long and overall totals."""
    client.force_login(advisor)

    response = client.get(csv_url(account, 2023))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"account-{account.pk}-realised-gains-2023.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["row"] for row in rows] == ["lot", "lot", "total_short", "total_long", "total_all"]
    loss, resold = rows[:2]
    assert (loss["sold"], loss["gain"], loss["wash_sale_disallowed"], loss["recognised_gain"]) == (
        SOLD.isoformat(),
        "-1000.00",
        "1000.00",
        "0.00",
    )
    assert "1,000.00 added to its basis" in loss["wash_sale_replacements"]
    assert (resold["wash_sale_adjustment"], resold["adjusted_cost"], resold["term"]) == ("1000.00", "5200.00", "short")
    assert rows[2]["recognised_gain"] == "-700.00"
    assert rows[3]["proceeds"] == "0"


def test_csv_with_a_bad_year_is_a_400(client, advisor, account):
    """A download cannot show a form error: a year that is not a number is refused."""
    client.force_login(advisor)

    assert client.get(csv_url(account, "x")).status_code == 400


def test_api_returns_rows_totals_and_wash_sales(advisor, account):
    """The API carries the page's numbers as decimal strings, for the requested year."""
    response = api_as(advisor).get(api_url(account, 2023))

    assert response.status_code == 200
    body = response.json()
    assert (body["account"], body["year"], body["wash_sale_scope"], body["tax_deferred"]) == (
        account.pk,
        2023,
        "household",
        False,
    )
    loss, resold = body["rows"]
    assert (loss["gain"], loss["disallowed_loss"], loss["recognised_gain"], loss["term"]) == (
        "-1000.00",
        "1000.00",
        "0.00",
        "short",
    )
    assert loss["wash_sales"][0]["basis_adjustment"] == "1000.00"
    assert loss["wash_sales"][0]["replacement_account"] == account.pk
    assert (resold["adjustment"], resold["adjusted_cost"], resold["gain"]) == ("1000.00", "5200.00", "-700.00")
    assert body["totals"]["short"]["recognised_gain"] == "-700.00"
    assert body["totals"]["long"]["rows"] == 0
    assert len(body["wash_sales"]) == 1


def test_api_defaults_to_this_year_and_validates_it(advisor, account):
    """No year: this year's (empty) report; a year out of range is a 400 with the field named."""
    api = api_as(advisor)

    assert api.get(api_url(account)).json()["year"] == timezone.localdate().year
    response = api.get(api_url(account, 12))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "year" in response.json()["error"]["fields"]


def test_another_advisors_account_is_a_404(client, firm, account):
    """Outside the advisor's book the page, the CSV and the API answer 404."""
    stranger = AdvisorFactory(firm=firm)
    client.force_login(stranger)

    assert client.get(page_url(account, 2023)).status_code == 404
    assert client.get(csv_url(account, 2023)).status_code == 404
    assert api_as(stranger).get(api_url(account, 2023)).status_code == 404


def test_compliance_may_read(client, compliance_officer, account):
    """Compliance reads every account of the firm: page and API answer 200."""
    client.force_login(compliance_officer)

    assert client.get(page_url(account, 2023)).status_code == 200
    assert api_as(compliance_officer).get(api_url(account, 2023)).status_code == 200


def test_client_sees_own_account_and_not_the_spouses_name(client, advisor, client_user, acme):
    """A client reads their own report; a replacement bought in a spouse's account is shown unnamed."""
    own = funded_account(household_client(advisor, user=client_user))
    spouse_account = funded_account(ClientFactory(household=own.client.household), name="Spouse brokerage")
    buy(own, acme, "100", "50", BOUGHT)
    sell(own, acme, "100", "40", SOLD)
    buy(spouse_account, acme, "100", "41", SOLD.replace(day=10))
    client.force_login(client_user)

    page = client.get(page_url(own, 2023))
    body = api_as(client_user).get(api_url(own, 2023)).json()

    assert page.status_code == 200
    assert "another household account" in page.content.decode()
    assert "Spouse brokerage" not in page.content.decode()
    assert body["rows"][0]["wash_sales"][0]["replacement_account"] is None
    assert client.get(page_url(spouse_account, 2023)).status_code == 404

"""Holdings, summary and allocation of an account, and the account page's cost in queries."""

from decimal import Decimal

import pytest
from django.urls import reverse

from marketdata.choices import AssetClass
from portfolios.selectors import (
    account_summary,
    accounts_visible_to,
    allocation_by_asset_class,
    allocation_by_sector,
    holdings_for,
)
from portfolios.selectors.holdings import account_totals, book_totals
from portfolios.tests.valuation_support import SESSIONS, account_of, instrument_with_closes, record

pytestmark = pytest.mark.django_db

D0, D1, D2 = SESSIONS[0], SESSIONS[1], SESSIONS[2]


@pytest.fixture
def funded(advisor):
    """$10,000 deposited; 10 AAA bought at 100 and 20 BBB at 50 (fees 1 each); AAA closes 120, BBB 45."""
    aaa = instrument_with_closes("AAA", {D0: "100", D1: "110", D2: "120"}, sector="Technology")
    bbb = instrument_with_closes("BBB", {D0: "50", D1: "45"}, sector="Energy", asset_class=AssetClass.ETF)
    account = account_of(advisor)
    record(account, "deposit", D0, amount="10000")
    record(account, "buy", D0, instrument=aaa, quantity="10", price="100", fees="1")
    record(account, "buy", D0, instrument=bbb, quantity="20", price="50", fees="1")
    account.refresh_from_db()
    return account


def test_holdings_value_each_position_at_its_last_close(funded):
    """Each row carries the last close and its date, value, cost, gain and weight of the total (cash included)."""
    rows = {row.instrument.symbol: row for row in holdings_for(funded)}

    aaa, bbb = rows["AAA"], rows["BBB"]
    assert (aaa.price, aaa.price_date, aaa.market_value) == (Decimal("120"), D2, Decimal("1200"))
    assert (bbb.price, bbb.price_date, bbb.market_value) == (Decimal("45"), D1, Decimal("900"))
    assert aaa.cost_basis == Decimal("1001.00")
    assert aaa.unrealized_gain == Decimal("199.00")
    assert bbb.unrealized_gain == Decimal("-101.00")
    total = Decimal("7998.00") + Decimal("2100")
    assert aaa.weight == Decimal("1200") / total
    assert [row.instrument.symbol for row in holdings_for(funded)] == ["AAA", "BBB"]


def test_holdings_as_of_an_earlier_day_use_that_days_close(funded):
    """With ``as_of`` the valuation uses the closes known then."""
    rows = {row.instrument.symbol: row.market_value for row in holdings_for(funded, as_of=D1)}

    assert rows == {"AAA": Decimal("1100"), "BBB": Decimal("900")}


def test_summary_adds_cash_securities_cost_and_gain(funded):
    """Total = cash + securities; unrealised P&L = securities - cost; priced as of the oldest close."""
    summary = account_summary(funded)

    assert summary.cash == Decimal("7998.00")
    assert summary.market_value == Decimal("2100")
    assert summary.total_value == Decimal("10098.00")
    assert summary.cost_basis == Decimal("2002.00")
    assert summary.unrealized_gain == Decimal("98.00")
    assert summary.priced_as_of == D1


def test_allocations_group_by_sector_and_asset_class_with_cash_as_a_slice(funded):
    """Sector and asset-class slices sum to 1 and cash is its own slice."""
    rows = holdings_for(funded)

    sectors = {s.label: s.value for s in allocation_by_sector(funded, rows)}
    classes = {s.label: s.value for s in allocation_by_asset_class(funded, rows)}

    assert sectors == {"Cash": Decimal("7998.00"), "Technology": Decimal("1200"), "Energy": Decimal("900")}
    assert classes == {"Cash": Decimal("7998.00"), "Equity": Decimal("1200"), "Exchange-traded fund": Decimal("900")}
    assert sum(s.weight for s in allocation_by_sector(funded, rows)) == pytest.approx(Decimal(1))


def test_book_totals_and_account_totals_sum_cash_and_securities(advisor, funded):
    """The dashboard's AUM and the per-account totals are cash plus securities at the last close."""
    totals = book_totals(accounts_visible_to(advisor))

    assert (totals.accounts, totals.assets_under_management) == (1, Decimal("10098.00"))
    assert account_totals([funded]) == {funded.pk: Decimal("10098.00")}


def test_account_page_shows_figures_and_sorts(client, advisor, funded):
    """The page shows the total and the charts, and ?sort=-gain / ?sort=gain order the holdings both ways."""
    client.force_login(advisor)
    url = reverse("portfolios:account-detail", args=[funded.pk])

    body = client.get(url, {"sort": "-gain"}).content.decode()
    by_symbol = client.get(url, {"sort": "symbol"}).content.decode()

    assert "10,098.00" in body and "<svg" in body
    assert body.index('data-symbol="AAA"') < body.index('data-symbol="BBB"')
    assert client.get(url, {"sort": "gain"}).content.decode().index('data-symbol="BBB"') < body.index(
        'data-symbol="BBB"'
    )
    assert by_symbol.index('data-symbol="AAA"') < by_symbol.index('data-symbol="BBB"')


def _account_with_positions(advisor, count: int):
    account = account_of(advisor)
    record(account, "deposit", D0, amount="1000000")
    for number in range(count):
        instrument = instrument_with_closes(f"Q{count}X{number}", {D0: "10", D1: "11"}, sector=f"S{number % 7}")
        record(account, "buy", D0, instrument=instrument, quantity="5", price="10")
    from portfolios.services import refresh_account_values

    refresh_account_values(account=account)
    return account


def test_account_page_query_count_does_not_grow_with_positions(client, advisor, django_assert_max_num_queries):
    """The account page costs the same number of queries with 5 positions as with 100."""
    small, large = _account_with_positions(advisor, 5), _account_with_positions(advisor, 100)
    client.force_login(advisor)
    client.get(reverse("portfolios:account-detail", args=[small.pk]))  # session and user cached alike

    with django_assert_max_num_queries(12) as small_queries:
        assert client.get(reverse("portfolios:account-detail", args=[small.pk])).status_code == 200
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        assert client.get(reverse("portfolios:account-detail", args=[large.pk])).status_code == 200


def test_holdings_api_returns_rows_and_summary(advisor, funded):
    """/api/v1/accounts/{pk}/holdings/ returns the same figures as the page."""
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(advisor).access_token}")

    body = api.get(reverse("api:account-holdings", args=[funded.pk])).json()

    assert body["summary"]["total_value"] == "10098.00"
    assert [(row["symbol"], row["market_value"]) for row in body["holdings"]] == [("AAA", "1200.00"), ("BBB", "900.00")]

"""Instruments and price history over the JSON API: search, filters, symbol lookup, compact rows, cost."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from marketdata import calendar
from marketdata.choices import AssetClass
from marketdata.models import DailyBar
from marketdata.tests.factories import DailyBarFactory, InstrumentFactory

pytestmark = pytest.mark.django_db
LIST_URL = reverse("api:instrument-list")


def api_as(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return api


def prices_url(symbol: str) -> str:
    return reverse("api:instrument-prices", kwargs={"symbol": symbol})


def make_history(symbol: str, start: dt.date, end: dt.date):
    instrument = InstrumentFactory(symbol=symbol)
    DailyBar.objects.bulk_create(
        DailyBar(
            instrument=instrument,
            date=day,
            open=Decimal("10.5"),
            high=Decimal("11"),
            low=Decimal("10"),
            close=Decimal("10.75"),
            adj_close=Decimal("10.123456"),
            volume=1000,
        )
        for day in calendar.sessions_in_range(start, end)
    )
    return instrument


def test_list_searches_symbol_and_name_and_filters_by_asset_class_and_sector(client_user):
    """Any signed-in role lists instruments; search and filters narrow the page."""
    InstrumentFactory(symbol="AAPL", name="Apple Inc.", sector="Information Technology")
    InstrumentFactory(symbol="XOM", name="Exxon Mobil Corp.", sector="Energy")
    InstrumentFactory(symbol="MTUM", name="iShares MSCI USA Momentum Factor ETF", asset_class=AssetClass.ETF, sector="")
    api = api_as(client_user)

    def symbols(**params):
        response = api.get(LIST_URL, params)
        assert response.status_code == 200, response.content
        return [row["symbol"] for row in response.json()["results"]]

    assert symbols() == ["AAPL", "MTUM", "XOM"]
    assert symbols(search="exxon") == ["XOM"]
    assert symbols(search="mtu") == ["MTUM"]
    assert symbols(asset_class="etf") == ["MTUM"]
    assert symbols(sector="energy") == ["XOM"]


def test_list_is_paginated_and_refuses_anonymous_callers(advisor):
    """Pages of page_size; without credentials the answer is a 401 in the API error format."""
    for number in range(5):
        InstrumentFactory(symbol=f"S{number}")

    page = api_as(advisor).get(LIST_URL, {"page_size": 2}).json()
    anonymous = APIClient().get(LIST_URL)

    assert (page["count"], len(page["results"])) == (5, 2)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"


def test_detail_is_looked_up_by_symbol_in_any_case(advisor):
    """/instruments/aapl/ and /instruments/AAPL/ are the same instrument; an unknown symbol is a 404."""
    InstrumentFactory(symbol="AAPL", name="Apple Inc.")
    api = api_as(advisor)

    response = api.get(reverse("api:instrument-detail", kwargs={"symbol": "aapl"}))
    missing = api.get(reverse("api:instrument-detail", kwargs={"symbol": "NOPE"}))

    assert response.json()["name"] == "Apple Inc."
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_prices_return_compact_rows_for_a_date_range(advisor):
    """Rows are [date, open, high, low, close, adj_close, volume], oldest first, inside the range."""
    make_history("AAPL", dt.date(2024, 1, 2), dt.date(2024, 1, 31))

    body = api_as(advisor).get(prices_url("AAPL"), {"start": "2024-01-03", "end": "2024-01-05"}).json()

    assert body["columns"] == ["date", "open", "high", "low", "close", "adj_close", "volume"]
    assert body["rows"] == [
        ["2024-01-03", 10.5, 11.0, 10.0, 10.75, 10.123456, 1000],
        ["2024-01-04", 10.5, 11.0, 10.0, 10.75, 10.123456, 1000],
        ["2024-01-05", 10.5, 11.0, 10.0, 10.75, 10.123456, 1000],
    ]


def test_prices_default_to_the_year_up_to_the_last_bar(advisor):
    """Without dates: from a year before the last price to the last price, not a year before today."""
    make_history("AAPL", dt.date(2019, 1, 2), dt.date(2020, 12, 31))

    body = api_as(advisor).get(prices_url("AAPL")).json()

    assert (body["start"], body["end"]) == ("2020-01-01", "2020-12-31")
    assert body["rows"][0][0] == "2020-01-02"
    assert body["rows"][-1][0] == "2020-12-31"


def test_adjusted_only_bars_show_null_open_high_low_volume(advisor):
    """A series with adjusted closes only has nulls where the source published nothing."""
    bar = DailyBarFactory(date=dt.date(2024, 1, 2), close=Decimal("5"), adj_close=Decimal("5"))

    body = api_as(advisor).get(prices_url(bar.instrument.symbol), {"start": "2024-01-02"}).json()

    assert body["rows"] == [["2024-01-02", None, None, None, 5.0, 5.0, None]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "yesterday"}, "start"),
        ({"end": "2024-02-30"}, "end"),
        ({"start": "2024-02-01", "end": "2024-01-01"}, "start"),
    ],
)
def test_bad_ranges_are_field_errors(advisor, params, field):
    """Unparseable dates and a start after the end are a 400 with the field named."""
    InstrumentFactory(symbol="AAPL")

    response = api_as(advisor).get(prices_url("AAPL"), params)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_price_history_costs_the_same_queries_for_ten_or_thousands_of_rows(advisor):
    """Values come from one query however long the range: no per-row work in the database."""
    make_history("LONG", dt.date(2000, 1, 3), dt.date(2009, 12, 31))
    make_history("SHORT", dt.date(2009, 12, 1), dt.date(2009, 12, 14))
    api = api_as(advisor)

    with CaptureQueriesContext(connection) as short:
        short_body = api.get(prices_url("SHORT"), {"start": "2000-01-01", "end": "2009-12-31"}).json()
    with CaptureQueriesContext(connection) as long:
        long_body = api.get(prices_url("LONG"), {"start": "2000-01-01", "end": "2009-12-31"}).json()

    assert (len(short_body["rows"]), len(long_body["rows"])) == (10, 2515)
    assert len(long.captured_queries) == len(short.captured_queries)


def test_instrument_endpoints_are_in_the_openapi_schema(advisor):
    """The three endpoints are documented."""
    schema = api_as(advisor).get(reverse("api:schema"), {"format": "json"}).json()

    assert {"/api/v1/instruments/", "/api/v1/instruments/{symbol}/", "/api/v1/instruments/{symbol}/prices/"} <= set(
        schema["paths"]
    )

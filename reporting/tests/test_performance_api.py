"""The performance API on accounts built through the real ledger and valuation."""

import datetime as dt
from decimal import Decimal

import pytest
import pyxirr
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from marketdata.calendar import sessions_in_range
from portfolios.choices import TransactionKind
from portfolios.models import AccountValue
from portfolios.services.valuation import refresh_account_values
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory
from portfolios.tests.valuation_support import instrument_with_closes, record
from reporting.api.serializers import PerformanceOutputSerializer

pytestmark = pytest.mark.django_db

JAN = {day: dt.date(2022, 1, day) for day in (3, 4, 5, 6, 7, 8, 10, 11)}
CLOSES = {JAN[3]: "10", JAN[4]: "11", JAN[5]: "11", JAN[6]: "12", JAN[7]: "12", JAN[10]: "13", JAN[11]: "12"}


def api_as(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return api


def get(user, path: str, **query):
    return api_as(user).get(path, query)


@pytest.fixture
def household(advisor):
    return HouseholdFactory(advisor=advisor)


@pytest.fixture
def ledger_account(household):
    """Deposit 1,000 and buy 50 at 10 on 3 Jan, a 10 fee on 5 Jan, a 1,000 deposit on Saturday 8 Jan.

    Closing values: 3 Jan 1,000; 4 Jan 1,050; 5 Jan 1,040; 6 and 7 Jan 1,090; 10 Jan 2,140 (with the
    deposit counted on Monday); 11 Jan 2,090.
    """
    account = AccountFactory(client=ClientFactory(household=household))
    stock = instrument_with_closes("AAA", CLOSES)
    record(account, TransactionKind.DEPOSIT, JAN[3], amount="1000")
    record(account, TransactionKind.BUY, JAN[3], instrument=stock, quantity="50", price="10")
    record(account, TransactionKind.FEE, JAN[5], amount="10")
    record(account, TransactionKind.DEPOSIT, JAN[8], amount="1000")
    refresh_account_values(account=account)
    return account


def performance(user, account, **query):
    return get(user, f"/api/v1/accounts/{account.pk}/performance/", **query)


def test_ledger_values_are_the_hand_computed_ones(ledger_account):
    """The fixture's value history is what the hand computations below assume."""
    rows = AccountValue.objects.filter(account=ledger_account).values_list("date", "total_value", "net_external_flow")

    assert list(rows) == [
        (JAN[3], Decimal("1000.00"), Decimal("1000.00")),
        (JAN[4], Decimal("1050.00"), Decimal("0.00")),
        (JAN[5], Decimal("1040.00"), Decimal("0.00")),
        (JAN[6], Decimal("1090.00"), Decimal("0.00")),
        (JAN[7], Decimal("1090.00"), Decimal("0.00")),
        (JAN[10], Decimal("2140.00"), Decimal("1000.00")),
        (JAN[11], Decimal("2090.00"), Decimal("0.00")),
    ]


def test_since_inception_net_of_fees(advisor, ledger_account):
    """ITD from the 3 Jan close: TWR 1.14 x 2090/2140 - 1, simple 9 %, Dietz 90 / 1125, MWR = XIRR."""
    response = performance(advisor, ledger_account, period="ITD")

    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {
        "key": "ITD",
        "label": "Since inception",
        "start": "2022-01-03",
        "end": "2022-01-11",
        "base_date": "2022-01-03",
        "calendar_days": 8,
        "sessions": 6,
    }
    assert body["basis"] == "net"
    assert (body["start_value"], body["end_value"], body["net_flows"], body["fees"], body["gain"]) == (
        "1000.00",
        "2090.00",
        "1000.00",
        "-10.00",
        "90.00",
    )
    returns = body["returns"]
    assert returns["twr"] == pytest.approx(1.14 * 2090 / 2140 - 1, abs=1e-12)
    assert returns["simple"] == pytest.approx(0.09, abs=1e-12)
    # Eight calendar days; the deposit counts on 10 Jan, seven days in: weight 1/8.
    assert returns["modified_dietz"] == pytest.approx(90 / (1000 + 1000 / 8), abs=1e-12)
    expected_xirr = pyxirr.xirr([JAN[3], JAN[10], JAN[11]], [-1000, -1000, 2090])
    assert returns["mwr_annualized"] == pytest.approx(expected_xirr, rel=1e-9)
    assert returns["mwr_period"] == pytest.approx((1 + expected_xirr) ** (8 / 365) - 1, rel=1e-9)
    assert returns["twr_annualized"] is None


def test_working_shows_the_sub_periods_and_the_moved_deposit(advisor, ledger_account):
    """Sub-periods break at the deposit; the Saturday deposit is listed as counted on Monday."""
    working = performance(advisor, ledger_account).json()["working"]

    assert working["sub_periods"] == [
        {
            "start_date": "2022-01-03",
            "end_date": "2022-01-10",
            "sessions": 5,
            "start_value": "1000.00",
            "flow": "1000.00",
            "fees": "-10.00",
            "end_value": "2140.00",
            "return": pytest.approx(0.14),
            "cumulative_return": pytest.approx(0.14),
        },
        {
            "start_date": "2022-01-10",
            "end_date": "2022-01-11",
            "sessions": 1,
            "start_value": "2140.00",
            "flow": "0.00",
            "fees": "0.00",
            "end_value": "2090.00",
            "return": pytest.approx(2090 / 2140 - 1),
            "cumulative_return": pytest.approx(1.14 * 2090 / 2140 - 1),
        },
    ]
    assert working["moved"] == [
        {"kind": "deposit", "dated": "2022-01-08", "counted_on": "2022-01-10", "amount": "1000.00"}
    ]
    assert "Deposit of 1000.00 dated 2022-01-08, not a session, is counted on 2022-01-10." in working["notes"]
    assert working["modified_dietz"]["flows"] == [{"date": "2022-01-10", "amount": "1000.00", "weight": 0.125}]
    assert working["mwr_cash_flows"] == [
        {"date": "2022-01-03", "amount": "-1000.00"},
        {"date": "2022-01-10", "amount": "-1000.00"},
        {"date": "2022-01-11", "amount": "2090.00"},
    ]
    assert "end of their day" in working["convention"]


def test_gross_of_fees_adds_the_fee_back(advisor, ledger_account):
    """Gross: the 10 fee on 5 Jan is a withdrawal, so that day returns (1040 + 10) / 1050 - 1 = 0."""
    body = performance(advisor, ledger_account, net="false").json()

    assert body["basis"] == "gross"
    assert body["returns"]["twr"] == pytest.approx(1.05 * (1090 / 1040) * (1140 / 1090) * (2090 / 2140) - 1)
    assert body["returns"]["simple"] == pytest.approx(0.10)
    assert body["gain"] == "100.00"
    assert [row["end_date"] for row in body["working"]["sub_periods"]] == ["2022-01-05", "2022-01-10", "2022-01-11"]


def test_custom_range(advisor, ledger_account):
    """5 to 7 Jan starts from the 4 Jan close: 1090 / 1050 - 1, no flows."""
    body = performance(advisor, ledger_account, period="custom", start="2022-01-05", end="2022-01-07").json()

    assert body["period"]["base_date"] == "2022-01-04"
    assert body["returns"]["twr"] == pytest.approx(1090 / 1050 - 1, abs=1e-12)
    assert body["returns"]["simple"] == pytest.approx(1090 / 1050 - 1, abs=1e-12)


def test_ytd_from_the_inception_close_says_so(advisor, ledger_account):
    """YTD 2022 of an account opened on the first session of 2022 is measured from that close, with a note."""
    body = performance(advisor, ledger_account, period="YTD").json()

    assert body["period"]["base_date"] == "2022-01-03"
    assert body["notes"] == ["The first value is on 2022-01-03; the period is measured from that close."]


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ({"period": "3Y"}, "period_before_inception", "period"),
        ({"period": "custom", "start": "2021-12-01"}, "period_before_inception", "start"),
        ({"period": "10Y"}, "invalid", "period"),
        ({"period": "custom"}, "invalid", "start"),
        ({"period": "YTD", "start": "2022-01-05"}, "invalid", "start"),
        ({"net": "maybe"}, "invalid", "net"),
    ],
)
def test_bad_requests_are_400_in_the_error_format(advisor, ledger_account, query, code, field):
    """Periods that cannot be measured and malformed parameters answer 400 with a code and the field."""
    response = performance(advisor, ledger_account, **query)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert field in error["fields"]


def test_account_without_history_is_a_clear_400(advisor, household):
    """An account with no values yet answers no_history, not a 500 or zeros."""
    account = AccountFactory(client=ClientFactory(household=household))

    response = performance(advisor, account)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_history"


def test_other_advisors_account_and_household_are_404(other_advisor, ledger_account, household):
    """Another advisor (same firm, not sharing the book) sees neither the account nor the household."""
    account_response = performance(other_advisor, ledger_account)
    household_response = get(other_advisor, f"/api/v1/households/{household.pk}/performance/")

    assert account_response.status_code == 404
    assert household_response.status_code == 404
    assert account_response.json()["error"]["code"] == "not_found"


def test_household_sums_its_accounts_by_date(advisor, household, ledger_account):
    """A second account with 500 deposited on 6 Jan: values and flows summed by date, then measured as one."""
    second = AccountFactory(client=ClientFactory(household=household))
    record(second, TransactionKind.DEPOSIT, JAN[6], amount="500")
    refresh_account_values(account=second)

    body = get(advisor, f"/api/v1/households/{household.pk}/performance/").json()

    assert body["subject"] == "household"
    assert sorted(body["accounts"]) == sorted([ledger_account.pk, second.pk])
    # Household values: 1000, 1050, 1040, 1590 (500 in), 1590, 2640 (1000 in), 2590.
    expected = 1.05 * (1040 / 1050) * ((1590 - 500) / 1040) * ((2640 - 1000) / 1590) * (2590 / 2640) - 1
    assert body["returns"]["twr"] == pytest.approx(expected, abs=1e-12)
    assert (body["start_value"], body["end_value"], body["net_flows"]) == ("1000.00", "2590.00", "1500.00")
    assert [row["end_date"] for row in body["working"]["sub_periods"]] == ["2022-01-06", "2022-01-10", "2022-01-11"]


def test_payload_matches_the_documented_schema(advisor, ledger_account):
    """The hand-built payload has exactly the fields the OpenAPI serializer documents, at every level."""

    def shape(serializer):
        fields = serializer.child.fields if hasattr(serializer, "child") else serializer.fields
        return {
            name: shape(field) if hasattr(field, "fields") or hasattr(getattr(field, "child", None), "fields") else None
            for name, field in fields.items()
        }

    def keys(value):
        if isinstance(value, list):
            return keys(value[0]) if value and isinstance(value[0], dict) else None
        if isinstance(value, dict):
            return {name: keys(item) for name, item in value.items()}
        return None

    body = performance(advisor, ledger_account).json()

    assert keys(body) == shape(PerformanceOutputSerializer())


def _valued_account(household, sessions: list[dt.date], flow_every: int):
    account = AccountFactory(client=ClientFactory(household=household))
    AccountValue.objects.bulk_create(
        AccountValue(
            account=account,
            date=day,
            cash=Decimal(1000 + i),
            market_value=Decimal(0),
            total_value=Decimal(1000 + i),
            cost_basis=Decimal(0),
            net_external_flow=Decimal(1) if i and i % flow_every == 0 else Decimal(0),
        )
        for i, day in enumerate(sessions)
    )
    return account


def test_query_count_does_not_grow_with_history(advisor, household):
    """Ten sessions or two years of sessions, account or household: the same few queries."""
    short = _valued_account(household, sessions_in_range(dt.date(2022, 1, 3), dt.date(2022, 1, 14)), 3)
    long = _valued_account(household, sessions_in_range(dt.date(2020, 1, 2), dt.date(2021, 12, 31)), 3)
    api = api_as(advisor)

    counts = []
    for account in (short, long):
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"/api/v1/accounts/{account.pk}/performance/").status_code == 200
        counts.append(len(queries))
    with CaptureQueriesContext(connection) as household_queries:
        assert api.get(f"/api/v1/households/{household.pk}/performance/").status_code == 200

    assert counts[0] == counts[1]
    assert counts[0] <= 6  # including the one query for the S&P 500 closes of the comparison
    assert len(household_queries) <= 7

"""The materialised daily value history: rebuilt from the ledger and closes, read by charts and the API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from portfolios.models import AccountValue
from portfolios.selectors.values import range_start, value_series
from portfolios.services import refresh_account_values
from portfolios.tasks import refresh_account_values as refresh_task
from portfolios.tests.valuation_support import SESSIONS, account_of, instrument_with_closes, record

pytestmark = pytest.mark.django_db

D0, D1, D2, D3, D4 = SESSIONS[:5]


def _values(account) -> dict[dt.date, tuple]:
    rows = AccountValue.objects.filter(account=account).order_by("date")
    return {
        row.date: (row.cash, row.market_value, row.total_value, row.cost_basis, row.net_external_flow) for row in rows
    }


@pytest.fixture
def aaa():
    # No bar on D2: the D1 close carries forward.
    return instrument_with_closes("AAA", {D0: "100", D1: "110", D3: "120.5"})


def test_rebuilds_one_row_per_session_from_the_first_transaction_to_the_last_close(advisor, aaa):
    """Deposit then buy on D0: rows D0..D3 with cash, value (last close carried over D2), cost and flows."""
    account = account_of(advisor)
    record(account, "deposit", D0, amount="10000")
    record(account, "buy", D0, instrument=aaa, quantity="10", price="100", fees="1")

    written = refresh_account_values(account=account)

    cash = Decimal("8999.00")
    assert written == 4
    assert _values(account) == {
        D0: (cash, Decimal("1000.00"), Decimal("9999.00"), Decimal("1001.00"), Decimal("10000.00")),
        D1: (cash, Decimal("1100.00"), Decimal("10099.00"), Decimal("1001.00"), Decimal("0.00")),
        D2: (cash, Decimal("1100.00"), Decimal("10099.00"), Decimal("1001.00"), Decimal("0.00")),
        D3: (cash, Decimal("1205.00"), Decimal("10204.00"), Decimal("1001.00"), Decimal("0.00")),
    }


def test_sells_reduce_quantity_and_cost_and_withdrawals_are_negative_flows(advisor, aaa):
    """Selling 4 of 10 on D1 (FIFO) and withdrawing 500 on D3 show in quantity, cost and flows."""
    account = account_of(advisor)
    record(account, "deposit", D0, amount="2000")
    record(account, "buy", D0, instrument=aaa, quantity="10", price="100")
    record(account, "sell", D1, instrument=aaa, quantity="4", price="110")
    record(account, "withdrawal", D3, amount="500")

    refresh_account_values(account=account)

    values = _values(account)
    assert values[D1][:4] == (Decimal("1440.00"), Decimal("660.00"), Decimal("2100.00"), Decimal("600.00"))
    assert values[D3] == (
        Decimal("940.00"),
        Decimal("723.00"),
        Decimal("1663.00"),
        Decimal("600.00"),
        Decimal("-500.00"),
    )


def test_a_split_multiplies_the_quantity_from_its_day(advisor):
    """A 2-for-1 split on D1 doubles the shares while the as-traded close halves: value is continuous."""
    xyz = instrument_with_closes("XYZ", {D0: "200", D1: "100", D2: "101"})
    account = account_of(advisor)
    record(account, "deposit", D0, amount="2000")
    record(account, "buy", D0, instrument=xyz, quantity="10", price="200")
    record(account, "split", D1, instrument=xyz, split_numerator=2, split_denominator=1)

    refresh_account_values(account=account)

    assert [row[1] for row in _values(account).values()] == [Decimal("2000.00"), Decimal("2000.00"), Decimal("2020.00")]


def test_securities_transferred_in_and_out_are_flows_at_market_value(advisor, aaa):
    """Transfer in 5 on D1 (close 110) is +550 of flow; transfer out 2 on D2 (close carried 110) is -220."""
    account = account_of(advisor)
    record(account, "deposit", D0, amount="100")
    record(account, "transfer_in", D1, instrument=aaa, quantity="5", cost_basis="400", acquired_on=dt.date(2020, 6, 1))
    record(account, "transfer_out", D2, instrument=aaa, quantity="2")

    refresh_account_values(account=account)

    values = _values(account)
    assert values[D1][1:] == (Decimal("550.00"), Decimal("650.00"), Decimal("400.00"), Decimal("550.00"))
    assert values[D2][1:] == (Decimal("330.00"), Decimal("430.00"), Decimal("240.00"), Decimal("-220.00"))


def test_refresh_since_keeps_earlier_rows_and_rebuilds_later_ones(advisor, aaa):
    """A refresh from D2 replaces rows from D2 on and leaves D0-D1 untouched (even if they were stale)."""
    account = account_of(advisor)
    record(account, "deposit", D0, amount="1000")
    refresh_account_values(account=account)
    AccountValue.objects.filter(account=account, date=D0).update(cash=Decimal("1.00"))
    AccountValue.objects.filter(account=account, date=D3).update(cash=Decimal("1.00"))

    refresh_account_values(account=account, since=D2)

    values = _values(account)
    assert values[D0][0] == Decimal("1.00")
    assert values[D3][0] == Decimal("1000.00")
    assert len(values) == 4


def test_refreshing_twice_gives_the_same_rows(advisor, aaa):
    """Idempotent: a second full refresh writes the same history."""
    account = account_of(advisor)
    record(account, "deposit", D0, amount="1000")
    record(account, "buy", D1, instrument=aaa, quantity="3", price="110")
    refresh_account_values(account=account)
    first = _values(account)

    refresh_account_values(account=account)

    assert _values(account) == first


def test_account_without_transactions_has_no_history(advisor, aaa):
    """No ledger, no rows: the refresh writes nothing and removes nothing it should not."""
    account = account_of(advisor)

    assert refresh_account_values(account=account) == 0
    assert not AccountValue.objects.filter(account=account).exists()


def test_recording_a_transaction_refreshes_history_after_commit(advisor, aaa, django_capture_on_commit_callbacks):
    """The ledger enqueues the task on commit; run eagerly, the history then includes the deposit."""
    account = account_of(advisor)

    with django_capture_on_commit_callbacks(execute=True):
        record(account, "deposit", D0, amount="250")

    assert _values(account)[D3][0] == Decimal("250.00")


def test_task_ignores_a_missing_account_and_rebuilds_an_existing_one(advisor, aaa):
    """The task re-fetches by id: an unknown id is a quiet no-op; a real one is rebuilt from ``since``."""
    account = account_of(advisor)
    record(account, "deposit", D0, amount="10")

    assert refresh_task(999_999, None) == 0
    assert refresh_task(account.pk, D1.isoformat()) == 3
    assert sorted(_values(account)) == [D1, D2, D3]


def test_range_start_counts_back_from_the_last_valued_day():
    """Ranges end on the last valued day; month arithmetic clamps to the month's last day."""
    last = dt.date(2022, 3, 31)

    assert range_start("1M", last) == dt.date(2022, 2, 28)
    assert range_start("YTD", last) == dt.date(2022, 1, 1)
    assert range_start("10Y", last) == dt.date(2012, 3, 31)
    assert range_start("MAX", last) is None


def test_value_series_returns_the_points_of_the_range(advisor):
    """``1M`` returns only the last month's points; an unknown range falls back to the default."""
    closes = {day: "10" for day in SESSIONS}
    instrument = instrument_with_closes("RNG", closes)
    account = account_of(advisor)
    record(account, "deposit", SESSIONS[0], amount="100")
    record(account, "buy", SESSIONS[0], instrument=instrument, quantity="1", price="10")
    refresh_account_values(account=account)

    month = value_series(account, "1M")
    fallback = value_series(account, "bogus")

    assert month.points[0][0] >= dt.date(2022, 2, 28) and month.points[-1][0] == SESSIONS[-1]
    assert month.last == 100.0
    assert fallback.range_key == "1Y" and len(fallback.points) == len(SESSIONS)


def test_values_api_filters_by_date_range(advisor, aaa):
    """/api/v1/accounts/{pk}/values/?start=&end= returns just those sessions; start after end is a 400."""
    account = account_of(advisor)
    record(account, "deposit", D0, amount="1000")
    refresh_account_values(account=account)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(advisor).access_token}")
    url = reverse("api:account-values", args=[account.pk])

    body = api.get(url, {"start": D1.isoformat(), "end": D2.isoformat()}).json()
    refused = api.get(url, {"start": D2.isoformat(), "end": D1.isoformat()})

    assert [row["date"] for row in body["results"]] == [D1.isoformat(), D2.isoformat()]
    assert body["results"][0]["total_value"] == "1000.00"
    assert refused.status_code == 400

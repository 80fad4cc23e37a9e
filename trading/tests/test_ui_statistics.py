"""Order statistics: fill rate, slippage against the arrival price, latency percentiles and rejection
reasons by account, advisor and day — figures checked by hand, constant query count, page and API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import AdvisorFactory
from trading.models import Order
from trading.statistics import order_statistics
from trading.tests.factories import funded_account
from trading.tests.scoping import order_in_book

pytestmark = pytest.mark.django_db
D = Decimal
DAY1 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
DAY2 = dt.datetime(2026, 3, 3, 15, 0, tzinfo=dt.UTC)


def set_(order, **fields):
    Order.objects.filter(pk=order.pk).update(**fields)


@pytest.fixture
def book(advisor, firm):
    """Advisor A: a buy filled at 101 vs arrival 100 (+100 bps), a sell filled at 49.5 vs 50 (+100 bps),
    a canceled and a rejected order on day 1; advisor B: one buy filled at 20 vs 20 (0 bps) on day 2."""
    other = AdvisorFactory(firm=firm, first_name="Bea", last_name="Zed")
    first, second = funded_account(advisor=advisor, name="Alpha"), funded_account(advisor=other, name="Beta")
    buy = order_in_book(advisor, account=first)
    set_(
        buy,
        status="filled",
        filled_qty=D("5"),
        filled_avg_price=D("101"),
        arrival_price=D("100"),
        created_at=DAY1,
        accepted_at=DAY1 + dt.timedelta(milliseconds=40),
        filled_at=DAY1 + dt.timedelta(seconds=2),
    )
    sell = order_in_book(advisor, account=first, side="sell")
    set_(
        sell,
        status="filled",
        filled_qty=D("5"),
        filled_avg_price=D("49.5"),
        arrival_price=D("50"),
        created_at=DAY1,
        accepted_at=DAY1 + dt.timedelta(milliseconds=60),
        filled_at=DAY1 + dt.timedelta(seconds=4),
    )
    set_(order_in_book(advisor, account=first), status="canceled", created_at=DAY1)
    set_(
        order_in_book(advisor, account=first),
        status="rejected",
        created_at=DAY1,
        reject_reason="insufficient qty",
        last_error_code="broker_rejected",
    )
    theirs = order_in_book(other, account=second)
    set_(
        theirs,
        status="filled",
        filled_qty=D("5"),
        filled_avg_price=D("20"),
        arrival_price=D("20"),
        created_at=DAY2,
        accepted_at=DAY2 + dt.timedelta(milliseconds=100),
        filled_at=DAY2 + dt.timedelta(seconds=1),
    )
    return {"accounts": (first, second), "other": other}


def test_figures_overall_and_by_account_advisor_and_day(operator, book):
    stats = order_statistics(operator, date_from=DAY1.date(), date_to=DAY2.date())

    total = stats.total
    assert (total.orders, total.finished, total.filled, total.rejected) == (5, 5, 3, 1)
    assert total.fill_rate == 60.0
    assert total.slippage_bps == pytest.approx(200 / 3, abs=0.01)  # (100 + 100 + 0) / 3
    assert total.accept_p50_ms == 60.0  # of 40, 60, 100
    assert total.fill_p50_ms == 2000.0 and total.fill_p95_ms == pytest.approx(3800.0)
    assert total.filled_notional == D("852.50")  # 505 + 247.50 + 100
    alpha, beta = stats.by_account
    assert (alpha.label, alpha.orders, alpha.fill_rate, alpha.slippage_bps) == ("Alpha", 4, 50.0, 100.0)
    assert (beta.label, beta.fill_rate, beta.slippage_bps) == ("Beta", 100.0, 0.0)
    assert [row.label for row in stats.by_advisor][-1] == "Bea Zed"
    assert [(row.key, row.orders) for row in stats.by_day] == [(DAY1.date(), 4), (DAY2.date(), 1)]
    assert stats.rejection_reasons == [{"reason": "insufficient qty", "code": "broker_rejected", "count": 1}]


def test_scoped_to_the_users_book_and_to_the_period(advisor, book):
    mine = order_statistics(advisor, date_from=DAY1.date(), date_to=DAY2.date())
    day2 = order_statistics(AdvisorFactory(firm=advisor.firm), date_from=DAY2.date(), date_to=DAY2.date())

    assert mine.total.orders == 4 and [row.label for row in mine.by_account] == ["Alpha"]
    assert day2.total.orders == 0 and day2.by_day == [] and day2.total.fill_rate is None


def test_query_count_does_not_grow_with_orders(operator, book):
    with CaptureQueriesContext(connection) as few:
        order_statistics(operator)
    account = book["accounts"][0]
    for _ in range(15):
        order_in_book(account.client.household.advisor, account=account)
    with CaptureQueriesContext(connection) as many:
        order_statistics(operator)

    assert len(many.captured_queries) == len(few.captured_queries) == 5


def test_page_shows_figures_and_charts(client, operator, book):
    from valuepartner.testing.otp import login_verified

    login_verified(client, operator)
    response = client.get(reverse("trading:statistics"), {"date_from": "2026-03-01", "date_to": "2026-03-04"})
    html = response.content.decode()

    assert response.status_code == 200
    assert 'id="fill-rate">60.0 %<' in html and 'id="slippage">66.67 bps<' in html
    assert html.count("<svg") >= 4 and 'id="by-advisor"' in html and "insufficient qty" in html
    bad = client.get(reverse("trading:statistics"), {"date_from": "2026-03-04", "date_to": "2026-03-01"})
    assert bad.status_code == 400 and "The end is before the start." in bad.content.decode()


def test_api_returns_the_same_figures(operator, book, client_user):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(operator)}")
    url = reverse("api:order-statistics")

    data = api.get(url, {"date_from": "2026-03-01", "date_to": "2026-03-04"}).json()
    bad = api.get(url, {"date_from": "nope"})
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(client_user)}")

    assert data["total"]["fill_rate"] == 60.0 and data["total"]["orders"] == 5
    assert [row["key"] for row in data["by_day"]] == ["2026-03-02", "2026-03-03"]
    assert data["rejection_reasons"][0]["count"] == 1
    assert bad.status_code == 400 and "date_from" in bad.json()["error"]["fields"]
    assert api.get(url).status_code == 403


def test_default_period_is_the_last_90_days(operator, book):
    recent = Order.objects.first()
    set_(recent, created_at=timezone.now())
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(operator)}")

    data = api.get(reverse("api:order-statistics")).json()

    assert data["total"]["orders"] == 1
    assert data["date_to"] == timezone.localdate().isoformat()

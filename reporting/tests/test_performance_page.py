"""The account performance page: measures per period, working, charts, risk, errors, scope, queries."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketdata.calendar import sessions_in_range
from marketdata.models import DailyBar
from marketdata.tests.factories import InstrumentFactory
from portfolios.choices import TransactionKind
from portfolios.models import AccountValue, Transaction
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory
from reporting.performance_page import daily_twr
from reporting.selectors import account_performance

pytestmark = pytest.mark.django_db

SESSIONS = sessions_in_range(dt.date(2021, 1, 4), dt.date(2022, 6, 30))


def _account(advisor, *, flows_every: int = 0):
    """An account valued on every session of 2021-01-04..2022-06-30, growing 0.05 % a day, with a
    deposit of 1,000 every ``flows_every`` sessions and one Saturday deposit counted on Monday."""
    account = AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=advisor)))
    rows, value = [], 100_000.0
    for i, day in enumerate(SESSIONS):
        flow = 0.0
        if i == 0:
            flow = value
        else:
            value *= 1.0005 if i % 7 else 0.997
            if flows_every and i % flows_every == 0:
                flow = 1000.0
                value += flow
        rows.append(
            AccountValue(
                account=account,
                date=day,
                cash=Decimal(f"{value:.2f}"),
                market_value=Decimal("0"),
                total_value=Decimal(f"{value:.2f}"),
                cost_basis=Decimal("0"),
                net_external_flow=Decimal(f"{flow:.2f}"),
            )
        )
    AccountValue.objects.bulk_create(rows)
    monday = next(day for day in SESSIONS[1:] if day.weekday() == 0 and day.month == 3 and day.year == 2022)
    Transaction.objects.create(
        account=account, kind=TransactionKind.DEPOSIT, trade_date=monday - dt.timedelta(days=2), amount=Decimal("1")
    )
    return account


def _spx(days):
    spx = InstrumentFactory(symbol="SPX")
    DailyBar.objects.bulk_create(
        DailyBar(instrument=spx, date=day, close=Decimal(f"{3000 + i:.2f}"), adj_close=Decimal(f"{3000 + i:.2f}"))
        for i, day in enumerate(days)
    )


def page(client, account, **query):
    return client.get(reverse("reporting:account-performance", args=[account.pk]), query)


@pytest.fixture
def signed_in(client, advisor):
    client.force_login(advisor)
    return client


def test_since_inception_shows_every_measure_the_working_and_charts(signed_in, advisor):
    """ITD: the TWR of the selector is on the page, with the sub-periods table, the SVG charts, the
    heat map for each month and the risk panel against SPX."""
    account = _account(advisor, flows_every=50)
    _spx(SESSIONS)
    report = account_performance(account)

    response = page(signed_in, account)

    assert response.status_code == 200
    text = response.content.decode()
    assert f"{report.performance.twr * 100:+.2f} %" in text
    assert text.count('<svg class="chart chart-line"') == 4
    assert "S&amp;P 500 (SPX)" in text and 'id="no-benchmark"' not in text
    assert len(response.context["performance"]["working"]["sub_periods"]) == len(report.performance.working.sub_periods)
    assert len(report.performance.working.sub_periods) > 5
    assert [row["year"] for row in response.context["performance"]["monthly_rows"]] == [2022, 2021]
    risk = {row["label"]: row["value"] for row in response.context["performance"]["risk"]}
    assert risk["Beta vs S&P 500 (SPX)"] != "—"
    assert "Value at risk 95 % (one day, historical)" in risk
    assert 'id="moved-flows"' in text


def test_daily_returns_chain_to_the_reported_twr(advisor):
    """The daily series behind the charts and risk panel chains exactly to the report's TWR, net and gross."""
    account = _account(advisor, flows_every=30)
    for net in (True, False):
        report = account_performance(account, period="1Y", net=net)
        series = daily_twr(report)
        assert series.returns.size == report.performance.sessions
        assert float((1 + series.returns).prod() - 1) == pytest.approx(report.performance.twr, abs=1e-12)


@pytest.mark.parametrize("period", ["MTD", "QTD", "YTD", "1Y", "ITD"])
def test_each_standard_period_reports_its_own_dates(signed_in, advisor, period):
    """Each period link measures from its own base session to the last value (2022-06-30)."""
    account = _account(advisor)
    expected = account_performance(account, period=period).performance

    response = page(signed_in, account, period=period)

    summary = response.context["performance"]["summary"]
    assert summary["base_date"] == expected.base_date.isoformat()
    assert summary["end_date"] == "2022-06-30"
    assert f'data-period="{period}" aria-current="true"' in response.content.decode()


def test_period_before_inception_is_a_field_error(signed_in, advisor):
    """5Y on an 18-month history is refused on the form with the reason, not a 500 or a short period."""
    account = _account(advisor)

    response = page(signed_in, account, period="5Y")

    assert response.status_code == 200
    assert response.context["performance"] is None
    assert "period" in response.context["form"].errors


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"period": "custom"}, "start"),
        ({"period": "custom", "start": "2022-05-01", "end": "2022-04-01"}, "start"),
        ({"period": "custom", "start": "2020-01-01"}, "start"),
        ({"period": "custom", "start": "not-a-date"}, "start"),
        ({"period": "nope"}, "period"),
    ],
)
def test_custom_range_errors_name_the_field(signed_in, advisor, query, field):
    """A missing, reversed, pre-inception or malformed custom range shows an error on its field."""
    account = _account(advisor)

    response = page(signed_in, account, **query)

    assert response.context["performance"] is None
    assert field in response.context["form"].errors
    assert "field-error" in response.content.decode()


def test_custom_range_and_gross_of_fees(signed_in, advisor):
    """A valid custom range is measured from the session before its start, gross of fees when asked."""
    account = _account(advisor)

    response = page(signed_in, account, period="custom", start="2021-03-01", end="2021-09-30", net="false")

    summary = response.context["performance"]["summary"]
    assert (summary["base_date"], summary["end_date"]) == ("2021-02-26", "2021-09-30")
    assert "gross of fees" in response.content.decode()


def test_without_spx_the_account_is_shown_alone(signed_in, advisor):
    """No SPX closes: the growth chart has the account only, a note says so, no beta row."""
    account = _account(advisor)

    response = page(signed_in, account)

    text = response.content.decode()
    assert 'id="no-benchmark"' in text
    assert not any(row["label"].startswith("Beta") for row in response.context["performance"]["risk"])


def test_another_advisors_account_is_404(signed_in, other_advisor):
    """An account outside the advisor's book does not exist for them."""
    account = _account(other_advisor)

    assert page(signed_in, account).status_code == 404


def test_account_page_links_to_performance(signed_in, advisor):
    """The account page's actions link to its performance page."""
    account = _account(advisor)

    response = signed_in.get(reverse("portfolios:account-detail", args=[account.pk]))

    assert reverse("reporting:account-performance", args=[account.pk]) in response.content.decode()


def test_query_count_does_not_grow_with_history_or_flows(signed_in, advisor):
    """Ten flows or a hundred, one SPX close or many: the page costs the same number of queries."""
    small = _account(advisor)
    large = _account(advisor, flows_every=3)
    _spx(SESSIONS)
    page(signed_in, small)  # warm the session and calendar

    with CaptureQueriesContext(connection) as few:
        page(signed_in, small)
    with CaptureQueriesContext(connection) as many:
        page(signed_in, large, period="custom", start="2021-02-01")

    assert len(few) == len(many)
    assert len(few) <= 8


def test_rolling_volatility_and_sharpe_are_the_metric_modules_over_each_window(advisor):
    """The last point of each rolling chart is reporting.metrics over the last 63 daily returns."""
    from reporting import metrics
    from reporting.performance_page import ROLLING_WINDOW, DailySeries, _rolling

    account = _account(advisor, flows_every=30)
    series = daily_twr(account_performance(account))

    volatility, sharpe = _rolling(DailySeries(series.dates.astype(dt.date), series.returns))

    last = series.returns[-ROLLING_WINDOW:]
    assert len(volatility) == len(sharpe) == series.returns.size - ROLLING_WINDOW + 1
    assert volatility[-1] == (SESSIONS[-1], pytest.approx(metrics.annual_volatility(last), abs=1e-12))
    assert sharpe[-1] == (SESSIONS[-1], pytest.approx(metrics.sharpe(last), abs=1e-12))
    first = series.returns[:ROLLING_WINDOW]
    assert sharpe[0] == (SESSIONS[ROLLING_WINDOW], pytest.approx(metrics.sharpe(first), abs=1e-12))


def test_constant_windows_have_no_sharpe_point():
    """Identical returns have no Sharpe ratio: those windows are left out of the chart, not drawn at inf."""
    from reporting.performance_page import ROLLING_WINDOW, DailySeries, _rolling

    days = np.array(SESSIONS[: ROLLING_WINDOW + 11], dtype="datetime64[D]")
    returns = np.r_[np.full(ROLLING_WINDOW, 0.001), np.linspace(-0.01, 0.01, 10)]

    volatility, sharpe = _rolling(DailySeries(days, returns))

    assert len(volatility) == 11 and volatility[0][1] == pytest.approx(0.0, abs=1e-12)
    assert len(sharpe) == 10  # the all-constant first window is skipped


def test_page_shows_the_index_return_excess_and_period_table(signed_in, advisor):
    """The measures include the S&P 500 over the same days and the excess; the table lists every period."""
    account = _account(advisor)
    _spx(SESSIONS)

    response = page(signed_in, account, period="YTD")

    text = response.content.decode()
    labels = [m["label"] for m in response.context["performance"]["measures"]]
    assert "S&P 500 (SPX) price return" in labels and "Excess return (TWR - S&P 500)" in labels
    rows = response.context["performance"]["by_period"]
    assert [row["key"] for row in rows] == ["MTD", "QTD", "YTD", "1Y", "3Y", "5Y", "ITD"]
    assert [row["key"] for row in rows if row["current"]] == ["YTD"]
    assert 'id="period-table"' in text and 'id="sharpe"' in text
    assert next(row for row in rows if row["key"] == "5Y")["base"] == ""  # before inception, says why

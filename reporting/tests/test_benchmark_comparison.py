"""The account against the S&P 500: period return, excess, the table of standard periods, gaps."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from marketdata.calendar import sessions_in_range
from marketdata.models import DailyBar
from marketdata.tests.factories import InstrumentFactory
from portfolios.models import AccountValue
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory
from reporting.benchmark import Benchmark, annualize, compare
from reporting.history import ValueHistory
from reporting.selectors import account_performance
from reporting.selectors_benchmark import benchmark_comparison

SESSIONS = sessions_in_range(dt.date(2020, 1, 2), dt.date(2022, 6, 30))


def _history(days, growth=1.0004, flow_every=40):
    values, flows, value = [], [], 10_000.0
    for i in range(len(days)):
        flow = 0.0
        if i:
            value *= growth if i % 5 else 0.996
            if i % flow_every == 0:
                flow = 500.0
                value += flow
        values.append(round(value, 2))
        flows.append(flow)
    return values, flows


def _account(advisor, days=SESSIONS):
    account = AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=advisor)))
    values, flows = _history(days)
    AccountValue.objects.bulk_create(
        AccountValue(
            account=account,
            date=day,
            cash=Decimal(f"{value:.2f}"),
            market_value=Decimal("0"),
            total_value=Decimal(f"{value:.2f}"),
            cost_basis=Decimal("0"),
            net_external_flow=Decimal(f"{flow:.2f}"),
        )
        for day, value, flow in zip(days, values, flows, strict=True)
    )
    return account


def _spx(days, start=3000.0):
    spx = InstrumentFactory(symbol="SPX")
    closes = {day: start * (1.0003**i) * (1.01 if i % 11 == 0 else 1.0) for i, day in enumerate(days)}
    DailyBar.objects.bulk_create(
        DailyBar(instrument=spx, date=day, close=Decimal(f"{close:.2f}"), adj_close=Decimal(f"{close:.2f}"))
        for day, close in closes.items()
    )
    return {day: float(Decimal(f"{close:.2f}")) for day, close in closes.items()}


def test_pure_comparison_reads_closes_on_the_same_base_and_end():
    """TWR over the base..end slice, index return close(end)/close(base) - 1, excess the difference."""
    days = np.array(["2022-01-03", "2022-01-04", "2022-01-05", "2022-01-06"], dtype="datetime64[D]")
    history = ValueHistory(days, [100.0, 110.0, 160.0, 168.0], [0.0, 0.0, 50.0, 0.0], [0.0, 0.0, 0.0, 0.0])
    bench = Benchmark(days, np.array([10.0, 10.5, 10.0, 11.0]))

    row = compare(
        history, bench, key="custom", label="Custom", base=dt.date(2022, 1, 3), end=dt.date(2022, 1, 6), gross=False
    )

    assert row.twr == pytest.approx(1.10 * 1.0 * 1.05 - 1)
    assert row.benchmark_return == pytest.approx(0.10)
    assert row.excess_return == pytest.approx(row.twr - 0.10)
    assert row.twr_annualized is None and row.benchmark_annualized is None  # under a year


def test_a_stale_or_missing_close_gives_no_benchmark_return_with_the_reason():
    """A close more than a week before the base (or none at all) is not used: None and why."""
    days = np.array(["2022-01-03", "2022-01-04", "2022-03-01"], dtype="datetime64[D]")
    history = ValueHistory(days, [100.0, 101.0, 102.0], [0.0] * 3, [0.0] * 3)
    stale = Benchmark(np.array(["2021-12-01", "2022-03-01"], dtype="datetime64[D]"), np.array([1.0, 2.0]))

    row = compare(history, stale, key="ITD", label="x", base=dt.date(2022, 1, 3), end=dt.date(2022, 3, 1), gross=False)
    empty = compare(
        history, Benchmark.empty(), key="ITD", label="x", base=dt.date(2022, 1, 3), end=dt.date(2022, 3, 1), gross=False
    )

    assert row.twr == pytest.approx(0.02)
    assert row.benchmark_return is None and row.excess_return is None
    assert "2022-01-03" in row.reason
    assert empty.benchmark_return is None and empty.reason


def test_annualize_only_from_a_year():
    assert annualize(0.21, 730) == pytest.approx(1.21 ** (365 / 730) - 1)
    assert annualize(0.1, 364) is None
    assert annualize(None, 800) is None


@pytest.mark.django_db
def test_every_standard_period_matches_its_own_report_and_the_index(advisor):
    """Each row of the table has the TWR its own period's report gives, and the index from the same
    base close to the same end close; 5Y before inception says why instead of a number."""
    account = _account(advisor)
    closes = _spx(SESSIONS)

    report = account_performance(account, period="YTD")
    comparison = benchmark_comparison(report)

    rows = {row.key: row for row in comparison.by_period}
    assert list(rows) == ["MTD", "QTD", "YTD", "1Y", "3Y", "5Y", "ITD"]
    for key in ("MTD", "QTD", "YTD", "1Y", "ITD"):
        own = account_performance(account, period=key).performance
        assert rows[key].twr == pytest.approx(own.twr, abs=1e-12), key
        assert rows[key].base_date == own.base_date
        expected = closes[own.end_date] / closes[own.base_date] - 1
        assert rows[key].benchmark_return == pytest.approx(expected, abs=1e-12), key
        assert rows[key].excess_return == pytest.approx(own.twr - expected, abs=1e-12)
    assert rows["ITD"].twr_annualized == pytest.approx(account_performance(account).performance.twr_annualized)
    for key in ("3Y", "5Y"):
        assert rows[key].twr is None and "before the first value" in rows[key].reason
    assert comparison.period.twr == pytest.approx(report.performance.twr, abs=1e-12)
    assert comparison.period.benchmark_return == rows["YTD"].benchmark_return


@pytest.mark.django_db
def test_gross_of_fees_rows_match_the_gross_report(advisor):
    account = _account(advisor)
    _spx(SESSIONS)
    report = account_performance(account, period="1Y", net=False)

    rows = {row.key: row for row in benchmark_comparison(report).by_period}

    assert rows["1Y"].twr == pytest.approx(report.performance.twr, abs=1e-12)


def _api(user):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return api


@pytest.mark.django_db
def test_api_returns_the_benchmark_and_excess_for_the_period_and_each_standard_period(advisor):
    account = _account(advisor)
    closes = _spx(SESSIONS)

    body = _api(advisor).get(f"/api/v1/accounts/{account.pk}/performance/", {"period": "1Y"}).json()

    base, end = dt.date.fromisoformat(body["period"]["base_date"]), dt.date.fromisoformat(body["period"]["end"])
    expected = closes[end] / closes[base] - 1
    assert body["benchmark"]["symbol"] == "SPX"
    assert body["benchmark"]["return"] == pytest.approx(expected, abs=1e-12)
    assert body["benchmark"]["excess_return"] == pytest.approx(body["returns"]["twr"] - expected, abs=1e-12)
    assert body["benchmark"]["note"] == ""
    periods = {row["key"]: row for row in body["by_period"]}
    assert periods["1Y"]["twr"] == pytest.approx(body["returns"]["twr"], abs=1e-12)
    assert periods["5Y"]["twr"] is None and periods["5Y"]["note"]


@pytest.mark.django_db
def test_api_without_spx_has_null_benchmark_with_a_note(advisor):
    account = _account(advisor)

    body = _api(advisor).get(f"/api/v1/accounts/{account.pk}/performance/").json()

    assert body["benchmark"]["return"] is None and body["benchmark"]["excess_return"] is None
    assert "S&P 500" in body["benchmark"]["note"]
    assert all(row["benchmark_return"] is None for row in body["by_period"])

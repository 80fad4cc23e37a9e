"""The household performance page: the accounts summed by date, the same panels, scope and queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory
from reporting.selectors import household_performance

from .test_performance_page import SESSIONS, _account, _spx

pytestmark = pytest.mark.django_db


def page(client, household, **query):
    return client.get(reverse("reporting:household-performance", args=[household.pk]), query)


@pytest.fixture
def signed_in(client, advisor):
    client.force_login(advisor)
    return client


def _household(advisor, *, flows_every=0):
    """Two accounts of two clients in one household."""
    first = _account(advisor, flows_every=flows_every)
    household = first.client.household
    second = _account(advisor, flows_every=7)
    second.client.household = household
    second.client.save(update_fields=["household"])
    return household, first, second


def test_household_page_measures_the_summed_accounts_with_every_panel(signed_in, advisor):
    """The TWR on the page is the household report's; both accounts are listed and linked; the
    growth, drawdown, rolling volatility and Sharpe charts, heat map, risk panel and table are there."""
    household, first, second = _household(advisor, flows_every=50)
    _spx(SESSIONS)
    report = household_performance(household, user=advisor)

    response = page(signed_in, household)

    assert response.status_code == 200
    text = response.content.decode()
    assert f"{report.performance.twr * 100:+.2f} %" in text
    assert sorted(report.account_ids) == sorted([first.pk, second.pk])
    for account in (first, second):
        assert reverse("reporting:account-performance", args=[account.pk]) in text
    assert text.count('<svg class="chart chart-line"') == 4
    assert "Household (TWR)" in text
    for section in ('id="by-period"', 'id="risk"', 'id="monthly"', 'id="sub-periods"', 'id="custom-range"'):
        assert section in text
    risk = {row["label"]: row["value"] for row in response.context["performance"]["risk"]}
    assert risk["Beta vs S&P 500 (SPX)"] != "—"


def test_household_period_and_custom_range_errors(signed_in, advisor):
    """The same period selector and compact custom range: a reversed range is a field error."""
    household, *_ = _household(advisor)

    ytd = page(signed_in, household, period="YTD")
    reversed_range = page(signed_in, household, period="custom", start="2022-05-01", end="2022-04-01")

    assert ytd.context["performance"]["summary"]["base_date"] == "2021-12-31"
    assert reversed_range.context["performance"] is None
    assert "start" in reversed_range.context["form"].errors
    assert 'id="id_start_error"' in reversed_range.content.decode()


def test_household_without_values_says_so(signed_in, advisor):
    """A household whose accounts have no values yet shows the reason, not a 500."""
    household = HouseholdFactory(advisor=advisor)
    AccountFactory(client=ClientFactory(household=household))

    response = page(signed_in, household)

    assert response.status_code == 200
    assert response.context["performance"] is None
    assert "no value history" in response.context["problem"]


def test_another_advisors_household_is_404(signed_in, other_advisor):
    household, *_ = _household(other_advisor)

    assert page(signed_in, household).status_code == 404


def test_household_page_links_to_its_performance(signed_in, advisor):
    household, *_ = _household(advisor)

    response = signed_in.get(reverse("portfolios:household-detail", args=[household.pk]))

    assert reverse("reporting:household-performance", args=[household.pk]) in response.content.decode()


def test_household_query_count_does_not_grow_with_accounts_or_flows(signed_in, advisor):
    """Two accounts with few flows or three with many: the same number of queries."""
    small, *_ = _household(advisor)
    large, *_ = _household(advisor, flows_every=3)
    third = _account(advisor, flows_every=2)
    third.client.household = large
    third.client.save(update_fields=["household"])
    _spx(SESSIONS)
    page(signed_in, small)

    with CaptureQueriesContext(connection) as few:
        page(signed_in, small)
    with CaptureQueriesContext(connection) as many:
        page(signed_in, large, period="custom", start="2021-02-01", end=dt.date(2022, 5, 31).isoformat())

    assert len(few) == len(many)
    assert len(few) <= 10

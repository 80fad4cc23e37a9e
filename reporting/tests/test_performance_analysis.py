"""Factor exposures and attribution on the performance pages: the page's period, the one implementation,
clear messages when there is too little data or no model, scope."""

import datetime as dt

import pytest
from django.urls import reverse

from reporting.selectors import account_performance, household_performance
from reporting.selectors_attribution import account_attribution, factor_exposures_of_values

from .attribution_support import LAST, factor_instruments, invested_account

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def signed_in(client, advisor):
    client.force_login(advisor)
    return client


def analysis(client, name, pk, htmx=True, **query):
    return client.get(reverse(f"reporting:{name}-performance-analysis", args=[pk]), query, **(HTMX if htmx else {}))


def test_account_fragment_shows_exposures_and_attribution_over_the_period(signed_in, advisor):
    """The attribution is account_attribution from the day after the base close to the end; the
    betas are the OLS of the period's daily returns; both with their charts."""
    factor_instruments()
    account = invested_account(advisor)
    report = account_performance(account)
    expected = account_attribution(account, start=report.performance.base_date + dt.timedelta(days=1), end=LAST)

    response = analysis(signed_in, "account", account.pk)

    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" not in text  # a fragment for htmx
    attribution = response.context["attribution"]
    assert attribution["end"] == LAST.isoformat()
    assert attribution["active_return"] == f"{expected.linked.active_return * 100:+.2f} %"
    assert {row["sector"] for row in attribution["rows"]} == {row.sector for row in expected.linked.sectors}
    factors = response.context["factors"]
    assert factors["observations"] == report.performance.sessions
    assert [row["factor"] for row in factors["rows"]] == ["SPX", "MTUM", "QUAL", "SIZE", "USMV", "VLUE"]
    assert 'id="factor-table"' in text and 'id="attribution-table"' in text
    assert text.count('class="chart chart-bars"') == 2


def test_factor_betas_are_the_regression_of_the_report_returns(advisor):
    """The panel's betas equal the regression on the same values and flows the TWR uses."""
    from reporting.performance_analysis import factor_panel, period_values

    factor_instruments()
    account = invested_account(advisor)
    report = account_performance(account, period="custom", start=dt.date(2022, 2, 1))
    regression = factor_exposures_of_values(*period_values(report)).regression

    panel = factor_panel(report)

    assert panel["start"] == report.performance.base_date.isoformat()
    assert [row["beta"] for row in panel["rows"]] == [f"{e.beta:.2f}" for e in regression.exposures]


def test_without_a_model_attribution_says_what_is_missing(signed_in, advisor):
    factor_instruments()
    account = invested_account(advisor, model=False)

    response = analysis(signed_in, "account", account.pk)

    assert response.context["attribution"]["code"] == "no_benchmark"
    assert "model portfolio" in response.content.decode()
    assert "rows" in response.context["factors"]


def test_too_short_a_period_says_there_are_too_few_days(signed_in, advisor):
    """A month has fewer than the 60 days a regression needs: a message, not numbers."""
    factor_instruments()
    account = invested_account(advisor)

    response = analysis(signed_in, "account", account.pk, period="MTD")

    assert response.context["factors"]["code"] == "too_few_observations"
    assert "at least 60" in response.content.decode()


def test_without_factor_prices_the_reason_is_given(signed_in, advisor):
    account = invested_account(advisor)

    response = analysis(signed_in, "account", account.pk)

    assert response.context["factors"]["code"] == "no_factor_data"


def test_household_fragment_regresses_the_summed_history_and_sends_attribution_to_accounts(signed_in, advisor):
    factor_instruments()
    first = invested_account(advisor)
    household = first.client.household
    report = household_performance(household, user=advisor)

    response = analysis(signed_in, "household", household.pk)

    text = response.content.decode()
    assert response.context["factors"]["observations"] == report.performance.sessions
    assert 'id="attribution-per-account"' in text
    assert reverse("reporting:account-performance", args=[first.pk]) in text


def test_invalid_period_shows_no_figures(signed_in, advisor):
    account = invested_account(advisor)

    response = analysis(signed_in, "account", account.pk, period="custom", start="2030-01-01")

    assert response.status_code == 200
    assert 'id="analysis-unavailable"' in response.content.decode()


def test_opened_directly_it_is_a_full_page(signed_in, advisor):
    factor_instruments()
    account = invested_account(advisor)

    response = analysis(signed_in, "account", account.pk, htmx=False)

    assert "<html" in response.content.decode() and 'id="factor-table"' in response.content.decode()


def test_the_page_loads_the_panel_for_its_own_period(signed_in, advisor):
    account = invested_account(advisor)

    response = signed_in.get(reverse("reporting:account-performance", args=[account.pk]), {"period": "QTD"})

    url = reverse("reporting:account-performance-analysis", args=[account.pk])
    assert f'hx-get="{url}?period=QTD"' in response.content.decode()


def test_another_advisors_account_and_household_are_404(signed_in, other_advisor):
    account = invested_account(other_advisor)

    assert analysis(signed_in, "account", account.pk).status_code == 404
    assert analysis(signed_in, "household", account.client.household_id).status_code == 404

"""The report's figures are the selectors' and the metric module's, and the PDF carries them."""

import io

import pytest
from pypdf import PdfReader

from accounts.tests.factories import AdvisorFactory, ClientUserFactory
from portfolios.tests.factories import HouseholdFactory
from reporting import metrics
from reporting.performance_page import daily_twr, pct
from reporting.periods import PeriodKey
from reporting.reports.content import build_content
from reporting.reports.pdf import render_pdf
from reporting.reports.services import subject_for
from reporting.reports.subjects import account_subject, household_subject
from reporting.returns import ReturnsError
from reporting.selectors import account_performance, household_performance
from reporting.selectors_benchmark import benchmark_comparison

from .reports_support import invested_account, market, tiny_account

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_account_report_numbers_match_the_selectors_and_metrics(advisor):
    """Given an invested account, the report's TWR, returns table and risk figures are the ones the
    selectors and reporting.metrics give for the same period."""
    account = invested_account(advisor)

    content = build_content(account_subject(account, user=advisor), period=PeriodKey.YTD)

    expected = account_performance(account, period=PeriodKey.YTD)
    measures = dict((label, value) for label, value, _ in content.measures)
    assert measures["Time-weighted return (TWR)"] == pct(expected.performance.twr)
    assert content.base_date.isoformat() == "2021-12-31"
    rows = {row[0]: row for row in content.returns_table}
    itd = account_performance(account, period=PeriodKey.INCEPTION)
    assert rows["Since inception"][3] == pct(itd.performance.twr)
    assert rows["Year to date"][3] == pct(expected.performance.twr)
    assert rows["Five years"][1] == "—"  # before the first value: not measurable, said so
    compared = {row.key: row for row in benchmark_comparison(expected).by_period}
    assert rows["Year to date"][7] == pct(compared["YTD"].benchmark_return) != "—"
    assert rows["Year to date"][8] == pct(compared["YTD"].excess_return)
    risk = dict(content.risk)
    series = daily_twr(expected)
    assert risk["Maximum drawdown"] == pct(metrics.max_drawdown(series.returns))
    assert len(content.growth) == 2 and content.growth[1].label.startswith("S&P 500")
    assert content.growth[0].values[0] == 10_000.0
    assert [row[0] for row in content.holdings] == ["ZED", "Cash"]


def test_pdf_has_every_section_and_counts_its_pages(advisor):
    """The PDF opens, holds the cover figures, the chart titles, holdings and activity, and its page
    count is the one recorded."""
    account = invested_account(advisor, trades=120)
    content = build_content(account_subject(account, user=advisor))

    rendered = render_pdf(content)

    assert rendered.data.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(rendered.data)).pages) == rendered.pages >= 5
    text = _text(rendered.data)
    for expected in (
        "Growth — performance report",
        "Returns by period",
        "Growth of 10,000",
        "Drawdown",
        "Allocation",
        "Holdings",
        "Activity",
        "Notes and methodology",
        f"Page 1 of {rendered.pages}",
    ):
        assert expected in text
    assert content.measures[0][1] in text


def test_household_report_sums_its_accounts_and_lists_each(advisor):
    """A household report measures the accounts as one (household_performance) and has a row per account."""
    stock, closes = market()
    household = HouseholdFactory(advisor=advisor, name="Rivera")
    first = invested_account(advisor, household=household, stock=stock, closes=closes, name="Joint")
    invested_account(advisor, household=household, stock=stock, closes=closes, name="IRA")

    content = build_content(household_subject(household, user=advisor), period=PeriodKey.ONE_YEAR)

    expected = household_performance(household, user=advisor, period=PeriodKey.ONE_YEAR)
    assert dict((label, value) for label, value, _ in content.measures)["Time-weighted return (TWR)"] == pct(
        expected.performance.twr
    )
    assert [row[0] for row in content.accounts] == ["IRA", "Joint"]
    assert content.activity and len(content.activity[0]) == 8  # an account column for a household
    text = _text(render_pdf(content).data)
    assert "Accounts" in text and first.name in text


def test_account_without_values_is_a_coded_error(advisor):
    """No history: the selectors' ReturnsError no_history, not a broken PDF."""
    account = tiny_account(advisor)
    account.values.all().delete()

    with pytest.raises(ReturnsError) as raised:
        build_content(account_subject(account, user=advisor))

    assert raised.value.code == "no_history"


def test_a_client_cannot_address_a_household_subject(firm):
    """Household reports cover several clients' accounts: a client user gets not_found for one."""
    advisor = AdvisorFactory(firm=firm)
    account = tiny_account(advisor)
    client = ClientUserFactory(firm=firm)
    account.client.user = client
    account.client.save()

    assert subject_for("account", account.pk, user=client).account == account
    with pytest.raises(Exception) as raised:
        subject_for("household", account.client.household_id, user=client)
    assert getattr(raised.value, "code", "") == "not_found"

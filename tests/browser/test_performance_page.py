"""An advisor opens an account's performance page in a real Chromium, switches period and sees the charts."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from accounts.tests.factories import PASSWORD, AdvisorFactory
from marketdata.calendar import sessions_in_range
from portfolios.models import ModelTarget
from portfolios.services import refresh_account_values
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory, ModelPortfolioFactory
from portfolios.tests.valuation_support import instrument_with_closes, record
from reporting.selectors_attribution import STYLE_FACTORS
from valuepartner.testing.browser import screenshot, wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SESSIONS = sessions_in_range(dt.date(2021, 1, 4), dt.date(2022, 6, 30))


def _account(advisor):
    """50,000 in ZED against a model holding ZED at 90 % (10 % cash), with the factor ETFs priced."""
    closes = {day: f"{20 + (i % 60) / 4:.2f}" for i, day in enumerate(SESSIONS)}
    stock = instrument_with_closes("ZED", closes, sector="Technology")
    model = ModelPortfolioFactory(firm=advisor.firm, cash_weight=Decimal("0.1"))
    ModelTarget.objects.create(model=model, instrument=stock, weight=Decimal("0.9"))
    for seed, symbol in enumerate(STYLE_FACTORS, start=1):
        walk = np.cumprod(1 + np.random.default_rng(seed).normal(0.0003, 0.01, len(SESSIONS))) * 50
        instrument_with_closes(symbol, {day: f"{price:.2f}" for day, price in zip(SESSIONS, walk, strict=True)})
    account = AccountFactory(
        client=ClientFactory(household=HouseholdFactory(advisor=advisor)), name="Growth", model_portfolio=model
    )
    record(account, "deposit", SESSIONS[0], amount="50000")
    record(account, "buy", SESSIONS[0], instrument=stock, quantity="1000", price=closes[SESSIONS[0]])
    record(account, "deposit", SESSIONS[200], amount="5000")
    instrument_with_closes("SPX", {day: f"{3000 + i:.2f}" for i, day in enumerate(SESSIONS)})
    refresh_account_values(account=account)
    return account


def test_advisor_opens_performance_switches_period_and_sees_charts(browser, live_server):
    """From the account page the Performance link opens the page with SVG charts against SPX;
    choosing YTD measures from the last close of 2021."""
    advisor = AdvisorFactory(username="perf")
    account = _account(advisor)

    browser.get(live_server.url + reverse("accounts:login"))
    wait(browser).until(EC.presence_of_element_located((By.NAME, "username"))).send_keys("perf")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(browser).until(EC.url_to_be(live_server.url + reverse("dashboard")))

    browser.get(live_server.url + reverse("portfolios:account-detail", args=[account.pk]))
    wait(browser).until(EC.element_to_be_clickable((By.LINK_TEXT, "Performance"))).click()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#growth svg.chart-line")))
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart-line")) == 4
    assert len(browser.find_elements(By.CSS_SELECTOR, "#growth path.chart-series")) == 2
    assert browser.find_element(By.CSS_SELECTOR, "#growth svg").size["height"] > 100
    assert "2021-01-04" in browser.find_element(By.ID, "period-dates").text
    # Factor exposures and attribution against the model load after the page (htmx), with bar charts.
    wait(browser).until(EC.presence_of_element_located((By.ID, "attribution-table")))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#factor-table tbody tr")) == 6
    assert len(browser.find_elements(By.CSS_SELECTOR, "#analysis svg.chart-bars")) == 2
    sectors = [
        row.get_attribute("data-sector")
        for row in browser.find_elements(By.CSS_SELECTOR, "#attribution-table tbody tr")
    ]
    assert sorted(sectors) == ["Cash", "Technology"]
    screenshot(browser, "performance-1-inception")
    browser.execute_script("document.getElementById('analysis').scrollIntoView()")
    screenshot(browser, "performance-1b-analysis")

    browser.find_element(By.CSS_SELECTOR, "a[data-period='YTD']").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.ID, "period-dates"), "2021-12-31"))
    assert browser.find_element(By.CSS_SELECTOR, "a[data-period='YTD']").get_attribute("aria-current") == "true"
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart-line")) == 4
    cells = browser.find_elements(By.CSS_SELECTOR, "#monthly tr[data-year='2022'] td[class^='heat-']")
    assert len(cells) == 13  # twelve months and the year, each coloured by its value
    screenshot(browser, "performance-2-ytd")

"""An advisor opens a household's performance page from the household, sees the summed accounts against
the S&P 500, corrects a reversed custom range and follows a link to one account's performance."""

import datetime as dt

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from accounts.tests.factories import PASSWORD, AdvisorFactory
from marketdata.calendar import sessions_in_range
from portfolios.services import refresh_account_values
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory
from portfolios.tests.valuation_support import instrument_with_closes, record
from valuepartner.testing.browser import screenshot, wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SESSIONS = sessions_in_range(dt.date(2021, 1, 4), dt.date(2022, 6, 30))


def _household(advisor):
    household = HouseholdFactory(advisor=advisor, name="Rivera family")
    closes = {day: f"{20 + (i % 60) / 4:.2f}" for i, day in enumerate(SESSIONS)}
    stock = instrument_with_closes("ZED", closes)
    instrument_with_closes("SPX", {day: f"{3000 + i:.2f}" for i, day in enumerate(SESSIONS)})
    accounts = []
    for name, first, start in (("Joint", "Ana", 0), ("IRA", "Luis", 120)):
        account = AccountFactory(client=ClientFactory(household=household, first_name=first), name=name)
        record(account, "deposit", SESSIONS[start], amount="50000")
        record(account, "buy", SESSIONS[start], instrument=stock, quantity="1000", price=closes[SESSIONS[start]])
        refresh_account_values(account=account)
        accounts.append(account)
    return household, accounts


def test_advisor_opens_household_performance_and_follows_an_account(browser, live_server):
    advisor = AdvisorFactory(username="hperf")
    household, accounts = _household(advisor)

    browser.get(live_server.url + reverse("accounts:login"))
    wait(browser).until(EC.presence_of_element_located((By.NAME, "username"))).send_keys("hperf")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(browser).until(EC.url_to_be(live_server.url + reverse("dashboard")))

    browser.get(live_server.url + reverse("portfolios:household-detail", args=[household.pk]))
    wait(browser).until(EC.element_to_be_clickable((By.LINK_TEXT, "Performance"))).click()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#growth svg.chart-line")))
    assert "Household performance" in browser.find_element(By.TAG_NAME, "h1").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart-line")) == 4
    assert len(browser.find_elements(By.CSS_SELECTOR, "#growth path.chart-series")) == 2
    assert len(browser.find_elements(By.CSS_SELECTOR, "#sharpe path.chart-series")) == 1
    assert "2021-01-04" in browser.find_element(By.ID, "period-dates").text
    rows = browser.find_elements(By.CSS_SELECTOR, "#period-table tbody tr")
    assert [row.get_attribute("data-period") for row in rows] == ["MTD", "QTD", "YTD", "1Y", "3Y", "5Y", "ITD"]
    assert "%" in browser.find_element(By.CSS_SELECTOR, "#period-table tr[data-period='1Y'] td.num").text
    # Factor exposures and attribution load after the page (htmx): attribution is per account.
    wait(browser).until(EC.presence_of_element_located((By.ID, "attribution-per-account")))
    assert browser.find_element(By.CSS_SELECTOR, "#factor-exposures .notice").text  # no factor ETF prices here
    screenshot(browser, "household-performance-1-inception")

    # A reversed custom range is refused on its field, in the compact form.
    browser.find_element(By.ID, "id_start").send_keys("05/01/2022")
    browser.find_element(By.ID, "id_end").send_keys("04/01/2022")
    browser.find_element(By.CSS_SELECTOR, "#custom-range button[type=submit]").click()
    error = wait(browser).until(EC.presence_of_element_located((By.ID, "id_start_error")))
    assert "on or before the end" in error.text
    screenshot(browser, "household-performance-2-range-error")

    browser.find_element(By.ID, "id_end").clear()
    browser.find_element(By.ID, "id_end").send_keys("06/30/2022")
    browser.find_element(By.CSS_SELECTOR, "#custom-range button[type=submit]").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.ID, "period-dates"), "2022-04-29"))
    screenshot(browser, "household-performance-3-custom")

    browser.find_element(By.CSS_SELECTOR, f"a[data-account='{accounts[1].pk}']").click()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#growth svg.chart-line")))
    assert "IRA" in browser.find_element(By.CSS_SELECTOR, ".breadcrumbs").text

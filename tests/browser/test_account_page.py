"""An advisor opens an account page in a real Chromium: chart, holdings, range switch and sorting."""

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

SESSIONS = sessions_in_range(dt.date(2021, 1, 4), dt.date(2022, 12, 30))


def _account_with_holdings(advisor):
    account = AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=advisor)), name="Growth")
    record(account, "deposit", SESSIONS[0], amount="50000")
    for number, (symbol, start) in enumerate((("ZED", 10), ("ALFA", 50), ("MIDS", 30))):
        closes = {day: f"{start + (i % 40) * (number + 1) / 10:.2f}" for i, day in enumerate(SESSIONS)}
        instrument = instrument_with_closes(symbol, closes, sector=("Energy", "Technology", "Utilities")[number])
        record(
            account,
            "buy",
            SESSIONS[0],
            instrument=instrument,
            quantity=str(100 * (number + 1)),
            price=closes[SESSIONS[0]],
        )
    refresh_account_values(account=account)
    return account


def _symbols(browser) -> list[str]:
    return [
        row.get_attribute("data-symbol") for row in browser.find_elements(By.CSS_SELECTOR, "#holdings-table tbody tr")
    ]


def test_advisor_reads_the_account_page_switches_range_and_sorts(browser, live_server):
    """The page shows a value chart (an svg path) and the holdings; 1M narrows the chart; the Symbol
    header sorts the table A-Z."""
    advisor = AdvisorFactory(username="vera")
    account = _account_with_holdings(advisor)
    browser.get(live_server.url + reverse("accounts:login"))
    wait(browser).until(EC.presence_of_element_located((By.NAME, "username"))).send_keys("vera")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(browser).until(EC.url_to_be(live_server.url + reverse("dashboard")))

    browser.get(live_server.url + reverse("portfolios:account-detail", args=[account.pk]))
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#value-history svg path.chart-stroke")))
    screenshot(browser, "account-page-1-default")
    assert sorted(_symbols(browser)) == ["ALFA", "MIDS", "ZED"]
    full_label = browser.find_element(By.CSS_SELECTOR, "#value-history svg").get_attribute("aria-label")

    browser.find_element(By.CSS_SELECTOR, ".range-selector a[data-range='1M']").click()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "[data-chart-range='1M'] svg path")))
    month_label = browser.find_element(By.CSS_SELECTOR, "#value-history svg").get_attribute("aria-label")
    assert month_label != full_label and month_label.endswith("2022-12-30")
    screenshot(browser, "account-page-2-one-month")

    browser.find_element(By.CSS_SELECTOR, "a[data-sort-key='symbol']").click()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#holdings-table[data-sort='symbol']")))
    assert _symbols(browser) == ["ALFA", "MIDS", "ZED"]
    browser.find_element(By.CSS_SELECTOR, "a[data-sort-key='symbol']").click()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#holdings-table[data-sort='-symbol']")))
    assert _symbols(browser) == ["ZED", "MIDS", "ALFA"]
    # The range chosen before sorting is kept.
    assert browser.find_element(By.CSS_SELECTOR, "[data-chart-range]").get_attribute("data-chart-range") == "1M"
    screenshot(browser, "account-page-3-sorted")

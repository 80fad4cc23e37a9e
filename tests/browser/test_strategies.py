"""An advisor creates a strategy, runs a backtest, follows it to the result and sees the dashboard's charts."""

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from accounts.tests.factories import PASSWORD, AdvisorFactory
from strategies.models import BacktestRun
from strategies.tests.support import make_prices
from valuepartner.testing.browser import wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_strategy_run_backtest_and_see_dashboard(browser, live_server):
    make_prices()
    AdvisorFactory(username="quant")
    browser.get(live_server.url + reverse("accounts:login"))
    wait(browser).until(EC.presence_of_element_located((By.NAME, "username"))).send_keys("quant")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(browser).until(EC.url_to_be(live_server.url + reverse("dashboard")))

    browser.get(live_server.url + reverse("strategies:strategy-create"))
    form = wait(browser).until(EC.presence_of_element_located((By.ID, "strategy-form")))
    form.find_element(By.NAME, "name").send_keys("Browser momentum")
    form.find_element(By.NAME, "universe").send_keys("AAA BBB CCC DDD EEE FFF")
    top_n = form.find_element(By.NAME, "top_n")
    top_n.clear()
    top_n.send_keys("3")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    wait(browser).until(EC.element_to_be_clickable((By.LINK_TEXT, "Run a backtest"))).click()
    wait(browser).until(EC.presence_of_element_located((By.ID, "run-form"))).find_element(
        By.CSS_SELECTOR, "button[type=submit]"
    ).click()

    # The POST is handled on the live server's thread: wait for its redirect before reading the run.
    wait(browser).until(EC.url_matches(r"/strategies/runs/\d+/$"))
    run = BacktestRun.objects.get()
    assert browser.current_url == live_server.url + reverse("strategies:run-detail", args=[run.pk])
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "[data-chart=growth] svg")))
    browser.get(live_server.url + reverse("jobs:job-detail", args=[run.job_id]))
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "[data-job-status=succeeded]")))
    browser.find_element(By.CSS_SELECTOR, "[data-job-result]").click()
    wait(browser).until(EC.url_to_be(live_server.url + reverse("strategies:run-detail", args=[run.pk])))

    browser.get(live_server.url + reverse("strategies:strategy-detail", args=[run.strategy_id]))
    for chart in ("growth", "drawdown", "regimes"):
        wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, f"[data-chart={chart}] svg")))
    assert browser.find_element(By.CSS_SELECTOR, "[data-final-equity]").text.strip() not in ("", "—")

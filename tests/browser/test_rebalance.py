"""An advisor goes from an account's drift to an accepted rebalance proposal, in headless Chromium."""

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from accounts.tests.factories import PASSWORD, AdvisorFactory
from portfolios.models import ModelPortfolio, RebalanceProposal
from portfolios.tests.model_fixtures import account_for, buy, deposit, instrument, model_for
from valuepartner.testing.browser import screenshot, wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_advisor_reviews_drift_and_accepts_a_rebalance(browser, live_server):
    """Given an account far from its model, the drift page flags it, the proposal page computes
    trades that sell the overweight holding and buy the underweight one, and accepting it records
    the decision."""
    advisor = AdvisorFactory(username="rebalancer")
    heavy, light = instrument("HEVY", "100"), instrument("LITE", "50")
    model = model_for(advisor, {heavy: "0.5", light: "0.5"})
    account = account_for(advisor, model=model, name="Drifted account")
    deposit(account, "10000")
    buy(account, heavy, "90", "100")

    browser.get(live_server.url + reverse("accounts:login"))
    wait(browser).until(EC.presence_of_element_located((By.NAME, "username"))).send_keys("rebalancer")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(browser).until(EC.url_to_be(live_server.url + reverse("dashboard")))

    browser.get(live_server.url + reverse("portfolios:account-drift", args=[account.pk]))
    wait(browser).until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "HEVY"))
    screenshot(browser, "rebalance-1-drift")

    browser.get(live_server.url + reverse("portfolios:proposal-create", args=[account.pk]))
    submit = wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "main form button[type=submit]")))
    submit.click()
    accept = wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "button[name=decision][value=accept]")))
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "HEVY" in main and "LITE" in main
    screenshot(browser, "rebalance-2-proposal")

    accept.click()
    wait(browser).until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "ccepted"))
    screenshot(browser, "rebalance-3-accepted")
    assert RebalanceProposal.objects.get(account=account).status == "accepted"


def test_model_editor_adds_rows_for_more_targets(browser, live_server):
    """The editor starts with three target rows; "Add a target" gives a fourth that saves with the rest."""
    AdvisorFactory(username="modeller")
    for symbol in ("AAA", "BBB", "CCC", "DDD"):
        instrument(symbol, "10")

    browser.get(live_server.url + reverse("accounts:login"))
    wait(browser).until(EC.presence_of_element_located((By.NAME, "username"))).send_keys("modeller")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(browser).until(EC.url_to_be(live_server.url + reverse("dashboard")))

    browser.get(live_server.url + reverse("portfolios:model-create"))
    wait(browser).until(EC.presence_of_element_located((By.NAME, "name"))).send_keys("Four equal")
    cash = browser.find_element(By.NAME, "cash_weight")
    cash.clear()
    cash.send_keys("0")
    browser.find_element(By.CSS_SELECTOR, "[data-add-target]").click()
    for index, symbol in enumerate(("AAA", "BBB", "CCC", "DDD")):
        browser.find_element(By.NAME, f"targets-{index}-symbol").send_keys(symbol)
        browser.find_element(By.NAME, f"targets-{index}-weight").send_keys("25")
    screenshot(browser, "model-editor-four-rows")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()

    wait(browser).until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "DDD"))
    assert ModelPortfolio.objects.get(name="Four equal").targets.count() == 4

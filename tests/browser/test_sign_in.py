"""A person signs in, sees their dashboard, and signs out, in a real headless Chromium."""

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from accounts.tests.factories import PASSWORD, AdvisorFactory
from portfolios.tests.factories import ClientFactory, HouseholdFactory
from valuepartner.testing.browser import screenshot, wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(browser, live_server, username):
    browser.get(live_server.url + reverse("accounts:login"))
    wait(browser).until(EC.presence_of_element_located((By.NAME, "username"))).send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()


def test_advisor_signs_in_sees_dashboard_and_signs_out(browser, live_server):
    """Given an advisor with a household, signing in lands on a dashboard showing it; signing out
    returns to the sign-in page and the dashboard is no longer reachable."""
    advisor = AdvisorFactory(username="ada", first_name="Ada", last_name="Lovelace")
    household = HouseholdFactory(advisor=advisor, name="Babbage Family")
    ClientFactory(household=household, first_name="Charles", last_name="Babbage")
    screenshot_name = "sign-in"

    browser.get(live_server.url + reverse("accounts:login"))
    wait(browser).until(EC.presence_of_element_located((By.NAME, "username")))
    screenshot(browser, f"{screenshot_name}-1-login")
    _sign_in(browser, live_server, "ada")

    wait(browser).until(EC.url_to_be(live_server.url + reverse("dashboard")))
    wait(browser).until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "Babbage Family"))
    screenshot(browser, f"{screenshot_name}-2-dashboard")

    browser.find_element(By.CSS_SELECTOR, f"form[action='{reverse('accounts:logout')}'] button").click()
    wait(browser).until(EC.url_contains(reverse("accounts:login")))
    screenshot(browser, f"{screenshot_name}-3-signed-out")

    browser.get(live_server.url + reverse("dashboard"))
    wait(browser).until(EC.url_contains(reverse("accounts:login")))
    assert browser.find_element(By.NAME, "username").is_displayed()


def test_wrong_password_shows_a_clear_error(browser, live_server):
    """A wrong password keeps the person on the sign-in page with a message saying what went wrong."""
    AdvisorFactory(username="grace")
    browser.get(live_server.url + reverse("accounts:login"))
    wait(browser).until(EC.presence_of_element_located((By.NAME, "username"))).send_keys("grace")
    browser.find_element(By.NAME, "password").send_keys("not-the-password")
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "correct username and password"))
    screenshot(browser, "sign-in-wrong-password")


def test_dashboard_fits_a_375_pixel_phone(browser, live_server):
    """At 375 px wide the dashboard has no horizontal scroll and the navigation is still reachable."""
    advisor = AdvisorFactory(username="kath")
    HouseholdFactory(advisor=advisor, name="Johnson Household")
    browser.set_window_size(375, 812)
    _sign_in(browser, live_server, "kath")
    wait(browser).until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "Johnson Household"))
    screenshot(browser, "dashboard-375px")
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert browser.find_element(By.TAG_NAME, "nav").is_displayed()

"""An advisor produces a client's PDF report in a real Chromium, watches it finish and schedules more."""

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from accounts.tests.factories import PASSWORD, AdvisorFactory
from reporting.reports.models import Report, ReportSchedule
from reporting.tests.reports_support import invested_account
from valuepartner.testing.browser import screenshot, wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(browser, live_server, username):
    browser.get(live_server.url + reverse("accounts:login"))
    wait(browser).until(EC.presence_of_element_located((By.NAME, "username"))).send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(browser).until(EC.url_to_be(live_server.url + reverse("dashboard")))


def test_advisor_produces_a_report_sees_it_finish_and_schedules_quarterly(browser, live_server, settings, tmp_path):
    """Produce PDF -> the progress bar finishes with a download link -> the stored report is listed ->
    the schedule form saves quarterly reports."""
    settings.REPORTS_ROOT = tmp_path / "reports"
    advisor = AdvisorFactory(username="reporter")
    account = invested_account(advisor)
    _sign_in(browser, live_server, "reporter")

    browser.get(live_server.url + reverse("reports:account-reports", args=[account.pk]))
    Select(wait(browser).until(EC.presence_of_element_located((By.NAME, "period")))).select_by_value("YTD")
    browser.find_element(By.CSS_SELECTOR, "#generate-form button[type=submit]").click()
    wait(browser).until(
        EC.presence_of_element_located(
            (By.CSS_SELECTOR, "#report-job [data-job-status='succeeded'] a[data-job-result]")
        )
    )
    report = Report.objects.get(account=account)
    link = browser.find_element(By.CSS_SELECTOR, "#report-job a[data-job-result]")
    assert link.get_attribute("href").endswith(reverse("reports:report-download", args=[report.pk]))
    screenshot(browser, "reports-1-produced")

    browser.get(live_server.url + reverse("reports:account-reports", args=[account.pk]))
    row = wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, f"tr[data-report='{report.pk}']")))
    assert "Year to date" in row.text and str(report.pages) in row.text
    assert (
        browser.find_element(By.LINK_TEXT, "Holdings")
        .get_attribute("href")
        .endswith(reverse("portfolios:account-holdings-csv", args=[account.pk]))
    )

    browser.find_element(By.LINK_TEXT, "Schedule reports").click()
    form = wait(browser).until(EC.presence_of_element_located((By.ID, "schedule-form")))
    assert Select(form.find_element(By.NAME, "frequency")).first_selected_option.get_attribute("value") == "quarterly"
    form.find_element(By.CSS_SELECTOR, "button[value='save']").click()
    status = wait(browser).until(EC.presence_of_element_located((By.ID, "schedule-status")))
    assert status.text.startswith("Quarterly reports, net of fees")
    assert ReportSchedule.objects.get(account=account).periodic_task.enabled
    screenshot(browser, "reports-2-scheduled")

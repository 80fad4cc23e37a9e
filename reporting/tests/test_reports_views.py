"""The reports pages and API: produce with live progress, list, download (scoped, audited), schedule."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import AdvisorFactory
from compliance.models import AuditEvent
from reporting.reports.models import Report, ReportSchedule

from .reports_support import stored_report, tiny_account

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def test_produce_from_the_page_redirects_to_live_progress_then_lists_the_report(
    client, advisor, django_capture_on_commit_callbacks
):
    account = tiny_account(advisor)
    client.force_login(advisor)
    url = reverse("reports:account-reports", args=[account.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"period": "ITD", "net": "true"})

    report = Report.objects.get(account=account)
    assert response.status_code == 302 and response["Location"] == f"{url}?job={report.job_id}"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-job-status="succeeded"' in html
    assert reverse("reports:report-download", args=[report.pk]) in html
    assert reverse("portfolios:account-holdings-csv", args=[account.pk]) in html  # exports linked


def test_page_shows_field_errors_for_a_bad_range(client, advisor):
    account = tiny_account(advisor)
    client.force_login(advisor)

    response = client.post(
        reverse("reports:account-reports", args=[account.pk]),
        {"period": "custom", "start": "2021-01-01", "net": "true"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["start"]
    assert not Report.objects.exists()


def test_compliance_reads_the_page_but_cannot_produce(client, advisor, compliance_officer):
    account = tiny_account(advisor)
    client.force_login(compliance_officer)
    url = reverse("reports:account-reports", args=[account.pk])

    assert client.get(url).status_code == 200
    assert 'id="generate-form"' not in client.get(url).content.decode()
    assert client.post(url, {"period": "ITD", "net": "true"}).status_code == 403


def test_download_serves_the_pdf_to_the_book_and_404_to_others(client, advisor):
    report = stored_report(advisor)
    url = reverse("reports:report-download", args=[report.pk])
    client.force_login(advisor)

    response = client.get(url)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{report.file_name}"'
    assert response.content.startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="report.downloaded", object_id=str(report.pk), actor=advisor).exists()
    client.force_login(AdvisorFactory(firm=advisor.firm))
    assert client.get(url).status_code == 404


def test_schedule_page_saves_and_pauses(client, advisor):
    account = tiny_account(advisor)
    client.force_login(advisor)
    url = reverse("reports:account-schedule", args=[account.pk])

    assert client.post(url, {"frequency": "annually", "net": "false", "action": "save"}).status_code == 302
    schedule = ReportSchedule.objects.get(account=account)
    assert (schedule.frequency, schedule.net, schedule.is_active) == ("annually", False, True)
    assert client.post(url, {"frequency": "weekly", "net": "true"}).status_code == 400
    assert client.post(url, {"action": "stop"}).status_code == 302
    schedule.refresh_from_db()
    assert schedule.is_active is False
    page = client.get(reverse("reports:account-reports", args=[account.pk])).content.decode()
    assert "Scheduled reports are paused." in page


def test_api_creates_a_job_lists_and_downloads(advisor, django_capture_on_commit_callbacks):
    account = tiny_account(advisor)
    api = _api(advisor)
    url = reverse("api:account-reports", args=[account.pk])

    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(url, {"period": "ITD", "net": True}, format="json")

    assert created.status_code == 202
    assert created.data["job_url"] == reverse("api:job-detail", args=[created.data["job"]["id"]])
    job = api.get(created.data["job_url"]).data
    assert job["status"] == "succeeded"
    listed = api.get(url).data["results"]
    assert [row["id"] for row in listed] == [job["result"]["report"]]
    download = api.get(listed[0]["download_url"])
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")
    assert download["X-Content-SHA256"] == listed[0]["sha256"]


def test_api_refuses_bad_periods_and_readers(advisor, compliance_officer):
    account = tiny_account(advisor)
    url = reverse("api:account-reports", args=[account.pk])

    bad = _api(advisor).post(url, {"period": "1Y"}, format="json")
    custom = _api(advisor).post(url, {"period": "custom"}, format="json")
    reader = _api(compliance_officer).post(url, {"period": "ITD"}, format="json")

    assert bad.status_code == 400 and bad.json()["error"]["code"] == "period_before_inception"
    assert custom.status_code == 400 and "start" in custom.json()["error"]["fields"]
    assert reader.status_code == 403

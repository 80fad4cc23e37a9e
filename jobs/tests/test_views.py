"""The job page, its live fragment and the API: what the person who started it sees."""

import pytest
from django.urls import reverse

from jobs.choices import JobStatus
from jobs.tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def test_a_running_job_fragment_keeps_polling(client, advisor):
    job = JobFactory(owner=advisor, status=JobStatus.RUNNING, done=3, total=10, message="Page 3")
    client.force_login(advisor)

    html = client.get(reverse("jobs:job-progress", args=[job.pk])).content.decode()

    assert 'hx-trigger="every 1s"' in html
    assert "30 %" in html and "3 of 10" in html and "Page 3" in html


def test_a_finished_job_stops_polling_and_links_its_result(client, advisor):
    job = JobFactory(owner=advisor, status=JobStatus.SUCCEEDED, result_url="/reporting/reports/7/download/")
    client.force_login(advisor)

    html = client.get(reverse("jobs:job-detail", args=[job.pk])).content.decode()

    assert "hx-trigger" not in html
    assert 'href="/reporting/reports/7/download/"' in html


def test_a_failed_job_says_why(client, advisor):
    job = JobFactory(owner=advisor, status=JobStatus.FAILED, error_code="no_values", error_message="No history yet.")
    client.force_login(advisor)

    html = client.get(reverse("jobs:job-progress", args=[job.pk])).content.decode()

    assert "No history yet." in html and "no_values" in html


def test_the_api_lists_only_the_callers_jobs(client, advisor, other_advisor):
    mine = JobFactory(owner=advisor, status=JobStatus.RUNNING, done=1, total=2)
    JobFactory(owner=other_advisor)
    client.force_login(advisor)

    body = client.get(reverse("api:job-list")).json()

    assert [row["id"] for row in body["results"]] == [mine.pk]
    assert body["results"][0]["percent"] == 50

"""Producing, storing, downloading and scheduling client reports (real PostgreSQL, eager Celery)."""

import datetime as dt
import hashlib

import pytest
from django_celery_beat.models import PeriodicTask

from compliance.models import AuditEvent
from jobs.choices import JobStatus
from reporting.periods import PeriodError, PeriodKey
from reporting.reports.choices import ReportFrequency
from reporting.reports.models import Report
from reporting.reports.schedule_periods import last_complete_period
from reporting.reports.schedule_services import run_schedule, save_schedule, stop_schedule
from reporting.reports.services import (
    ReportIntegrityError,
    ReportPermissionError,
    ReportRequest,
    read_verified,
    request_report,
    run_report_job,
)
from reporting.reports.subjects import account_subject

from .reports_support import invested_account, stored_report, tiny_account

pytestmark = pytest.mark.django_db


def _actions(target) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type=target._meta.label_lower, object_id=str(target.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )


def test_requested_report_runs_as_a_job_and_is_stored_with_its_digest(advisor, django_capture_on_commit_callbacks):
    """Asking for a report queues a job; the task (after commit) draws the PDF, stores it with its
    SHA-256, size and pages, finishes the job with the download link, and audits both steps."""
    account = invested_account(advisor)
    subject = account_subject(account, user=advisor)

    with django_capture_on_commit_callbacks(execute=True):
        job = request_report(actor=advisor, subject=subject, request=ReportRequest("account", account.pk, "YTD"))

    job.refresh_from_db()
    report = Report.objects.get(job=job)
    assert job.status == JobStatus.SUCCEEDED and job.percent == 100
    assert job.result_url == f"/reports/{report.pk}/download/"
    assert job.result["report"] == report.pk
    data = report.file.read()
    assert hashlib.sha256(data).hexdigest() == report.sha256 and report.size == len(data)
    assert report.period_label == "Year to date" and report.base_date == dt.date(2021, 12, 31)
    assert report.created_by == advisor and report.firm_id == advisor.firm_id
    assert _actions(account) == ["report.requested"]
    assert _actions(report) == ["report.generated"]


def test_a_redelivered_job_produces_nothing_new(advisor, django_capture_on_commit_callbacks):
    """The task is idempotent: running the finished job again leaves one report."""
    account = tiny_account(advisor)
    with django_capture_on_commit_callbacks(execute=True):
        job = request_report(
            actor=advisor, subject=account_subject(account, user=advisor), request=ReportRequest("account", account.pk)
        )

    run_report_job(job.pk, ReportRequest("account", account.pk).to_task())

    assert Report.objects.filter(account=account).count() == 1


def test_a_period_before_inception_is_refused_before_any_job(advisor):
    """The period is measured up front: its field error comes back at once, and no job is created."""
    account = tiny_account(advisor)

    with pytest.raises(PeriodError) as raised:
        request_report(
            actor=advisor,
            subject=account_subject(account, user=advisor),
            request=ReportRequest("account", account.pk, PeriodKey.ONE_YEAR),
        )

    assert raised.value.code == "period_before_inception" and "period" in raised.value.fields
    assert not advisor.jobs.exists()


def test_compliance_reads_but_cannot_produce_or_schedule(advisor, compliance_officer):
    account = tiny_account(advisor)
    subject = account_subject(account, user=compliance_officer)

    with pytest.raises(ReportPermissionError):
        request_report(actor=compliance_officer, subject=subject, request=ReportRequest("account", account.pk))
    with pytest.raises(ReportPermissionError):
        save_schedule(actor=compliance_officer, subject=subject)


def test_download_is_verified_and_audited_and_a_changed_file_is_refused(advisor, operator):
    """Each download is an audit event; a file whose bytes changed is refused (409) and that is audited."""
    report = stored_report(advisor)

    data = read_verified(actor=operator, report=report)

    assert data.startswith(b"%PDF-")
    assert _actions(report) == ["report.generated", "report.downloaded"]
    with open(report.file.path, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ReportIntegrityError) as raised:
        read_verified(actor=operator, report=report)
    assert raised.value.status == 409
    assert _actions(report)[-1] == "report.integrity_failed"


def test_schedule_keeps_one_beat_entry_in_step(advisor):
    """Quarterly by default: one enabled PeriodicTask on the 2nd of Jan/Apr/Jul/Oct; changing the
    frequency re-points the same entry; pausing disables it. Each change is audited."""
    account = tiny_account(advisor)
    subject = account_subject(account, user=advisor)

    schedule = save_schedule(actor=advisor, subject=subject)

    task = PeriodicTask.objects.get(pk=schedule.periodic_task_id)
    assert schedule.frequency == ReportFrequency.QUARTERLY
    assert (task.task, task.args, task.enabled) == ("reporting.produce_scheduled_report", f"[{schedule.pk}]", True)
    assert (task.crontab.month_of_year, task.crontab.day_of_month, task.crontab.hour) == ("1,4,7,10", "2", "6")

    again = save_schedule(actor=advisor, subject=subject, frequency=ReportFrequency.MONTHLY)
    task.refresh_from_db()
    assert again.pk == schedule.pk and task.crontab.month_of_year == "*"
    assert PeriodicTask.objects.filter(task="reporting.produce_scheduled_report").count() == 1

    stop_schedule(actor=advisor, schedule=again)
    task.refresh_from_db()
    assert task.enabled is False
    assert _actions(schedule) == ["report_schedule.created", "report_schedule.changed", "report_schedule.stopped"]


def test_scheduled_run_reports_the_last_complete_quarter_once(advisor):
    """Values run to 2022-06-30: the quarterly run reports Q2 2022 (from the close of 2022-03-31), and
    running it again produces nothing."""
    account = invested_account(advisor)
    schedule = save_schedule(actor=advisor, subject=account_subject(account, user=advisor))

    report = run_schedule(schedule_id=schedule.pk)

    assert report.period_label == "Q2 2022"
    assert (report.base_date, report.end_date) == (dt.date(2022, 3, 31), dt.date(2022, 6, 30))
    assert report.schedule == schedule and report.pages >= 4
    assert run_schedule(schedule_id=schedule.pk) is None
    assert Report.objects.filter(schedule=schedule).count() == 1


def test_paused_schedule_produces_nothing(advisor):
    account = tiny_account(advisor)
    schedule = stop_schedule(
        actor=advisor, schedule=save_schedule(actor=advisor, subject=account_subject(account, user=advisor))
    )

    assert run_schedule(schedule_id=schedule.pk) is None


@pytest.mark.parametrize(
    ("frequency", "last_valued", "expected"),
    [
        (ReportFrequency.QUARTERLY, dt.date(2022, 6, 30), ("2022-04-01", "2022-06-30", "Q2 2022")),
        (ReportFrequency.QUARTERLY, dt.date(2022, 6, 29), ("2022-01-01", "2022-03-31", "Q1 2022")),
        # 2022-12-31 is a Saturday: the year is complete once Friday the 30th is valued.
        (ReportFrequency.ANNUALLY, dt.date(2022, 12, 30), ("2022-01-01", "2022-12-31", "Year 2022")),
        (ReportFrequency.MONTHLY, dt.date(2022, 3, 15), ("2022-02-01", "2022-02-28", "February 2022")),
    ],
)
def test_last_complete_period(frequency, last_valued, expected):
    period = last_complete_period(frequency, last_valued)

    assert (period.start.isoformat(), period.end.isoformat(), period.label) == expected


def test_admin_pause_action_goes_through_the_service(client, advisor):
    """The admin's pause action disables the beat entry and is audited like the page's."""
    from accounts.tests.factories import OperatorFactory
    from valuepartner.testing.otp import login_verified

    account = tiny_account(advisor)
    schedule = save_schedule(actor=advisor, subject=account_subject(account, user=advisor))
    operator = OperatorFactory(firm=advisor.firm, is_staff=True, is_superuser=True)
    login_verified(client, operator)

    response = client.post(
        "/admin/reporting/reportschedule/", {"action": "pause", "_selected_action": [schedule.pk]}, follow=True
    )

    assert response.status_code == 200
    schedule.refresh_from_db()
    assert schedule.is_active is False and schedule.periodic_task.enabled is False
    assert _actions(schedule)[-1] == "report_schedule.stopped"

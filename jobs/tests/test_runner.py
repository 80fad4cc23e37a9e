"""Running work as a job: progress, outcome, failures, and redelivered tasks."""

import pytest

from jobs.choices import JobStatus
from jobs.runner import JobOutcome, Progress, run_job
from jobs.tests.factories import JobFactory
from valuepartner.errors import DomainError

pytestmark = pytest.mark.django_db


def test_work_reports_progress_and_the_job_ends_with_its_result():
    """Given a queued job, when its work reports steps and returns, the job succeeds with the outcome."""
    job = JobFactory()
    seen = []

    def work(progress):
        progress(1, 4, "first")
        job.refresh_from_db()
        seen.append((job.status, job.done, job.total, job.message))
        return JobOutcome(result={"pages": 4}, url="/reports/1/")

    assert run_job(job.pk, work) is True

    job.refresh_from_db()
    assert seen == [(JobStatus.RUNNING, 1, 4, "first")]
    assert (job.status, job.percent, job.result, job.result_url) == (
        JobStatus.SUCCEEDED,
        100,
        {"pages": 4},
        "/reports/1/",
    )
    assert job.started_at <= job.finished_at
    assert job.eta_seconds is None


def test_a_domain_error_fails_the_job_with_its_code_and_is_not_raised():
    job = JobFactory()

    def work(progress):
        raise DomainError("no_values", "The account has no value history yet.")

    run_job(job.pk, work)

    job.refresh_from_db()
    assert (job.status, job.error_code, job.error_message) == (
        JobStatus.FAILED,
        "no_values",
        "The account has no value history yet.",
    )


def test_an_unexpected_error_fails_the_job_and_reaches_the_worker():
    job = JobFactory()

    def work(progress):
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        run_job(job.pk, work)

    job.refresh_from_db()
    assert (job.status, job.error_code) == (JobStatus.FAILED, "internal_error")


def test_a_redelivered_task_does_not_run_the_work_again():
    job = JobFactory()
    calls = []
    run_job(job.pk, lambda progress: calls.append(1))

    assert run_job(job.pk, lambda progress: calls.append(2)) is False
    assert calls == [1]


def test_progress_writes_are_throttled_but_the_last_step_is_always_written():
    """Given a clock that does not move, only the first and the final step reach the database."""
    job = JobFactory(status=JobStatus.RUNNING)
    progress = Progress(job.pk, clock=lambda: 100.0)

    progress(1, 10)
    progress(5, 10)
    job.refresh_from_db()
    assert job.done == 1

    progress(10, 10)
    job.refresh_from_db()
    assert job.done == 10


def test_advance_counts_every_step_from_several_reporters():
    job = JobFactory(status=JobStatus.RUNNING, total=6)
    first, second = Progress(job.pk), Progress(job.pk)

    for _ in range(3):
        first.advance()
        second.advance()

    job.refresh_from_db()
    assert (job.done, job.percent) == (6, 100)


def test_eta_follows_the_pace_so_far():
    import datetime as dt

    from django.utils import timezone

    job = JobFactory(status=JobStatus.RUNNING, done=1, total=4, started_at=timezone.now() - dt.timedelta(seconds=10))

    assert 29 <= job.eta_seconds <= 31
    assert job.percent == 25

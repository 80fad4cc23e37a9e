"""Writes of jobs: creation by the person asking, then state changes by the task doing the work."""

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from valuepartner.errors import DomainError

from .choices import JobStatus
from .models import Job

MESSAGE_LENGTH = Job._meta.get_field("message").max_length


def create_job(*, owner, kind: str, label: str, total: int = 0) -> Job:
    """A queued job owned by ``owner``; the caller enqueues the task that runs it, after commit."""
    if owner.firm_id is None:
        raise DomainError("no_firm", "Only members of a firm can start background work.")
    return Job.objects.create(firm_id=owner.firm_id, owner=owner, kind=kind, label=label[:200], total=total)


def start_job(job_id: int) -> bool:
    """Mark a queued job running; False when it already ran (a redelivered task must not redo it)."""
    with transaction.atomic():
        started = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, started_at=timezone.now()
        )
    return bool(started)


def set_progress(job_id: int, *, done: int, total: int | None = None, message: str = "") -> None:
    values = {"done": max(done, 0), "message": message[:MESSAGE_LENGTH]}
    if total is not None:
        values["total"] = max(total, 0)
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(**values)


def advance_progress(job_id: int, *, by: int = 1, message: str = "") -> None:
    """Add ``by`` steps in one UPDATE, so several workers of one fan-out never lose a step."""
    values = {"done": F("done") + by}
    if message:
        values["message"] = message[:MESSAGE_LENGTH]
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(**values)


def finish_job(job_id: int, *, result: dict | None = None, url: str = "") -> None:
    Job.objects.filter(pk=job_id).exclude(status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED]).update(
        status=JobStatus.SUCCEEDED,
        done=Greatest(F("done"), F("total")),
        result=result or {},
        result_url=url,
        message="",
        finished_at=timezone.now(),
    )


def fail_job(job_id: int, *, code: str, message: str) -> None:
    Job.objects.filter(pk=job_id).exclude(status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED]).update(
        status=JobStatus.FAILED, error_code=code[:60], error_message=message, finished_at=timezone.now()
    )

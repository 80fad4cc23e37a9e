"""Writes of client reports: asking for one (a job), producing and storing it, downloads.

Every action is audited through ``compliance.services.record_event`` inside its transaction. The PDF
is drawn outside any transaction (it reads only); the file and its row are then stored together, and
the file is removed again if the row cannot be saved. Schedules, which produce their reports through
``produce_report``, are written by ``reporting.reports.schedule_services``.
"""

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify

from accounts.roles import Capability, has_capability
from compliance.services import record_event
from jobs.models import Job
from jobs.runner import JobOutcome, Progress, run_job
from jobs.services import create_job
from portfolios.selectors import accounts_visible_to, households_visible_to
from valuepartner.errors import DomainError

from ..periods import PeriodKey
from .choices import JOB_KIND, ReportSubject
from .content import build_content
from .models import Report, ReportSchedule
from .pdf import render_pdf
from .subjects import Subject, account_subject, household_subject

# Steps a report job reports: the four reads of ``build_content``, drawing the PDF, storing it.
JOB_STEPS = 6


class ReportPermissionError(DomainError):
    """The user may read the subject's reports but not produce or schedule them."""

    status = 403


class ReportIntegrityError(DomainError):
    """The stored file no longer matches the SHA-256 recorded when it was produced."""

    status = 409


def require_manage(actor) -> None:
    if not has_capability(actor, Capability.MANAGE_BOOK):
        raise ReportPermissionError("forbidden", "Your role can read reports but not produce or schedule them.")


@dataclass(frozen=True)
class ReportRequest:
    """What a report covers; JSON-safe through ``to_task``/``from_task`` for the Celery task."""

    subject: str
    subject_id: int
    period: str = PeriodKey.INCEPTION
    start: dt.date | None = None
    end: dt.date | None = None
    net: bool = True
    label: str = ""  # the period's name when not a standard one ("Q3 2022" for a schedule)

    def to_task(self) -> dict:
        return {
            "subject": self.subject,
            "subject_id": self.subject_id,
            "period": self.period,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "net": self.net,
            "label": self.label,
        }

    @classmethod
    def from_task(cls, data: dict) -> "ReportRequest":
        return cls(
            subject=data["subject"],
            subject_id=int(data["subject_id"]),
            period=data["period"],
            start=dt.date.fromisoformat(data["start"]) if data.get("start") else None,
            end=dt.date.fromisoformat(data["end"]) if data.get("end") else None,
            net=bool(data["net"]),
            label=data.get("label", ""),
        )


def subject_for(kind: str, pk: int, *, user) -> Subject:
    """The account or household ``pk`` as ``user`` sees it; ``not_found`` when out of their scope."""
    if kind == ReportSubject.ACCOUNT:
        account = accounts_visible_to(user).select_related("client__household__firm").filter(pk=pk).first()
        if account is not None:
            return account_subject(account, user=user)
    elif kind == ReportSubject.HOUSEHOLD and has_capability(user, Capability.VIEW_BOOK):
        household = households_visible_to(user).select_related("firm").filter(pk=pk).first()
        if household is not None:
            return household_subject(household, user=user)
    raise DomainError("not_found", f"No {kind} {pk} in your book.")


def _label(subject: Subject, request: ReportRequest) -> str:
    if request.period == PeriodKey.CUSTOM:
        span = f"{request.start.isoformat() if request.start else '?'} to {(request.end or 'last value')}"
    else:
        span = PeriodKey(request.period).label
    return f"Performance report, {span}: {subject.name}"


def request_report(*, actor, subject: Subject, request: ReportRequest) -> Job:
    """Queue a report of ``subject``; returns the job whose progress the page shows.

    The period is measured once here so that one which cannot be measured (before inception, no
    history) is refused at once with its field errors rather than as a failed job.
    """
    require_manage(actor)
    subject.performance(period=request.period, start=request.start, end=request.end, net=request.net)
    from reporting.tasks import generate_report  # the task module imports this one

    with transaction.atomic():
        job = create_job(owner=actor, kind=JOB_KIND, label=_label(subject, request), total=JOB_STEPS)
        record_event(
            action="report.requested",
            actor=actor,
            target=subject.obj,
            metadata={"job": job.pk, **request.to_task()},
        )
        payload = request.to_task()
        transaction.on_commit(lambda: generate_report.delay(job.pk, payload))
    return job


def _file_names(subject: Subject, report: Report) -> tuple[str, str]:
    stem = slugify(subject.name)[:60] or report.subject
    period = f"{report.base_date.isoformat()}-to-{report.end_date.isoformat()}"
    return f"{stem}-{period}-{uuid.uuid4().hex[:8]}.pdf", f"{stem}-performance-{period}.pdf"


def produce_report(
    *,
    subject: Subject,
    actor,
    request: ReportRequest,
    job: Job | None = None,
    schedule: ReportSchedule | None = None,
    progress: Progress | None = None,
) -> Report:
    """Draw the PDF of ``subject`` over the requested period and store it with its SHA-256."""
    done = 0

    def step(message: str) -> None:
        nonlocal done
        if progress is not None:
            progress(done, JOB_STEPS, message)
        done += 1

    content = build_content(
        subject,
        period=request.period,
        start=request.start,
        end=request.end,
        net=request.net,
        label=request.label,
        progress=step,
    )
    step("Drawing the PDF")
    rendered = render_pdf(content)
    step("Storing the file")
    report = Report(
        firm_id=subject.firm_id,
        subject=subject.kind,
        account=subject.account,
        household=subject.household if subject.kind == ReportSubject.HOUSEHOLD else None,
        title=content.title[:300],
        period_key=request.period,
        period_label=content.period_label,
        period_start=content.period_start,
        base_date=content.base_date,
        end_date=content.end_date,
        net=request.net,
        sha256=hashlib.sha256(rendered.data).hexdigest(),
        size=len(rendered.data),
        pages=rendered.pages,
        schedule=schedule,
        job=job,
        created_by=actor,
    )
    stored_name, report.file_name = _file_names(subject, report)
    report.file.save(stored_name, ContentFile(rendered.data), save=False)
    try:
        with transaction.atomic():
            report.save()
            record_event(
                action="report.generated",
                actor=actor if schedule is None else None,
                actor_label="" if schedule is None else f"report schedule {schedule.pk}",
                target=report,
                metadata={
                    "subject": subject.kind,
                    "subject_id": subject.obj.pk,
                    "period": request.period,
                    "base_date": report.base_date,
                    "end_date": report.end_date,
                    "net": request.net,
                    "sha256": report.sha256,
                    "size": report.size,
                    "pages": report.pages,
                    "job": job.pk if job else None,
                    "schedule": schedule.pk if schedule else None,
                },
            )
    except Exception:
        report.file.storage.delete(report.file.name)
        raise
    return report


def download_url(report: Report) -> str:
    return reverse("reports:report-download", args=[report.pk])


def run_report_job(job_id: int, payload: dict) -> None:
    """The body of the report task: re-read the job and its subject in the owner's scope, produce it."""
    job = Job.objects.select_related("owner").get(pk=job_id)

    def work(progress: Progress) -> JobOutcome:
        existing = Report.objects.filter(job=job).first()
        report = existing
        if report is None:
            request = ReportRequest.from_task(payload)
            subject = subject_for(request.subject, request.subject_id, user=job.owner)
            report = produce_report(subject=subject, actor=job.owner, request=request, job=job, progress=progress)
        return JobOutcome(
            result={"report": report.pk, "pages": report.pages, "size": report.size, "sha256": report.sha256},
            url=download_url(report),
        )

    run_job(job_id, work)


def read_verified(*, actor, report: Report) -> bytes:
    """The report's bytes for ``actor`` (already scoped), after checking its SHA-256; audited."""
    with report.file.open("rb") as handle:
        data = handle.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != report.sha256:
        # Recorded in its own transaction: the refusal below must not roll the evidence back.
        with transaction.atomic():
            record_event(
                action="report.integrity_failed",
                actor=actor,
                target=report,
                metadata={"expected": report.sha256, "found": digest},
            )
        raise ReportIntegrityError(
            "report_tampered", "This report's file no longer matches its recorded digest; it cannot be served."
        )
    with transaction.atomic():
        record_event(
            action="report.downloaded",
            actor=actor,
            target=report,
            metadata={"sha256": report.sha256, "size": report.size, "file_name": report.file_name},
        )
    return data

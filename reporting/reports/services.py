"""Writes of client reports: asking for one (a job), producing and storing it, downloads, schedules.

Every action is audited through ``compliance.services.record_event`` inside its transaction. The PDF
is drawn outside any transaction (it reads only); the file and its row are then stored together, and
the file is removed again if the row cannot be saved.
"""

import datetime as dt
import hashlib
import json
import logging
import uuid
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.text import slugify
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from accounts.roles import Capability, has_capability
from compliance.services import record_event
from jobs.models import Job
from jobs.runner import JobOutcome, Progress, run_job
from jobs.services import create_job
from marketdata.calendar import session_on_or_before
from portfolios.models import AccountValue
from portfolios.selectors import accounts_visible_to, households_visible_to
from valuepartner.errors import DomainError

from ..periods import PeriodKey
from .choices import JOB_KIND, ReportFrequency, ReportSubject
from .content import build_content
from .models import Report, ReportSchedule
from .pdf import render_pdf
from .schedule_periods import crontab_fields, last_complete_period
from .subjects import Subject, account_subject, household_subject

logger = logging.getLogger(__name__)

# Steps a report job reports: the four reads of ``build_content``, drawing the PDF, storing it.
JOB_STEPS = 6
SCHEDULE_TASK = "reporting.produce_scheduled_report"


class ReportPermissionError(DomainError):
    """The user may read the subject's reports but not produce or schedule them."""

    status = 403


class ReportIntegrityError(DomainError):
    """The stored file no longer matches the SHA-256 recorded when it was produced."""

    status = 409


def _require_manage(actor) -> None:
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
    _require_manage(actor)
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


# --- Schedules ---------------------------------------------------------------------------------


def _sync_periodic_task(schedule: ReportSchedule) -> None:
    """The beat entry of ``schedule``: crontab of its frequency, enabled while it is active."""
    crontab, _ = CrontabSchedule.objects.get_or_create(
        **crontab_fields(schedule.frequency), timezone=zoneinfo.ZoneInfo(settings.TIME_ZONE)
    )
    task = schedule.periodic_task or PeriodicTask(name=f"reporting: report schedule {schedule.pk}")
    task.crontab = crontab
    task.task = SCHEDULE_TASK
    task.args = json.dumps([schedule.pk])
    task.enabled = schedule.is_active
    task.description = f"{schedule.get_frequency_display()} client report of {schedule.subject} {schedule.subject_id}."
    task.save()
    if schedule.periodic_task_id != task.pk:
        schedule.periodic_task = task
        schedule.save(update_fields=["periodic_task"])


def save_schedule(
    *, actor, subject: Subject, frequency: str = ReportFrequency.QUARTERLY, net: bool = True
) -> ReportSchedule:
    """Create or change (and resume) the schedule of ``subject``; one per account or household."""
    _require_manage(actor)
    if frequency not in ReportFrequency.values:
        raise DomainError("invalid", "Choose a listed frequency.", fields={"frequency": ["Choose a listed frequency."]})
    lookup = {"account": subject.account} if subject.kind == ReportSubject.ACCOUNT else {"household": subject.household}
    with transaction.atomic():
        schedule = ReportSchedule.objects.select_for_update().filter(**lookup).first()
        if schedule is None:
            schedule = ReportSchedule.objects.create(
                firm_id=subject.firm_id, subject=subject.kind, frequency=frequency, net=net, created_by=actor, **lookup
            )
            action, changes = "report_schedule.created", {"frequency": (None, frequency), "net": (None, net)}
        else:
            changes = {
                name: (getattr(schedule, name), value)
                for name, value in (("frequency", frequency), ("net", net), ("is_active", True))
                if getattr(schedule, name) != value
            }
            for name, (_, value) in changes.items():
                setattr(schedule, name, value)
            if changes:
                schedule.save(update_fields=[*changes, "updated_at"])
            action = "report_schedule.changed"
        _sync_periodic_task(schedule)
        if changes:
            record_event(action=action, actor=actor, target=schedule, changes=changes)
    return schedule


def stop_schedule(*, actor, schedule: ReportSchedule) -> ReportSchedule:
    """Pause ``schedule``: its beat entry is disabled; stored reports stay."""
    _require_manage(actor)
    with transaction.atomic():
        schedule = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
        if schedule.is_active:
            schedule.is_active = False
            schedule.save(update_fields=["is_active", "updated_at"])
            _sync_periodic_task(schedule)
            record_event(
                action="report_schedule.stopped", actor=actor, target=schedule, changes={"is_active": (True, False)}
            )
    return schedule


def _last_valued(subject: Subject) -> dt.date | None:
    """The day through which every account of the subject is valued (a household stops at the earliest)."""
    ends = (
        AccountValue.objects.filter(account_id__in=[account.pk for account in subject.accounts])
        .values("account_id")
        .annotate(last=Max("date"))
        .values_list("last", flat=True)
    )
    ends = list(ends)
    return min(ends) if ends else None


def run_schedule(*, schedule_id: int) -> Report | None:
    """Produce the schedule's report of its last complete period, unless it exists (idempotent).

    Returns None when there is nothing to do: the schedule is paused or gone, the subject has no
    values yet, its first value comes after that period, or the period's report exists already.
    """
    schedule = ReportSchedule.objects.select_related("created_by").filter(pk=schedule_id, is_active=True).first()
    if schedule is None:
        return None
    owner = schedule.created_by
    if not owner.is_active:
        owner = get_user_model().objects.filter(pk=_subject_advisor_id(schedule), is_active=True).first() or owner
    subject = subject_for(schedule.subject, schedule.subject_id, user=owner)
    last_valued = _last_valued(subject)
    if last_valued is None:
        return None
    period = last_complete_period(schedule.frequency, last_valued)
    if Report.objects.filter(schedule=schedule, end_date__gte=period.start, end_date__lte=period.end).exists():
        return None
    inception = (
        AccountValue.objects.filter(account_id__in=[account.pk for account in subject.accounts], total_value__gt=0)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    if inception is None or inception > session_on_or_before(period.end):
        return None
    request = ReportRequest(
        subject=schedule.subject,
        subject_id=schedule.subject_id,
        period=PeriodKey.CUSTOM,
        start=max(period.start, inception),
        end=period.end,
        net=schedule.net,
        label=period.label,
    )
    try:
        return produce_report(subject=subject, actor=owner, request=request, schedule=schedule)
    except IntegrityError:
        # Another run of the same schedule stored this period's report first.
        logger.info("Report schedule %s: period ending %s already produced.", schedule_id, period.end)
        return None


def _subject_advisor_id(schedule: ReportSchedule) -> int:
    if schedule.subject == ReportSubject.ACCOUNT:
        return schedule.account.client.household.advisor_id
    return schedule.household.advisor_id

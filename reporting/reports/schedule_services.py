"""Writes of report schedules: saving and pausing one (with its celery-beat entry), and running it.

A schedule produces its report through the same ``produce_report`` a person's request ends in, so a
scheduled report is stored, hashed and audited exactly like one asked for by hand. Running a schedule is
idempotent: a period already reported produces nothing.
"""

import datetime as dt
import json
import logging
import zoneinfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from compliance.services import record_event
from marketdata.calendar import session_on_or_before
from portfolios.models import AccountValue
from valuepartner.errors import DomainError

from ..periods import PeriodKey
from .choices import ReportFrequency, ReportSubject
from .models import Report, ReportSchedule
from .schedule_periods import crontab_fields, last_complete_period
from .services import ReportRequest, produce_report, require_manage, subject_for
from .subjects import Subject

logger = logging.getLogger(__name__)

SCHEDULE_TASK = "reporting.produce_scheduled_report"


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
    require_manage(actor)
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
    require_manage(actor)
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

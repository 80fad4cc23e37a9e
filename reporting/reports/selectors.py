"""Reads of stored reports and schedules, scoped to the requesting user.

Account reports are visible wherever the account is (clients see their own accounts' reports);
household reports cover accounts of several clients and are for the firm's staff only.
"""

from django.db.models import Q, QuerySet

from accounts.roles import Capability, has_capability
from portfolios.selectors import accounts_visible_to, households_visible_to

from .choices import ReportSubject
from .models import Report, ReportSchedule
from .subjects import Subject


def reports_visible_to(user) -> QuerySet[Report]:
    if not user.is_authenticated or not user.is_active or user.firm_id is None:
        return Report.objects.none()
    visible = Q(subject=ReportSubject.ACCOUNT, account_id__in=accounts_visible_to(user).values("pk"))
    if has_capability(user, Capability.VIEW_BOOK):
        visible |= Q(subject=ReportSubject.HOUSEHOLD, household_id__in=households_visible_to(user).values("pk"))
    return (
        Report.objects.filter(firm_id=user.firm_id)
        .filter(visible)
        .select_related("created_by", "schedule", "account", "household")
    )


def reports_of(user, subject: Subject) -> QuerySet[Report]:
    """The subject's stored reports, newest first."""
    lookup = {"account": subject.account} if subject.kind == ReportSubject.ACCOUNT else {"household": subject.household}
    return reports_visible_to(user).filter(subject=subject.kind, **lookup).order_by("-created_at", "-pk")


def schedule_of(subject: Subject) -> ReportSchedule | None:
    lookup = {"account": subject.account} if subject.kind == ReportSubject.ACCOUNT else {"household": subject.household}
    return ReportSchedule.objects.filter(**lookup).select_related("periodic_task__crontab", "created_by").first()

"""Reads of jobs, scoped: people see their own; advisors their book's; operators and compliance the firm's."""

from django.db.models import QuerySet

from accounts.choices import Role
from accounts.selectors import in_book

from .models import Job


def jobs_visible_to(user) -> QuerySet[Job]:
    if not user.is_authenticated or not user.is_active or user.firm_id is None:
        return Job.objects.none()
    jobs = Job.objects.filter(firm_id=user.firm_id).select_related("owner")
    if user.role in (Role.OPERATOR, Role.COMPLIANCE):
        return jobs
    if user.role == Role.ADVISOR:
        return jobs.filter(in_book("owner_id", user))
    return jobs.filter(owner=user)

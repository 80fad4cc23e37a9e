"""A stored client report (the PDF file, its digest and what it covers) and a client's report schedule."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .choices import ReportFrequency, ReportSubject
from .storage import get_report_storage


def report_path(report: "Report", filename: str) -> str:
    # Firm and subject in the path keep a firm's files together for retention and export.
    return f"firm-{report.firm_id}/{report.subject}-{report.subject_id}/{filename}"


class ReportSchedule(models.Model):
    """An advisor's standing order for a client's report each month, quarter (default) or year.

    The service keeps one celery-beat PeriodicTask per schedule (``periodic_task``) in step with it:
    enabled while the schedule is active, removed with it. One schedule per account or household.
    """

    firm = models.ForeignKey("accounts.Firm", on_delete=models.PROTECT, related_name="report_schedules")
    subject = models.CharField(max_length=10, choices=ReportSubject.choices)
    account = models.OneToOneField(
        "portfolios.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="report_schedule"
    )
    household = models.OneToOneField(
        "portfolios.Household", on_delete=models.CASCADE, null=True, blank=True, related_name="report_schedule"
    )
    frequency = models.CharField(max_length=10, choices=ReportFrequency.choices, default=ReportFrequency.QUARTERLY)
    net = models.BooleanField(default=True, help_text="Returns net of fees (otherwise gross).")
    is_active = models.BooleanField(default=True)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(subject=ReportSubject.ACCOUNT, account__isnull=False, household__isnull=True))
                | (Q(subject=ReportSubject.HOUSEHOLD, household__isnull=False, account__isnull=True)),
                name="report_schedule_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} report of {self.subject} {self.subject_id}"

    @property
    def subject_id(self) -> int:
        return self.account_id if self.subject == ReportSubject.ACCOUNT else self.household_id


class Report(models.Model):
    """One generated PDF: who it is about, the period it covers, and the file with its SHA-256."""

    firm = models.ForeignKey("accounts.Firm", on_delete=models.PROTECT, related_name="reports")
    subject = models.CharField(max_length=10, choices=ReportSubject.choices)
    account = models.ForeignKey(
        "portfolios.Account", on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    household = models.ForeignKey(
        "portfolios.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    title = models.CharField(max_length=300)
    period_key = models.CharField(max_length=10)
    period_label = models.CharField(max_length=60)
    period_start = models.DateField(help_text="First calendar day the period covers.")
    base_date = models.DateField(help_text="Session whose close is the starting value.")
    end_date = models.DateField(help_text="Session whose close is the ending value.")
    net = models.BooleanField(default=True)
    file = models.FileField(storage=get_report_storage, upload_to=report_path, max_length=300)
    file_name = models.CharField(max_length=200, help_text="The name a download is saved under.")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(help_text="Bytes.")
    pages = models.PositiveIntegerField()
    schedule = models.ForeignKey(
        ReportSchedule, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    job = models.OneToOneField("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="report")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["account", "-created_at"]),
            models.Index(fields=["household", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(subject=ReportSubject.ACCOUNT, account__isnull=False, household__isnull=True))
                | (Q(subject=ReportSubject.HOUSEHOLD, household__isnull=False, account__isnull=True)),
                name="report_one_subject",
            ),
            # A schedule produces one report per period end, however often its task runs.
            models.UniqueConstraint(
                fields=["schedule", "end_date"],
                condition=Q(schedule__isnull=False),
                name="report_once_per_schedule_period",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def subject_id(self) -> int:
        return self.account_id if self.subject == ReportSubject.ACCOUNT else self.household_id

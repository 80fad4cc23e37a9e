"""A long-running piece of work (a report, a backtest, a sweep) and how far along it is."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from .choices import FINISHED_STATUSES, JobStatus


class Job(models.Model):
    """Progress of one background task, shown live to the person who started it.

    ``done``/``total`` count steps of the job's own choosing; ``total`` may grow while it runs
    (a sweep learns its size after fanning out). The result is a small JSON summary plus a link to
    where the outcome lives (a report download, a backtest page).
    """

    firm = models.ForeignKey("accounts.Firm", on_delete=models.CASCADE, related_name="jobs")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=40, help_text="What sort of work, e.g. report or backtest.")
    label = models.CharField(max_length=200, help_text="What the person asked for, in their words.")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=200, blank=True)
    result = models.JSONField(default=dict, blank=True)
    result_url = models.CharField(max_length=300, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(100 * self.done / self.total))

    @property
    def elapsed(self) -> dt.timedelta | None:
        if self.started_at is None:
            return None
        return (self.finished_at or timezone.now()) - self.started_at

    @property
    def eta_seconds(self) -> int | None:
        """Seconds left at the pace so far; unknown until a step is done, none once finished."""
        if self.is_finished or not self.done or not self.total or self.started_at is None:
            return None
        remaining = max(self.total - self.done, 0)
        return round(self.elapsed.total_seconds() * remaining / self.done)

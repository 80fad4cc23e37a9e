"""Alerts for operators: what needs a person (a broker down, a fill the ledger refused, a mismatch)."""

from django.conf import settings
from django.db import models

from ..choices import AlertKind, AlertSeverity


class OperatorAlert(models.Model):
    """An open alert is repeated, not duplicated: the same ``key`` bumps ``count`` and ``last_seen_at``.

    ``firm`` empty means every firm's operators see it (a broker outage concerns them all).
    """

    firm = models.ForeignKey("accounts.Firm", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=30, choices=AlertKind.choices)
    severity = models.CharField(max_length=10, choices=AlertSeverity.choices, default=AlertSeverity.WARNING)
    key = models.CharField(max_length=200, help_text="Identifies the condition, e.g. breaker:alpaca.")
    message = models.CharField(max_length=1000)
    order = models.ForeignKey("trading.Order", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts")
    account = models.ForeignKey("portfolios.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    details = models.JSONField(default=dict, blank=True)
    count = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        indexes = [models.Index(fields=["key", "resolved_at"]), models.Index(fields=["firm", "resolved_at"])]

    def __str__(self) -> str:
        return f"[{self.severity}] {self.message[:80]}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

"""Accounts following a strategy, and the target weights the strategy produced for them over time."""

from django.conf import settings
from django.db import models

from portfolios.models import Account

from .strategy import Strategy


class StrategyAssignment(models.Model):
    """An account follows at most one strategy; its model portfolio is the strategy's own."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="assignments")
    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="strategy_assignment")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    started_on = models.DateField(help_text="First session the account followed the strategy.")

    class Meta:
        ordering = ["strategy", "account"]

    def __str__(self) -> str:
        return f"{self.account} follows {self.strategy}"


class TargetSnapshot(models.Model):
    """Target weights computed on one date (with the regime and breaker state behind them)."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="target_snapshots")
    as_of = models.DateField()
    weights = models.JSONField(help_text="Symbol -> weight (fraction); the rest is cash.")
    details = models.JSONField(default=dict, blank=True)
    proposals = models.ManyToManyField("portfolios.RebalanceProposal", blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Targets of {self.strategy} on {self.as_of}"

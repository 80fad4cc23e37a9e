"""Backtests, walk-forward runs and parameter sweeps, stored with their configuration and data range."""

from django.conf import settings
from django.db import models

from .choices import PriceSource, Regime, RunKind, RunStatus
from .strategy import Strategy


class Sweep(models.Model):
    """A grid of parameter overrides; each combination is one BacktestRun (kind ``sweep``)."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="sweeps")
    grid = models.JSONField(help_text='Config key -> values to try, e.g. {"top_n": [20, 50]}.')
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    best_run = models.ForeignKey(
        "strategies.BacktestRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rank_by = models.CharField(max_length=30, default="sharpe")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Sweep {self.pk} of {self.strategy}"


class BacktestRun(models.Model):
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="runs")
    sweep = models.ForeignKey(Sweep, on_delete=models.CASCADE, null=True, blank=True, related_name="runs")
    kind = models.CharField(max_length=20, choices=RunKind.choices, default=RunKind.BACKTEST)
    label = models.CharField(max_length=200, blank=True)
    config = models.JSONField(help_text="The engine configuration exactly as run (a snapshot).")
    parameters = models.JSONField(default=dict, blank=True, help_text="Overrides of a sweep, or walk-forward grid.")
    price_source = models.CharField(max_length=10, choices=PriceSource.choices, default=PriceSource.STORED)
    price_file_name = models.CharField(max_length=255, blank=True)
    price_file_sha256 = models.CharField(max_length=64, blank=True)
    requested_start = models.DateField(null=True, blank=True)
    requested_end = models.DateField(null=True, blank=True)
    data_start = models.DateField(null=True, blank=True, help_text="First date of the prices used.")
    data_end = models.DateField(null=True, blank=True)
    symbols = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    result = models.JSONField(default=dict, blank=True)
    final_equity = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    total_return = models.FloatField(null=True, blank=True)
    sharpe = models.FloatField(null=True, blank=True)
    max_drawdown = models.FloatField(null=True, blank=True)
    engine_seconds = models.FloatField(null=True, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["strategy", "status", "-created_at"])]

    def __str__(self) -> str:
        return self.label or f"{self.get_kind_display()} {self.pk}"


class RegimeSpan(models.Model):
    """A stretch of consecutive sessions in one volatility regime, as a run classified them."""

    run = models.ForeignKey(BacktestRun, on_delete=models.CASCADE, related_name="regime_spans")
    regime = models.CharField(max_length=10, choices=Regime.choices)
    start = models.DateField()
    end = models.DateField()
    sessions = models.PositiveIntegerField()

    class Meta:
        ordering = ["run", "start"]
        indexes = [models.Index(fields=["run", "start"])]

    def __str__(self) -> str:
        return f"{self.regime} {self.start} to {self.end}"

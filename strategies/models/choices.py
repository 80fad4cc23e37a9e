"""Choices of the strategies app: one home for every enumerated value its models and forms use."""

from django.db import models


class Weighting(models.TextChoices):
    EQUAL = "equal", "Equal weight"
    SCORE = "score", "By factor score"
    INVERSE_VOL = "inverse_vol", "Inverse volatility"


class RebalanceFrequency(models.IntegerChoices):
    """How often the strategy trades, in trading sessions between rebalances."""

    DAILY = 1, "Daily"
    WEEKLY = 5, "Weekly (every 5 sessions)"
    MONTHLY = 21, "Monthly (every 21 sessions)"
    QUARTERLY = 63, "Quarterly (every 63 sessions)"
    ANNUALLY = 252, "Annually (every 252 sessions)"


class RunKind(models.TextChoices):
    BACKTEST = "backtest", "Backtest"
    WALK_FORWARD = "walk_forward", "Walk-forward"
    SWEEP = "sweep", "Sweep configuration"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


FINISHED_RUN_STATUSES = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED})


class PriceSource(models.TextChoices):
    STORED = "stored", "Stored market data"
    UPLOAD = "upload", "Uploaded price file"


class Regime(models.TextChoices):
    UNKNOWN = "unknown", "Not enough history"
    LOW = "low", "Low volatility"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High volatility"
    EXTREME = "extreme", "Extreme volatility"

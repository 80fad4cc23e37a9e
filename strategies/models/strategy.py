"""A factor strategy as the firm stores it: the settings the backtester and the target builder read.

The columns hold what people edit on the strategy page; ``regime_settings``, ``hybrid_settings`` and
``breaker_settings`` hold the engine's documented parameters for those features (thresholds,
cool-down, backoff) and are validated by the engine's own config parser before they are saved.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models

from accounts.models import Firm

from .choices import RebalanceFrequency, Weighting

BPS_DIGITS = {"max_digits": 7, "decimal_places": 2}
FRACTION_DIGITS = {"max_digits": 7, "decimal_places": 6}


class Strategy(models.Model):
    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="strategies")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="strategies",
        help_text="The advisor whose book it belongs to; empty means firm-wide (operators' strategies).",
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    universe = models.JSONField(
        default=list, blank=True, help_text="Symbols the strategy chooses from; empty means every stored equity."
    )
    benchmark_symbol = models.CharField(max_length=20, default="SPX")
    factors = models.JSONField(default=dict, help_text='Factor name -> weight, e.g. {"momentum_12_1": 1.0}.')
    sector_neutral = models.BooleanField(default=False)
    top_n = models.PositiveIntegerField(default=50)
    weighting = models.CharField(max_length=20, choices=Weighting.choices, default=Weighting.EQUAL)
    max_weight = models.DecimalField(
        **FRACTION_DIGITS, null=True, blank=True, help_text="Largest weight of one holding (fraction)."
    )
    sector_cap = models.DecimalField(
        **FRACTION_DIGITS, null=True, blank=True, help_text="Largest weight of one sector (fraction)."
    )
    rebalance_every = models.PositiveSmallIntegerField(
        choices=RebalanceFrequency.choices, default=RebalanceFrequency.MONTHLY
    )
    warmup_bars = models.PositiveSmallIntegerField(default=252)
    commission_bps = models.DecimalField(**BPS_DIGITS, default=Decimal("10"))
    slippage_bps = models.DecimalField(**BPS_DIGITS, default=Decimal("0"))
    fractional = models.BooleanField(default=True)
    initial_cash = models.DecimalField(max_digits=20, decimal_places=2, default=Decimal("1000000.00"))
    regimes_enabled = models.BooleanField(default=False)
    regime_settings = models.JSONField(default=dict, blank=True)
    hybrid_enabled = models.BooleanField(default=False)
    hybrid_settings = models.JSONField(default=dict, blank=True)
    breaker_enabled = models.BooleanField(default=False)
    breaker_settings = models.JSONField(default=dict, blank=True)
    # The model portfolio this strategy keeps up to date for the accounts assigned to it.
    model_portfolio = models.OneToOneField(
        "portfolios.ModelPortfolio", on_delete=models.SET_NULL, null=True, blank=True, related_name="strategy"
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "strategies"
        constraints = [
            models.UniqueConstraint(fields=["firm", "name"], name="strategy_unique_name_per_firm"),
            models.CheckConstraint(condition=models.Q(top_n__gte=1), name="strategy_top_n_positive"),
        ]

    def __str__(self) -> str:
        return self.name

from django.db import models

from .choices import AssetClass, BreakerState, CorporateActionKind

# Prices carry six decimals (sub-penny adjusted closes); cash amounts elsewhere carry two.
PRICE_DIGITS = {"max_digits": 20, "decimal_places": 6}


class Instrument(models.Model):
    symbol = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200, blank=True)
    asset_class = models.CharField(max_length=20, choices=AssetClass.choices, default=AssetClass.EQUITY)
    exchange = models.CharField(max_length=20, blank=True, help_text="MIC, e.g. XNYS.")
    sector = models.CharField(max_length=100, blank=True)
    industry = models.CharField(max_length=150, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["symbol"]
        indexes = [models.Index(fields=["sector"]), models.Index(fields=["asset_class"])]

    def __str__(self) -> str:
        return self.symbol


class DailyBar(models.Model):
    """One session's prices. ``adj_close`` is adjusted for splits and dividends; the rest are as traded.

    A dataset that publishes only adjusted closes stores them in ``close`` and ``adj_close`` alike and
    leaves open/high/low/volume empty.
    """

    # No index of its own: the unique (instrument, date) constraint's index serves lookups by instrument,
    # and one index fewer halves the cost of a bulk load.
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="bars", db_index=False)
    date = models.DateField()
    open = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)
    high = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)
    low = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)
    close = models.DecimalField(**PRICE_DIGITS)
    adj_close = models.DecimalField(**PRICE_DIGITS)
    volume = models.BigIntegerField(null=True, blank=True)
    source = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["instrument", "date"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "date"], name="dailybar_unique_instrument_date"),
            models.CheckConstraint(condition=models.Q(close__gt=0), name="dailybar_close_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.date} {self.close}"


class CorporateAction(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="corporate_actions")
    kind = models.CharField(max_length=20, choices=CorporateActionKind.choices)
    ex_date = models.DateField()
    pay_date = models.DateField(null=True, blank=True)
    # A 3-for-2 split is numerator 3, denominator 2: each share becomes 1.5 shares.
    ratio_numerator = models.PositiveIntegerField(null=True, blank=True)
    ratio_denominator = models.PositiveIntegerField(null=True, blank=True)
    cash_amount = models.DecimalField(
        **PRICE_DIGITS, null=True, blank=True, help_text="Dividend per share, in the instrument's currency."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["instrument", "ex_date"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "kind", "ex_date"], name="corporateaction_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.instrument_id} {self.ex_date}"


class ProviderStatus(models.Model):
    """The circuit breaker of one price provider, kept in the database so operators see it and every
    process shares it. ``last_error_class`` names the exception type only: messages may carry secrets."""

    name = models.CharField(max_length=40, unique=True)
    state = models.CharField(max_length=20, choices=BreakerState.choices, default=BreakerState.CLOSED)
    consecutive_failures = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error_class = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "provider statuses"

    def __str__(self) -> str:
        return f"{self.name} ({self.get_state_display()})"

from decimal import Decimal

from django.conf import settings
from django.db import models

from accounts.models import Firm
from marketdata.choices import AssetClass
from marketdata.models import Instrument

WEIGHT_DIGITS = {"max_digits": 9, "decimal_places": 6}


class ModelPortfolio(models.Model):
    """Target weights an advisor assigns to accounts. ``owner`` empty means shared across the firm."""

    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="model_portfolios")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="model_portfolios"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    cash_weight = models.DecimalField(**WEIGHT_DIGITS, default=Decimal("0"))
    # A holding is out of band when |actual - target| exceeds the absolute band, or exceeds the
    # relative band times its target weight (e.g. 0.25 of a 10 % target = 2.5 points).
    absolute_band = models.DecimalField(**WEIGHT_DIGITS, default=Decimal("0.05"))
    relative_band = models.DecimalField(**WEIGHT_DIGITS, default=Decimal("0.25"))
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["firm", "name"], name="modelportfolio_unique_name")]

    def __str__(self) -> str:
        return self.name


class ModelTarget(models.Model):
    """One target: an instrument's weight, or an asset class's weight filled by the account's holdings."""

    model = models.ForeignKey(ModelPortfolio, on_delete=models.CASCADE, related_name="targets")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    asset_class = models.CharField(max_length=20, choices=AssetClass.choices, blank=True)
    weight = models.DecimalField(**WEIGHT_DIGITS)

    class Meta:
        ordering = ["model", "-weight"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(instrument__isnull=False, asset_class="")
                    | models.Q(instrument__isnull=True) & ~models.Q(asset_class="")
                ),
                name="modeltarget_instrument_xor_asset_class",
            ),
            models.CheckConstraint(condition=models.Q(weight__gt=0, weight__lte=1), name="modeltarget_weight_range"),
            models.UniqueConstraint(
                fields=["model", "instrument"],
                condition=models.Q(instrument__isnull=False),
                name="modeltarget_unique_instrument",
            ),
            models.UniqueConstraint(
                fields=["model", "asset_class"],
                condition=~models.Q(asset_class=""),
                name="modeltarget_unique_asset_class",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id or self.asset_class}: {self.weight}"

"""Company fundamentals for the value, quality and size factors, filled by CSV import.

One row per instrument and report date; a factor on date t uses the latest row dated on or before
t (no look-ahead). Empty cells are unknown, not zero.
"""

from django.conf import settings
from django.db import models

from marketdata.models import Instrument

RATIO_DIGITS = {"max_digits": 20, "decimal_places": 6}


class Fundamentals(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="fundamentals")
    as_of = models.DateField(help_text="The date the figures became public.")
    book_to_market = models.DecimalField(**RATIO_DIGITS, null=True, blank=True)
    earnings_yield = models.DecimalField(**RATIO_DIGITS, null=True, blank=True)
    return_on_equity = models.DecimalField(**RATIO_DIGITS, null=True, blank=True)
    gross_margin = models.DecimalField(**RATIO_DIGITS, null=True, blank=True)
    debt_to_equity = models.DecimalField(**RATIO_DIGITS, null=True, blank=True)
    market_cap = models.DecimalField(max_digits=24, decimal_places=2, null=True, blank=True)
    source_import = models.ForeignKey(
        "strategies.FundamentalsImport", on_delete=models.SET_NULL, null=True, blank=True, related_name="rows"
    )

    class Meta:
        ordering = ["instrument", "as_of"]
        verbose_name_plural = "fundamentals"
        constraints = [
            models.UniqueConstraint(fields=["instrument", "as_of"], name="fundamentals_unique_instrument_day")
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.as_of}"


class FundamentalsImport(models.Model):
    """One accepted fundamentals file: who loaded it, its checksum, and how many rows it wrote."""

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.imported_at:%Y-%m-%d})"

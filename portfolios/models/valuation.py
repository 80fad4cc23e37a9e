from django.db import models

from .accounts import CASH_DIGITS, Account


class AccountValue(models.Model):
    """An account's value at the close of one session, materialised so history is never recomputed
    per request. ``net_external_flow`` is that day's deposits and transfers in less withdrawals and
    transfers out (securities at their market value)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="values")
    date = models.DateField()
    cash = models.DecimalField(**CASH_DIGITS)
    market_value = models.DecimalField(**CASH_DIGITS, help_text="Securities only.")
    total_value = models.DecimalField(**CASH_DIGITS)
    cost_basis = models.DecimalField(**CASH_DIGITS)
    net_external_flow = models.DecimalField(**CASH_DIGITS)

    class Meta:
        ordering = ["account", "date"]
        constraints = [models.UniqueConstraint(fields=["account", "date"], name="accountvalue_unique_day")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.date} {self.total_value}"

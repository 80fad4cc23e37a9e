from decimal import Decimal

from django.db import models

from ..choices import AccountType, LotReliefMethod, TradingMode
from .households import Client

CASH_DIGITS = {"max_digits": 20, "decimal_places": 2}


class Account(models.Model):
    """A custodial account owned by a client. ``cash`` is materialised from the ledger."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="accounts")
    co_owner = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="co_owned_accounts",
        help_text="The second owner of a joint account.",
    )
    name = models.CharField(max_length=200)
    account_type = models.CharField(max_length=20, choices=AccountType.choices, default=AccountType.TAXABLE)
    trading_mode = models.CharField(max_length=10, choices=TradingMode.choices, default=TradingMode.PAPER)
    broker_account_id = models.CharField(
        max_length=100, blank=True, help_text="The custodian's account id, for live accounts."
    )
    lot_relief_method = models.CharField(max_length=20, choices=LotReliefMethod.choices, default=LotReliefMethod.FIFO)
    model_portfolio = models.ForeignKey(
        "portfolios.ModelPortfolio", on_delete=models.SET_NULL, null=True, blank=True, related_name="accounts"
    )
    cash = models.DecimalField(**CASH_DIGITS, default=Decimal("0.00"))
    currency = models.CharField(max_length=3, default="USD")
    opened_on = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

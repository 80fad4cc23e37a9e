"""Rebalance proposals: the trades an account needs to get back to its model, stored for review.

A proposal is advice, not an order: an advisor accepts or rejects it, and turning an accepted one
into orders belongs to trading. A newer proposal for the same account supersedes the open ones.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models

from marketdata.models import PRICE_DIGITS, Instrument

from ..choices import ProposalStatus, RebalanceMode, TradeSide
from .accounts import CASH_DIGITS, Account
from .ledger import QUANTITY_DIGITS
from .model_portfolios import ModelPortfolio


class RebalanceProposal(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="rebalance_proposals")
    model_portfolio = models.ForeignKey(ModelPortfolio, on_delete=models.PROTECT, related_name="proposals")
    mode = models.CharField(max_length=20, choices=RebalanceMode.choices)
    parameters = models.JSONField(
        default=dict,
        blank=True,
        help_text="min_trade, cash_buffer, fractional, tax_aware, raise_amount, commission, slippage_bps.",
    )
    status = models.CharField(max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # {"SYMBOL": "0.250000", ..., "CASH": "0.020000"}: weights of the account's total value.
    target_weights = models.JSONField(default=dict, blank=True)
    before_weights = models.JSONField(default=dict, blank=True)
    after_weights = models.JSONField(default=dict, blank=True)
    total_value = models.DecimalField(**CASH_DIGITS, default=Decimal("0.00"))
    cash_before = models.DecimalField(**CASH_DIGITS, default=Decimal("0.00"))
    cash_after = models.DecimalField(**CASH_DIGITS, default=Decimal("0.00"))
    estimated_cost = models.DecimalField(**CASH_DIGITS, default=Decimal("0.00"))
    estimated_short_term_gain = models.DecimalField(**CASH_DIGITS, default=Decimal("0.00"))
    estimated_long_term_gain = models.DecimalField(**CASH_DIGITS, default=Decimal("0.00"))
    prices_as_of = models.DateField(null=True, blank=True, help_text="The oldest close the proposal priced with.")
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "status"])]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} for {self.account_id} ({self.get_status_display()})"

    @property
    def estimated_realized_gain(self) -> Decimal:
        return self.estimated_short_term_gain + self.estimated_long_term_gain

    @property
    def is_open(self) -> bool:
        return self.status == ProposalStatus.PROPOSED


class ProposalTrade(models.Model):
    proposal = models.ForeignKey(RebalanceProposal, on_delete=models.CASCADE, related_name="trades")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=4, choices=TradeSide.choices)
    quantity = models.DecimalField(**QUANTITY_DIGITS)
    price = models.DecimalField(**PRICE_DIGITS)
    notional = models.DecimalField(**CASH_DIGITS)
    estimated_cost = models.DecimalField(**CASH_DIGITS, default=Decimal("0.00"))
    # Sells only: [{"lot": id, "acquired_on": "YYYY-MM-DD", "quantity": "…", "cost_basis": "…",
    # "proceeds": "…", "gain": "…", "term": "short"|"long"}], in the order the lots are relieved.
    lots = models.JSONField(default=list, blank=True)
    estimated_short_term_gain = models.DecimalField(**CASH_DIGITS, default=Decimal("0.00"))
    estimated_long_term_gain = models.DecimalField(**CASH_DIGITS, default=Decimal("0.00"))
    reason = models.CharField(max_length=300, blank=True)
    sequence = models.PositiveIntegerField(default=0, help_text="Sells come before buys.")

    class Meta:
        ordering = ["proposal", "sequence", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="proposaltrade_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()} {self.quantity} {self.instrument_id}"

    @property
    def estimated_realized_gain(self) -> Decimal:
        return self.estimated_short_term_gain + self.estimated_long_term_gain

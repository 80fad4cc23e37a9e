"""The ledger: transactions are the source of truth; lots and positions are materialised from them."""

from decimal import Decimal

from django.conf import settings
from django.db import models

from marketdata.models import PRICE_DIGITS, Instrument

from ..choices import HoldingTerm, LotReliefMethod, TransactionKind
from .accounts import CASH_DIGITS, Account

QUANTITY_DIGITS = {"max_digits": 24, "decimal_places": 8}


class Transaction(models.Model):
    """One append-only ledger entry. ``amount`` is its signed effect on the account's cash."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="transactions")
    kind = models.CharField(max_length=20, choices=TransactionKind.choices)
    trade_date = models.DateField()
    settle_date = models.DateField(null=True, blank=True)
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, null=True, blank=True, related_name="transactions"
    )
    quantity = models.DecimalField(**QUANTITY_DIGITS, null=True, blank=True)
    price = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)
    fees = models.DecimalField(**CASH_DIGITS, default=Decimal("0.00"))
    amount = models.DecimalField(**CASH_DIGITS, default=Decimal("0.00"))
    # Securities transferred in arrive with their own basis and holding period.
    cost_basis = models.DecimalField(**CASH_DIGITS, null=True, blank=True)
    acquired_on = models.DateField(null=True, blank=True)
    split_numerator = models.PositiveIntegerField(null=True, blank=True)
    split_denominator = models.PositiveIntegerField(null=True, blank=True)
    lot_relief_method = models.CharField(max_length=20, choices=LotReliefMethod.choices, blank=True)
    lot_selection = models.JSONField(
        default=list, blank=True, help_text='Specific-lot relief: [{"lot": id, "quantity": "10"}].'
    )
    description = models.CharField(max_length=300, blank=True)
    external_id = models.CharField(
        max_length=100, blank=True, help_text="The source's id (import file, broker fill), to refuse duplicates."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "trade_date", "id"]
        indexes = [
            models.Index(fields=["account", "trade_date"]),
            models.Index(fields=["account", "kind"]),
            models.Index(fields=["account", "instrument", "trade_date"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_id"],
                condition=~models.Q(external_id=""),
                name="transaction_unique_external_id_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.trade_date} {self.amount}"


class Lot(models.Model):
    """Shares acquired together. ``remaining_quantity`` falls as sells relieve it; zero means closed."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lots")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="lots")
    opening_transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="opened_lots")
    acquired_on = models.DateField()
    quantity = models.DecimalField(**QUANTITY_DIGITS, help_text="Shares when opened, adjusted for later splits.")
    remaining_quantity = models.DecimalField(**QUANTITY_DIGITS)
    cost_basis = models.DecimalField(**CASH_DIGITS, help_text="Cost of the remaining shares.")

    class Meta:
        ordering = ["account", "instrument", "acquired_on", "id"]
        indexes = [models.Index(fields=["account", "instrument", "acquired_on"])]

    def __str__(self) -> str:
        return f"Lot {self.pk}: {self.remaining_quantity} {self.instrument_id} from {self.acquired_on}"

    @property
    def is_open(self) -> bool:
        return self.remaining_quantity > 0


class LotRelief(models.Model):
    """The part of a lot a sell (or transfer out) closed, with the gain it realised."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="reliefs")
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="lot_reliefs")
    quantity = models.DecimalField(**QUANTITY_DIGITS)
    proceeds = models.DecimalField(**CASH_DIGITS)
    cost_basis = models.DecimalField(**CASH_DIGITS)
    realized_gain = models.DecimalField(**CASH_DIGITS)
    closed_on = models.DateField()
    term = models.CharField(max_length=10, choices=HoldingTerm.choices)

    class Meta:
        ordering = ["closed_on", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} of lot {self.lot_id} on {self.closed_on}"


class Position(models.Model):
    """The sum of an account's open lots in one instrument, kept for fast reads."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="positions")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="positions")
    quantity = models.DecimalField(**QUANTITY_DIGITS)
    cost_basis = models.DecimalField(**CASH_DIGITS)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "instrument"]
        constraints = [
            models.UniqueConstraint(fields=["account", "instrument"], name="position_unique_account_instrument"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.instrument_id}"

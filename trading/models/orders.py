"""Orders, their status history and their executions.

An order is also the adviser's order memorandum (SEC Rule 204-2(a)(3)): who recommended it
(``recommended_by``), who placed it (``placed_by``), the account, when it was entered
(``created_at``), changed (``replaces`` / the transitions) or canceled (``canceled_at``), the
executing broker (``broker``) and whether it was discretionary (``discretionary``).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from marketdata.models import PRICE_DIGITS, Instrument
from portfolios.models import Account
from portfolios.models.accounts import CASH_DIGITS
from portfolios.models.ledger import QUANTITY_DIGITS

from ..choices import BrokerName, OrderSide, OrderSource, OrderStatus, OrderType, TimeInForce, TransitionCause

PERCENT_DIGITS = {"max_digits": 9, "decimal_places": 4}

# Statuses in which an order may still trade or change (Alpaca's "open" orders, plus queued).
OPEN_STATUSES = frozenset(
    {
        OrderStatus.QUEUED,
        OrderStatus.PENDING_NEW,
        OrderStatus.ACCEPTED,
        OrderStatus.NEW,
        OrderStatus.ACCEPTED_FOR_BIDDING,
        OrderStatus.PENDING_REVIEW,
        OrderStatus.HELD,
        OrderStatus.CALCULATED,
        OrderStatus.STOPPED,
        OrderStatus.SUSPENDED,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.PENDING_CANCEL,
        OrderStatus.PENDING_REPLACE,
        OrderStatus.DONE_FOR_DAY,
    }
)


def new_client_order_id() -> str:
    """Unique across every environment that may share one broker account; fixed when the row is inserted."""
    return f"vp-{uuid.uuid4().hex}"


class Order(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="orders")
    # The account's firm, copied at entry: kill switches, statistics and scoping filter on it.
    firm = models.ForeignKey("accounts.Firm", on_delete=models.PROTECT, related_name="+")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="orders")
    client_order_id = models.CharField(max_length=64, unique=True, default=new_client_order_id, editable=False)
    broker_order_id = models.CharField(max_length=64, blank=True, db_index=True)
    broker = models.CharField(max_length=20, choices=BrokerName.choices)

    side = models.CharField(max_length=4, choices=OrderSide.choices)
    order_type = models.CharField(max_length=20, choices=OrderType.choices)
    time_in_force = models.CharField(max_length=4, choices=TimeInForce.choices)
    qty = models.DecimalField(**QUANTITY_DIGITS, null=True, blank=True)
    notional = models.DecimalField(**CASH_DIGITS, null=True, blank=True)
    limit_price = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)
    stop_price = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)
    trail_price = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)
    trail_percent = models.DecimalField(**PERCENT_DIGITS, null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Good till date: a GTC order is expired by the schedule at this time."
    )

    status = models.CharField(max_length=24, choices=OrderStatus.choices, default=OrderStatus.QUEUED)
    filled_qty = models.DecimalField(**QUANTITY_DIGITS, default=Decimal("0"))
    filled_avg_price = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)

    # The last price when the order was entered: the benchmark of slippage statistics.
    arrival_price = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)
    # The price a buy's open commitment is counted at (buying power); see trading.risk.
    reserve_price = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)

    replaces = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replacements")
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for orders placed by the system (e.g. a strategy).",
    )
    discretionary = models.BooleanField(default=False)
    source = models.CharField(max_length=20, choices=OrderSource.choices, default=OrderSource.TICKET)
    note = models.CharField(max_length=500, blank=True, help_text="The memorandum's reason for the order.")
    proposal_trade = models.ForeignKey(
        "portfolios.ProposalTrade", on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )

    idempotency_key = models.CharField(max_length=200, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the normalised request.")

    # Dispatch bookkeeping: how many broker calls were tried and what went wrong last.
    dispatch_attempts = models.PositiveIntegerField(default=0)
    last_error_code = models.CharField(max_length=64, blank=True)
    last_error_message = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When a queued order is next tried (after a transient failure)."
    )
    reject_reason = models.CharField(max_length=500, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="When the broker first acknowledged it.")
    accepted_at = models.DateTimeField(null=True, blank=True)
    filled_at = models.DateTimeField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "status"]),
            models.Index(fields=["firm", "created_at"]),
            models.Index(fields=["status", "broker"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["placed_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="order_unique_idempotency_key_per_user",
            ),
            models.CheckConstraint(
                condition=(Q(qty__isnull=False) & Q(notional__isnull=True))
                | (Q(qty__isnull=True) & Q(notional__isnull=False)),
                name="order_qty_xor_notional",
            ),
            models.CheckConstraint(condition=Q(qty__isnull=True) | Q(qty__gt=0), name="order_qty_positive"),
            models.CheckConstraint(
                condition=Q(notional__isnull=True) | Q(notional__gt=0), name="order_notional_positive"
            ),
            models.CheckConstraint(condition=Q(filled_qty__gte=0), name="order_filled_qty_not_negative"),
        ]

    def __str__(self) -> str:
        amount = self.qty if self.qty is not None else f"${self.notional}"
        return f"{self.side} {amount} {self.instrument_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def remaining_qty(self) -> Decimal | None:
        return None if self.qty is None else max(self.qty - self.filled_qty, Decimal("0"))


class OrderTransition(models.Model):
    """One status change of an order: when, why, who. Append-only; written only by the state machine."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=24, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=OrderStatus.choices)
    cause = models.CharField(max_length=24, choices=TransitionCause.choices)
    event = models.CharField(max_length=40, blank=True, help_text="The broker's event name, for trade updates.")
    source = models.CharField(max_length=40, blank=True, help_text="Where the news came from (stream, simulator …).")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["order", "at", "id"]
        indexes = [models.Index(fields=["order", "at"])]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status or '∅'} → {self.to_status}"


class Fill(models.Model):
    """One execution, booked in the ledger as ``transaction`` (empty with ``booking_error`` if refused)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="fills")
    execution_id = models.CharField(max_length=128, unique=True)
    qty = models.DecimalField(**QUANTITY_DIGITS)
    price = models.DecimalField(**PRICE_DIGITS)
    at = models.DateTimeField()
    transaction = models.OneToOneField(
        "portfolios.Transaction", on_delete=models.PROTECT, null=True, blank=True, related_name="fill"
    )
    booking_error = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(qty__gt=0), name="fill_qty_positive"),
            models.CheckConstraint(condition=Q(price__gt=0), name="fill_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.qty} @ {self.price} ({self.execution_id})"

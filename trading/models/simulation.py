"""The paper simulator's own book: the orders it holds (the broker's side of paper orders) and the
trade updates it owes us (an outbox delivered in order, after commit, until acknowledged).

Only ``trading.brokers.simulator*`` writes these rows. Our ``Order`` is linked by ``client_order_id``
and ``broker_order_id`` (= ``SimulatedOrder.id``), exactly as an Alpaca order is.
"""

import uuid
from decimal import Decimal

from django.db import models
from django.db.models import Q

from marketdata.models import PRICE_DIGITS, Instrument
from portfolios.models.accounts import CASH_DIGITS
from portfolios.models.ledger import QUANTITY_DIGITS

from .orders import PERCENT_DIGITS

# Sum of qty * price: 8 + 4 decimals, exact.
VALUE_DIGITS = {"max_digits": 32, "decimal_places": 12}


class SimulatedOrderStatus(models.TextChoices):
    ACCEPTED = "accepted", "Accepted (not yet at the simulated market)"
    NEW = "new", "New"
    PARTIALLY_FILLED = "partially_filled", "Partially filled"
    FILLED = "filled", "Filled"
    CANCELED = "canceled", "Canceled"
    EXPIRED = "expired", "Expired"
    REPLACED = "replaced", "Replaced"


SIMULATED_OPEN = (SimulatedOrderStatus.ACCEPTED, SimulatedOrderStatus.NEW, SimulatedOrderStatus.PARTIALLY_FILLED)


class SimulatedOrder(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client_order_id = models.CharField(max_length=64, unique=True)
    broker_account_id = models.CharField(max_length=100, db_index=True, help_text="Our account's id.")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    symbol = models.CharField(max_length=20)
    side = models.CharField(max_length=4)
    order_type = models.CharField(max_length=20)
    time_in_force = models.CharField(max_length=4)
    qty = models.DecimalField(**QUANTITY_DIGITS, null=True, blank=True)
    notional = models.DecimalField(**CASH_DIGITS, null=True, blank=True)
    limit_price = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)
    stop_price = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)
    trail_price = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)
    trail_percent = models.DecimalField(**PERCENT_DIGITS, null=True, blank=True)

    # The first session the order may trade in, when that session closes (a DAY order's end) and when
    # a DAY order whose session brought no bar is expired by the clock (the next session's open).
    session = models.DateField()
    session_close = models.DateTimeField(null=True, blank=True)
    expire_after = models.DateTimeField(null=True, blank=True)

    status = models.CharField(max_length=20, choices=SimulatedOrderStatus.choices, default="accepted")
    filled_qty = models.DecimalField(**QUANTITY_DIGITS, default=Decimal("0"))
    filled_value = models.DecimalField(**VALUE_DIGITS, default=Decimal("0"))
    executions = models.PositiveIntegerField(default=0)
    triggered = models.BooleanField(default=False, help_text="A stop, stop-limit or trailing stop has triggered.")
    water_mark = models.DecimalField(
        **PRICE_DIGITS, null=True, blank=True, help_text="A trailing stop's high-water (sell) or low-water (buy) mark."
    )
    arrived = models.BooleanField(default=False, help_text="The order has met the market once (on arrival).")
    last_bar_date = models.DateField(null=True, blank=True, help_text="The last daily bar the order has met.")
    reason = models.CharField(max_length=200, blank=True, help_text="Why the order ended (canceled, expired).")

    replaces = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by")
    submitted_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["submitted_at"]
        indexes = [
            models.Index(
                fields=["instrument", "last_bar_date"], name="simorder_resting", condition=Q(status__in=SIMULATED_OPEN)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(qty__isnull=False) & Q(notional__isnull=True))
                | (Q(qty__isnull=True) & Q(notional__isnull=False)),
                name="simorder_qty_xor_notional",
            ),
            models.CheckConstraint(condition=Q(filled_qty__gte=0), name="simorder_filled_qty_not_negative"),
        ]

    def __str__(self) -> str:
        amount = self.qty if self.qty is not None else f"${self.notional}"
        return f"sim {self.side} {amount} {self.symbol} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in SIMULATED_OPEN

    @property
    def filled_avg_price(self) -> Decimal | None:
        if not self.filled_qty:
            return None
        return (self.filled_value / self.filled_qty).quantize(Decimal("0.000001"))


class SimulatedEvent(models.Model):
    """One trade update the simulator owes us, with the order as it stood right after the event."""

    order = models.ForeignKey(SimulatedOrder, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(max_length=30)
    at = models.DateTimeField()
    execution_id = models.CharField(max_length=128, blank=True)
    qty = models.DecimalField(**QUANTITY_DIGITS, null=True, blank=True)
    price = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)
    reference_price = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)
    slippage_bps = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    # The order's state after the event (the ``order`` of Alpaca's trade update).
    order_status = models.CharField(max_length=20)
    filled_qty = models.DecimalField(**QUANTITY_DIGITS)
    filled_avg_price = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)

    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]
        indexes = [
            models.Index(fields=["order", "id"], name="simevent_pending", condition=Q(delivered_at__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["execution_id"], condition=~Q(execution_id=""), name="simevent_unique_execution"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.order_id} at {self.at:%Y-%m-%d %H:%M:%S}"

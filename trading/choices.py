"""Choices of the trading domain. Order statuses are Alpaca's, plus one local state (``queued``).

``queued``: the order is persisted (its ``client_order_id`` fixed) but no broker has acknowledged it
yet — it is waiting for its dispatch task, for a transient retry, or for the broker's circuit breaker
to close. It is visible as queued on the blotter. The allowed moves between statuses live in one
table, ``trading.state_machine.TRANSITIONS``.
"""

from django.db import models


class OrderStatus(models.TextChoices):
    QUEUED = "queued", "Queued (not yet at the broker)"
    PENDING_NEW = "pending_new", "Pending new"
    ACCEPTED = "accepted", "Accepted"
    NEW = "new", "New"
    ACCEPTED_FOR_BIDDING = "accepted_for_bidding", "Accepted for bidding"
    PENDING_REVIEW = "pending_review", "Pending review"
    HELD = "held", "Held"
    CALCULATED = "calculated", "Calculated"
    STOPPED = "stopped", "Stopped"
    SUSPENDED = "suspended", "Suspended"
    PARTIALLY_FILLED = "partially_filled", "Partially filled"
    PENDING_CANCEL = "pending_cancel", "Pending cancel"
    PENDING_REPLACE = "pending_replace", "Pending replace"
    DONE_FOR_DAY = "done_for_day", "Done for day"
    FILLED = "filled", "Filled"
    CANCELED = "canceled", "Canceled"
    EXPIRED = "expired", "Expired"
    REPLACED = "replaced", "Replaced"
    REJECTED = "rejected", "Rejected"


class OrderSide(models.TextChoices):
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"


class OrderType(models.TextChoices):
    MARKET = "market", "Market"
    LIMIT = "limit", "Limit"
    STOP = "stop", "Stop"
    STOP_LIMIT = "stop_limit", "Stop limit"
    TRAILING_STOP = "trailing_stop", "Trailing stop"


class TimeInForce(models.TextChoices):
    DAY = "day", "Day"
    GTC = "gtc", "Good till canceled"
    IOC = "ioc", "Immediate or cancel"
    FOK = "fok", "Fill or kill"
    OPG = "opg", "At the open"
    CLS = "cls", "At the close"


class BrokerName(models.TextChoices):
    SIMULATOR = "simulator", "Paper simulator"
    ALPACA = "alpaca", "Alpaca"


class OrderSource(models.TextChoices):
    TICKET = "ticket", "Order ticket"
    API = "api", "API"
    PROPOSAL = "proposal", "Rebalance proposal"
    STRATEGY = "strategy", "Strategy"
    ADMIN = "admin", "Admin"


class TransitionCause(models.TextChoices):
    """Why a status changed: who or what said so."""

    CREATED = "created", "Entered"
    BROKER_RESPONSE = "broker_response", "Broker's answer to a request"
    TRADE_UPDATE = "trade_update", "Broker's trade update"
    CANCEL_REQUEST = "cancel_request", "Cancel requested"
    REPLACE_REQUEST = "replace_request", "Replace requested"
    EXPIRY = "expiry", "Expired by the schedule"
    RECONCILE = "reconcile", "Reconciliation with the broker"
    DISPATCH_FAILED = "dispatch_failed", "Dispatch failed for good"
    OPERATOR = "operator", "Operator"


class KillSwitchState(models.TextChoices):
    ACTIVE = "active", "Active (trading allowed)"
    HALTED = "halted", "Halted (no new orders)"
    REDUCING = "reducing", "Reducing (only orders that reduce a position)"


class BreakerState(models.TextChoices):
    CLOSED = "closed", "Closed (orders go through)"
    OPEN = "open", "Open (new orders wait as queued)"
    HALF_OPEN = "half_open", "Half-open (one trial call)"


class AlertSeverity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class AlertKind(models.TextChoices):
    BREAKER_OPEN = "breaker_open", "Broker circuit breaker open"
    BREAKER_CLOSED = "breaker_closed", "Broker circuit breaker closed"
    DISPATCH_FAILED = "dispatch_failed", "Order could not be dispatched"
    FILL_NOT_BOOKED = "fill_not_booked", "Fill could not be booked in the ledger"
    RECONCILE_MISMATCH = "reconcile_mismatch", "Broker and our records differ"
    ILLEGAL_TRANSITION = "illegal_transition", "Broker reported an impossible status change"
    UNKNOWN_ORDER = "unknown_order", "Broker reported an order we do not know"


class ProposalDecisionKind(models.TextChoices):
    APPROVED = "approved", "Approved"
    PARTIALLY_APPROVED = "partially_approved", "Approved line by line"
    REJECTED = "rejected", "Rejected"

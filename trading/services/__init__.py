"""Writes of the trading domain. Every one is a keyword-only function, one transaction, audited."""

from .alerts import raise_alert, resolve_alert
from .controls import set_kill_switch
from .dispatch import dispatch_order
from .order_changes import cancel_order, replace_order
from .orders import BrokerUnavailableError, resolve_instrument, submit_order
from .proposals import approve_proposal, reject_proposal
from .updates import apply_trade_update

__all__ = [
    "BrokerUnavailableError",
    "apply_trade_update",
    "approve_proposal",
    "cancel_order",
    "dispatch_order",
    "raise_alert",
    "reject_proposal",
    "replace_order",
    "resolve_alert",
    "resolve_instrument",
    "set_kill_switch",
    "submit_order",
]

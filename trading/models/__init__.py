"""Trading models, one module per aggregate. Every module of the package is imported here."""

from .alerts import OperatorAlert
from .controls import BrokerCircuit, KillSwitch, RiskLimit
from .orders import OPEN_STATUSES, Fill, Order, OrderTransition
from .proposals import ProposalDecision
from .simulation import SimulatedEvent, SimulatedOrder

__all__ = [
    "OPEN_STATUSES",
    "BrokerCircuit",
    "Fill",
    "KillSwitch",
    "OperatorAlert",
    "Order",
    "OrderTransition",
    "ProposalDecision",
    "RiskLimit",
    "SimulatedEvent",
    "SimulatedOrder",
]

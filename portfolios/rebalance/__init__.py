"""Rebalancing: a pure engine over plain values (``engine.rebalance``) and the rules it shares."""

from .engine import rebalance, trade_cost
from .types import (
    CASH_KEY,
    Bands,
    Holding,
    LotSale,
    OpenLot,
    Parameters,
    ProposedTrade,
    RebalanceInput,
    RebalanceResult,
    Target,
)

__all__ = [
    "CASH_KEY",
    "Bands",
    "Holding",
    "LotSale",
    "OpenLot",
    "Parameters",
    "ProposedTrade",
    "RebalanceInput",
    "RebalanceResult",
    "Target",
    "rebalance",
    "trade_cost",
]

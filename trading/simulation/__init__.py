"""Pure order matching for the paper simulator: no Django, no database, no clock, no sleeping.

``matching`` explains the rules (arrival against the last price, the intra-bar path of ``path``,
triggers, time in force, partial fills under the participation cap), ``pricing`` the slippage model.
The broker (``trading.brokers.simulator``) persists ``OrderState`` and turns ``SimEvent`` values into
trade updates.
"""

from .matching import arrival_time, cancel, clip_path, expire, on_arrival, on_bar, trailing_stop_level
from .path import bar_path, session_times
from .types import Bar, Execution, OrderSpec, OrderState, PathPoint, Quote, SimConfig, SimEvent, spec_problems

__all__ = [
    "Bar",
    "Execution",
    "OrderSpec",
    "OrderState",
    "PathPoint",
    "Quote",
    "SimConfig",
    "SimEvent",
    "arrival_time",
    "bar_path",
    "cancel",
    "clip_path",
    "expire",
    "on_arrival",
    "on_bar",
    "session_times",
    "spec_problems",
    "trailing_stop_level",
]

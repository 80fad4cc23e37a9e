"""The backtester: ``run_backtest(BacktestConfig.from_dict(...), panel)`` -> BacktestResult."""

from .config import AdaptiveRule, BacktestConfig, BreakerSettings, HybridSettings, RegimeSettings
from .engine import run_backtest
from .preparation import prepare, required_history
from .result import BacktestResult

__all__ = [
    "AdaptiveRule",
    "BacktestConfig",
    "BacktestResult",
    "BreakerSettings",
    "HybridSettings",
    "RegimeSettings",
    "prepare",
    "required_history",
    "run_backtest",
]

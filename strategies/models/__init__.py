from .assignments import StrategyAssignment, TargetSnapshot
from .fundamentals import Fundamentals, FundamentalsImport
from .runs import BacktestRun, RegimeSpan, Sweep
from .strategy import Strategy

__all__ = [
    "BacktestRun",
    "Fundamentals",
    "FundamentalsImport",
    "RegimeSpan",
    "Strategy",
    "StrategyAssignment",
    "Sweep",
    "TargetSnapshot",
]

"""Walk-forward analysis: rolling train/test windows; parameters are chosen on each train part and only
the test parts are reported, stitched together.

Windows: the first train part starts at bar ``warmup_bars`` (the bars before it are its look-back
history); train = [a, a + train_bars), test = [a + train_bars, a + train_bars + test_bars) (the last
test part may be shorter); then a moves on by test_bars. Every part is run as its own backtest over the
panel from ``warmup_bars`` before its start, so its first rebalance falls on its first bar and it never
sees a price after its end. On each train part every combination of the grid (dotted config keys ->
values) is backtested and the one with the best ``rank_by`` metric (ties: the first in grid order; NaN
ranks last) runs on the following test part. Each test part starts from cash (its entry costs count)
and the stitched curve chains the test parts' daily returns from the initial cash. Regimes are
classified once over the whole panel (each bar from the history up to it), so a part's regimes do not
depend on where it starts; out-of-sample win rate by regime pools the test parts' closed positions.
"""

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np

from reporting import metrics as metric_module

from . import regimes
from .backtest import BacktestConfig, run_backtest
from .backtest.result import ROBUSTNESS_MIN_CLOSED, json_metric
from .constants import REGIME_NAMES, regime_name
from .errors import EngineError
from .panel import PriceDataError, PricePanel

RANKABLE = ("sharpe", "sortino", "cagr", "total_return", "calmar")


def grid_combinations(grid: dict[str, list]) -> list[dict]:
    if not isinstance(grid, dict) or not grid:
        return [{}]
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise EngineError(
                "invalid_grid",
                f"Grid key {key!r} needs a non-empty list of values.",
                fields={f"grid.{key}": "needs a non-empty list"},
            )
    keys = list(grid)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(grid[k] for k in keys))]


@dataclass(frozen=True, eq=False)
class WalkForwardResult:
    config: BacktestConfig
    panel: PricePanel
    windows: list
    stitched_dates: np.ndarray
    stitched_equity: np.ndarray
    metrics: dict
    closed_returns: np.ndarray
    closed_regimes: np.ndarray
    engine_seconds: float
    grid: dict
    rank_by: str

    @property
    def final_equity(self) -> float:
        return float(self.stitched_equity[-1]) if len(self.stitched_equity) else float(self.config.initial_cash)

    def win_rate_by_regime(self) -> dict:
        out = {}
        wins = self.closed_returns > 0
        for code, name in [*enumerate(REGIME_NAMES), (-1, "unknown")]:
            mask = self.closed_regimes == code
            total = int(mask.sum())
            if code == -1 and total == 0:
                continue
            won = int(wins[mask].sum())
            out[name] = {"closed": total, "wins": won, "win_rate": won / total if total else None}
        return out

    def robustness(self) -> dict:
        rates = {
            name: row["win_rate"]
            for name, row in self.win_rate_by_regime().items()
            if name != "unknown" and row["closed"] >= ROBUSTNESS_MIN_CLOSED
        }
        total = len(self.closed_returns)
        base = {
            "regimes_counted": sorted(rates),
            "min_closed": ROBUSTNESS_MIN_CLOSED,
            "overall_win_rate": float((self.closed_returns > 0).mean()) if total else None,
            "closed_positions": total,
        }
        if len(rates) < 2:
            return {
                **base,
                "spread_pp": None,
                "best": None,
                "worst": None,
                "note": "needs at least two regimes with enough closed positions",
            }
        best, worst = max(rates, key=rates.get), min(rates, key=rates.get)
        return {**base, "spread_pp": 100.0 * (rates[best] - rates[worst]), "best": best, "worst": worst}

    def to_dict(self) -> dict:
        return {
            "final_equity": self.final_equity,
            "initial_cash": float(self.config.initial_cash),
            "equity_curve": [
                [d, float(v)]
                for d, v in zip(self.stitched_dates.astype(str).tolist(), self.stitched_equity.tolist(), strict=True)
            ],
            "metrics": {k: json_metric(v) for k, v in self.metrics.items()},
            "windows": self.windows,
            "win_rate_by_regime": self.win_rate_by_regime(),
            "robustness": self.robustness(),
            "grid": self.grid,
            "rank_by": self.rank_by,
            "config": self.config.to_dict(),
            "data": {
                "start": str(self.panel.dates[0]),
                "end": str(self.panel.dates[-1]),
                "bars": int(self.panel.bars),
                "symbols": len(self.panel.symbols),
                "benchmark": self.panel.benchmark_symbol,
                "test_start": str(self.stitched_dates[0]) if len(self.stitched_dates) else None,
            },
            "engine_seconds": self.engine_seconds,
        }


def _score(result, rank_by: str) -> float:
    value = result.metrics.get(rank_by, math.nan)
    return float(value) if value is not None and math.isfinite(value) else -math.inf


def run_walk_forward(
    config: BacktestConfig,
    panel: PricePanel,
    *,
    grid: dict[str, list],
    train_bars: int,
    test_bars: int,
    progress=None,
    rank_by: str = "sharpe",
) -> WalkForwardResult:
    started = time.perf_counter()
    if rank_by not in RANKABLE:
        raise EngineError(
            "invalid_grid", f"rank_by must be one of {', '.join(RANKABLE)}.", fields={"rank_by": "unknown metric"}
        )
    if train_bars < config.every_bars + 2 or test_bars < 2:
        raise EngineError(
            "invalid_windows",
            "train_bars must cover at least one rebalance period and test_bars at least 2 bars.",
            fields={"train_bars": f"must be at least {config.every_bars + 2}", "test_bars": "must be at least 2"},
        )
    combos = grid_combinations(grid)
    candidates = [config.with_overrides(c) for c in combos]
    warmup = max(c.warmup_bars for c in candidates)
    bars = panel.bars
    if warmup + train_bars + 1 >= bars:
        raise PriceDataError(
            [
                f"too little history: {bars} dates; warm-up {warmup} + train {train_bars} + a test part "
                f"need at least {warmup + train_bars + 2}"
            ],
            code="too_little_history",
        )
    starts = list(range(warmup, bars - train_bars - 1, test_bars))
    total = len(starts) * (len(candidates) + 1)
    done = 0
    closes, source = regimes.regime_benchmark(panel)
    full_regimes = regimes.classify(closes, config.regimes, source=source)

    def part(cfg, start, stop):
        lo = start - cfg.warmup_bars
        window = panel.window(lo, stop)
        sliced = regimes.RegimeSeries(
            full_regimes.codes[lo:stop], full_regimes.volatility[lo:stop], full_regimes.percentile[lo:stop], source
        )
        return run_backtest(cfg, window, regime_series=sliced), lo

    windows, pieces, closed_returns, closed_regimes = [], [], [], []
    level = float(config.initial_cash)
    for a in starts:
        test_start = a + train_bars
        test_end = min(test_start + test_bars, bars)
        scores = []
        for cfg in candidates:
            result, _ = part(cfg, a, test_start)
            scores.append(_score(result, rank_by))
            done += 1
            if progress is not None:
                progress(done, total)
        best = int(np.argmax(scores))
        chosen = candidates[best]
        result, lo = part(chosen, test_start, test_end)
        done += 1
        if progress is not None:
            progress(done, total)
        first = result.first_rebalance_bar
        curve = result.equity[first:] / float(chosen.initial_cash)
        pieces.append((panel.dates[lo + first : test_end], level * curve))
        level = float(level * curve[-1])
        codes = full_regimes.codes
        closed_returns.append(result.closed.returns)
        closed_regimes.append(
            codes[lo + result.closed.entry_bar] if len(result.closed.entry_bar) else np.zeros(0, dtype=np.int8)
        )
        windows.append(
            {
                "train_start": str(panel.dates[a]),
                "train_end": str(panel.dates[test_start - 1]),
                "test_start": str(panel.dates[test_start]),
                "test_end": str(panel.dates[test_end - 1]),
                "chosen": combos[best],
                "train_score": None if not math.isfinite(scores[best]) else scores[best],
                "train_scores": [None if not math.isfinite(s) else s for s in scores],
                "test_return": float(curve[-1] - 1.0),
                "test_sharpe": json_metric(result.metrics.get("sharpe")),
                "test_regime_at_start": regime_name(int(codes[test_start])),
            }
        )
    dates = np.concatenate([d for d, _ in pieces])
    equity = np.concatenate([e for _, e in pieces])
    # consecutive test parts touch: drop nothing, every bar belongs to exactly one part
    metrics = _stitched_metrics(panel, dates, equity, pieces)
    return WalkForwardResult(
        config=config,
        panel=panel,
        windows=windows,
        stitched_dates=dates,
        stitched_equity=equity,
        metrics=metrics,
        closed_returns=np.concatenate(closed_returns) if closed_returns else np.zeros(0),
        closed_regimes=np.concatenate(closed_regimes) if closed_regimes else np.zeros(0, dtype=np.int8),
        engine_seconds=time.perf_counter() - started,
        grid=grid,
        rank_by=rank_by,
    )


def _stitched_metrics(panel, dates, equity, pieces) -> dict:
    """Daily returns of the stitched curve (the first bar of each test part, its entry, counts as the
    return from the previous part's last value), against the benchmark on the same dates."""
    if len(equity) < 2:
        return {}
    returns = equity[1:] / equity[:-1] - 1.0
    days = dates[1:]
    bench = None
    if panel.benchmark is not None:
        index = np.searchsorted(panel.dates, dates)
        with np.errstate(invalid="ignore", divide="ignore"):
            bench = panel.benchmark[index[1:]] / panel.benchmark[index[:-1]] - 1.0
        if not np.isfinite(bench).any():
            bench = None
    try:
        return metric_module.summary(returns, bench, dates=days)
    except ValueError:
        return metric_module.summary(returns, dates=days)

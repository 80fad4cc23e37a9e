"""Adaptive parameters: what lookback, confidence threshold and position size are in force on each bar.

Rules (config ``regimes.rules``, defaults in strategies.backtest.config.DEFAULT_ADAPTIVE), applied only
when regimes are enabled and ``regimes.adaptive`` is true; otherwise the base values hold on every bar:
- lookback_bars replaces the lookback of momentum_12_1 and low_volatility (the skip month stays): a
  shorter window in turbulent regimes reacts to turns sooner;
- confidence_threshold replaces hybrid.threshold: new positions need more conviction when volatile;
- position_size multiplies every target weight (the rest stays in cash).
An unknown regime (too little benchmark history) uses the normal rule.
"""

from dataclasses import dataclass

import numpy as np

from .constants import NORMAL, REGIME_NAMES, regime_name


@dataclass(frozen=True)
class AdaptiveSeries:
    lookback: np.ndarray  # int (T,)
    threshold: np.ndarray  # (T,)
    position_size: np.ndarray  # (T,)
    adaptive: bool
    base: dict

    def explain(self, bar: int, code: int) -> str:
        if not self.adaptive:
            return "fixed parameters (adaptive rules off)"
        name = regime_name(code)
        rule = "normal" if code < 0 else name
        return (
            f"{name} regime -> {rule} rule: lookback {int(self.lookback[bar])} bars, confidence threshold "
            f"{self.threshold[bar]:g}, position size {self.position_size[bar]:g}"
        )


def parameters_in_force(codes, config, base_lookback: int) -> AdaptiveSeries:
    codes = np.asarray(codes)
    count = len(codes)
    base = {"lookback_bars": base_lookback, "confidence_threshold": config.hybrid.threshold, "position_size": 1.0}
    settings = config.regimes
    if not (settings.enabled and settings.adaptive):
        return AdaptiveSeries(
            lookback=np.full(count, base_lookback, dtype=np.int64),
            threshold=np.full(count, config.hybrid.threshold),
            position_size=np.ones(count),
            adaptive=False,
            base=base,
        )
    rules = [settings.rules[name] for name in REGIME_NAMES]
    index = np.where(codes < 0, NORMAL, codes)
    return AdaptiveSeries(
        lookback=np.array([r.lookback_bars for r in rules], dtype=np.int64)[index],
        threshold=np.array([r.confidence_threshold for r in rules])[index],
        position_size=np.array([r.position_size for r in rules])[index],
        adaptive=True,
        base=base,
    )


def changes(series: AdaptiveSeries, codes, dates) -> list[dict]:
    """The bars where the parameters in force changed: [{date, regime, lookback_bars, confidence_threshold,
    position_size, why}] — with the first bar, enough to tell the values on any date."""
    codes = np.asarray(codes)
    key = np.stack([series.lookback, series.threshold, series.position_size, codes.astype(float)], axis=1)
    if len(codes) == 0:
        return []
    bars = np.concatenate([[0], np.flatnonzero((np.diff(key, axis=0) != 0).any(axis=1)) + 1])
    return [
        {
            "date": str(dates[t]),
            "regime": regime_name(int(codes[t])),
            "lookback_bars": int(series.lookback[t]),
            "confidence_threshold": float(series.threshold[t]),
            "position_size": float(series.position_size[t]),
            "why": series.explain(t, int(codes[t])),
        }
        for t in bars
    ]

"""The factor library, vectorised over a dates x instruments close matrix.

Every factor returns raw scores where a higher score is more attractive, one row per requested bar
(``rows``; every bar when None) and NaN where the history or data is missing. ``zscore`` and
``composite`` turn them into the cross-sectional ranking a strategy trades on.

| name | score on bar t | needs |
|---|---|---|
| momentum_12_1 | close[t-21] / close[t-252] - 1 (lookback and skip adjustable) | 253 bars |
| low_volatility | minus the annualised standard deviation of the last 252 daily log returns | 253 bars |
| value | fundamentals: mean z of book_to_market and earnings_yield; else the proxy below | data or 1,261 bars |
| quality | mean z of return_on_equity, gross_margin and minus debt_to_equity | fundamentals (else FactorNeedsData) |
| size | minus log(market_cap): smaller is more attractive | fundamentals (else FactorNeedsData) |

Value without fundamentals uses long-term reversal as a documented price-based proxy:
-(close[t-252] / close[t-1260] - 1), the return of years 2-5 reversed — past long-run losers trade
cheap against fundamentals (De Bondt-Thaler; Fama-French's 60-13 month reversal factor).
"""

from .library import (
    FACTOR_NAMES,
    FactorNeedsData,
    factor_scores,
    history_needed,
    low_volatility,
    momentum,
    quality,
    size,
    value,
)
from .zscore import composite, zscore

__all__ = [
    "FACTOR_NAMES",
    "FactorNeedsData",
    "composite",
    "factor_scores",
    "history_needed",
    "low_volatility",
    "momentum",
    "quality",
    "size",
    "value",
    "zscore",
]

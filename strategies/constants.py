"""Names and defaults the engine modules share."""

# Regime codes (index into REGIME_NAMES); UNKNOWN marks sessions before the benchmark has enough history.
UNKNOWN, LOW, NORMAL, HIGH, EXTREME = -1, 0, 1, 2, 3
REGIME_NAMES = ("low", "normal", "high", "extreme")
UNKNOWN_NAME = "unknown"

TRADING_DAYS = 252
MONTH_BARS = 21


def regime_name(code: int) -> str:
    return UNKNOWN_NAME if code < 0 else REGIME_NAMES[code]

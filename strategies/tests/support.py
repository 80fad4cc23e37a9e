"""Test data for the strategies app: synthetic daily bars on XNYS sessions, and strategies in a book."""

import datetime as dt
from decimal import Decimal

import numpy as np

from marketdata.calendar import sessions_in_range
from marketdata.models import DailyBar, Instrument

SYMBOLS = ("AAA", "BBB", "CCC", "DDD", "EEE", "FFF")


def make_prices(symbols=SYMBOLS, *, start=dt.date(2020, 1, 2), sessions=320, benchmark="SPX", seed=7):
    """Random-walk closes for ``symbols`` (and the benchmark) on consecutive XNYS sessions."""
    days = sessions_in_range(start, start + dt.timedelta(days=int(sessions * 1.6)))[:sessions]
    rng = np.random.default_rng(seed)
    bars = []
    for index, symbol in enumerate((*symbols, benchmark)):
        instrument, _ = Instrument.objects.get_or_create(
            symbol=symbol,
            defaults={
                "name": symbol,
                "sector": f"Sector {index % 3}",
                "asset_class": "index" if symbol == benchmark else "equity",
            },
        )
        drift = 0.0002 * (index - len(symbols) / 2)
        closes = 50 * np.exp(np.cumsum(drift + 0.01 * rng.standard_normal(len(days))))
        bars += [
            DailyBar(instrument=instrument, date=day, close=Decimal(f"{c:.4f}"), adj_close=Decimal(f"{c:.4f}"))
            for day, c in zip(days, closes, strict=True)
        ]
    DailyBar.objects.bulk_create(bars)
    return days


def strategy_values(**overrides) -> dict:
    values = {
        "name": "Momentum test",
        "universe": list(SYMBOLS),
        "factors": {"momentum_12_1": 1.0},
        "top_n": 3,
        "warmup_bars": 252,
        "rebalance_every": 21,
    }
    values.update(overrides)
    return values


def make_strategy(advisor, **overrides):
    from strategies.models import Strategy

    if not Instrument.objects.filter(symbol="AAA").exists():
        make_prices()
    values = strategy_values(**overrides)
    values.setdefault("firm", advisor.firm)
    values.setdefault("owner", advisor)
    values["name"] = f"{values['name']} {Strategy.objects.count() + 1}"
    return Strategy.objects.create(**values)

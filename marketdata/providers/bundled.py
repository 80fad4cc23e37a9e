"""Daily bars from the real datasets shipped with the product: the offline last resort of the chain."""

import datetime as dt
from decimal import Decimal

from marketdata import bundled

from .base import BarRow


def _optional(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


class BundledProvider:
    name = "bundled"

    def __init__(self, datasets=(bundled.ALL,)):
        self.datasets = bundled.expand(datasets)

    def fetch_daily_bars(self, symbols: list[str], start: dt.date, end: dt.date) -> list[BarRow]:
        wanted = set(symbols)
        first, last = start.isoformat(), end.isoformat()
        rows = [
            BarRow(
                symbol=bar.symbol,
                date=dt.date.fromisoformat(bar.date),
                open=_optional(bar.open),
                high=_optional(bar.high),
                low=_optional(bar.low),
                close=Decimal(bar.close),
                adj_close=Decimal(bar.adj_close),
                volume=None if bar.volume is None else int(bar.volume),
                source=bar.source,
            )
            for dataset in self.datasets
            for bar in bundled.bars(dataset)
            # ISO dates compare as strings: no parsing for the rows left out.
            if bar.symbol in wanted and first <= bar.date <= last
        ]
        rows.sort(key=lambda row: (row.symbol, row.date))
        return rows

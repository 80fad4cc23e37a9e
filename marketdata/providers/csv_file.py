"""Daily bars from a price file ``date,symbol,open,high,low,close,volume[,adj_close]``."""

import datetime as dt
from pathlib import Path

from marketdata.price_csv import parse_price_csv

from .base import BarRow, ProviderError


class CsvFileProvider:
    name = "csv"

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def fetch_daily_bars(self, symbols: list[str], start: dt.date, end: dt.date) -> list[BarRow]:
        try:
            with self.path.open(newline="", encoding="utf-8") as stream:
                parsed = parse_price_csv(stream, known_symbols=None, source=self.name)
        except (OSError, UnicodeDecodeError) as error:
            raise ProviderError(f"Cannot read {self.path.name}: {type(error).__name__}.") from error
        if parsed.errors:
            raise ProviderError(f"{self.path.name} has {len(parsed.errors)} bad line(s), first: {parsed.errors[0]}.")
        wanted = set(symbols)
        rows = [row for row in parsed.rows if row.symbol in wanted and start <= row.date <= end]
        rows.sort(key=lambda row: (row.symbol, row.date))
        return rows

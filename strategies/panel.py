"""The price panel the engine runs on: a dates x symbols matrix of closes, with sectors, optional volumes,
the benchmark's closes and fundamentals aligned to the dates.

Two ways in: ``panel_from_csv`` here (pure, a long ``date,symbol,close[,volume][,sector]`` file) and
``strategies.panel_store.load_panel`` (adjusted closes stored in marketdata, through the ORM). Both
refuse data the engine cannot trust — gaps, duplicates, non-positive prices, unknown symbols, too
little history — with a PriceDataError naming the rows or symbols; nothing is filled in silently.
"""

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .errors import EngineError

MAX_LISTED = 20  # problems quoted in an error message; the full list is on the exception


class PriceDataError(EngineError):
    """Prices the engine cannot use. ``problems`` lists every one ("line 7: ...", "symbol X: ...")."""

    def __init__(self, problems: list[str], *, code: str = "bad_prices"):
        shown = "; ".join(problems[:MAX_LISTED])
        more = f" (and {len(problems) - MAX_LISTED} more)" if len(problems) > MAX_LISTED else ""
        message = f"The prices cannot be used: {shown}{more}."
        super().__init__(code, message, fields={"prices": message})
        self.problems = problems


@dataclass(frozen=True, eq=False)
class PricePanel:
    """dates: datetime64[D] (T,), strictly increasing; close: float (T, N), finite and positive;
    sectors: one label per symbol ("" when unknown); volumes: (T, N) or None; benchmark: closes (T,) of
    ``benchmark_symbol`` (NaN where it has none) or None; fundamentals: field -> (T, N) as-of values (the
    latest figure published on or before each date, NaN when none); notes: what loading decided (e.g.
    symbols left out), shown with results."""

    dates: np.ndarray
    symbols: tuple[str, ...]
    close: np.ndarray
    sectors: tuple[str, ...] = ()
    volumes: np.ndarray | None = None
    benchmark_symbol: str | None = None
    benchmark: np.ndarray | None = None
    fundamentals: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def __post_init__(self):
        dates = np.asarray(self.dates, dtype="datetime64[D]")
        close = np.ascontiguousarray(self.close, dtype=float)
        object.__setattr__(self, "dates", dates)
        object.__setattr__(self, "close", close)
        object.__setattr__(self, "symbols", tuple(self.symbols))
        if not self.sectors:
            object.__setattr__(self, "sectors", ("",) * len(self.symbols))
        if close.ndim != 2 or close.shape != (len(dates), len(self.symbols)):
            raise ValueError(f"close must be dates x symbols, got {close.shape} for {len(dates)} x {len(self.symbols)}")
        if len(self.sectors) != len(self.symbols):
            raise ValueError("one sector per symbol")
        if len(dates) > 1 and not (np.diff(dates) > np.timedelta64(0, "D")).all():
            raise ValueError("dates must be strictly increasing")
        if self.benchmark is not None:
            object.__setattr__(self, "benchmark", np.asarray(self.benchmark, dtype=float))
            if self.benchmark.shape != (len(dates),):
                raise ValueError("one benchmark close per date")

    @property
    def bars(self) -> int:
        return len(self.dates)

    @property
    def start(self) -> dt.date:
        return self.dates[0].astype(dt.date)

    @property
    def end(self) -> dt.date:
        return self.dates[-1].astype(dt.date)

    def date_at(self, bar: int) -> dt.date:
        return self.dates[bar].astype(dt.date)

    def bar_on_or_before(self, day: dt.date) -> int:
        """Index of the last bar dated on or before ``day`` (-1 if none)."""
        return int(np.searchsorted(self.dates, np.datetime64(day, "D"), side="right")) - 1

    def window(self, start: int, stop: int) -> "PricePanel":
        """Bars [start, stop) as a panel of their own."""
        return replace(
            self,
            dates=self.dates[start:stop],
            close=self.close[start:stop],
            volumes=None if self.volumes is None else self.volumes[start:stop],
            benchmark=None if self.benchmark is None else self.benchmark[start:stop],
            fundamentals={k: v[start:stop] for k, v in self.fundamentals.items()},
        )

    def with_fundamentals(self, records: Iterable[tuple[str, dt.date, dict]]) -> "PricePanel":
        return replace(self, fundamentals=align_fundamentals(self.dates, self.symbols, records))


def align_fundamentals(dates, symbols, records: Iterable[tuple[str, dt.date, dict]]) -> dict[str, np.ndarray]:
    """field -> (T, N): from each ``(symbol, as_of, {field: value})`` the latest figure on or before each
    date (no look-ahead). None values are unknown; symbols outside the panel are ignored."""
    column = {symbol: i for i, symbol in enumerate(symbols)}
    dates = np.asarray(dates, dtype="datetime64[D]")
    ordered = sorted((r for r in records if r[0] in column), key=lambda r: (r[0], r[1]))
    out: dict[str, np.ndarray] = {}
    for symbol, as_of, values in ordered:
        first = int(np.searchsorted(dates, np.datetime64(as_of, "D"), side="left"))
        for name, number in values.items():
            if number is None:
                continue
            if name not in out:
                out[name] = np.full((len(dates), len(symbols)), np.nan)
            out[name][first:, column[symbol]] = float(number)
    return out


def missing_dates_problem(symbol: str, missing: np.ndarray) -> str:
    listed = ", ".join(str(d) for d in missing[:3])
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    return f"symbol {symbol}: no price on {listed}{more} (gap in the history)"


def panel_from_csv(
    source,
    *,
    benchmark: str | None = None,
    universe: Iterable[str] | None = None,
    known_symbols: Iterable[str] | None = None,
    min_bars: int = 0,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> PricePanel:
    """A panel from a long CSV ``date,symbol,close`` (optional columns ``volume`` and ``sector``).

    source: a path or an open text file. benchmark: a symbol that, when present in the file, becomes the
    panel's benchmark instead of a tradable column. universe: the symbols the strategy trades — every one
    must be in the file and no other symbol (except the benchmark) may be. known_symbols: when given, a
    symbol outside it is unknown. min_bars: the fewest dates the lookback needs. start/end: keep only
    those dates. Every symbol needs a close on every date of the file.
    """
    text = source if hasattr(source, "read") else open(Path(source), newline="", encoding="utf-8")  # noqa: SIM115
    try:
        return _parse_prices(text, benchmark, universe, known_symbols, min_bars, start, end)
    finally:
        if text is not source:
            text.close()


def _parse_prices(text, benchmark, universe, known_symbols, min_bars, start, end) -> PricePanel:
    reader = csv.reader(text)
    header = [h.strip().lower() for h in next(reader, [])]
    missing_columns = [c for c in ("date", "symbol", "close") if c not in header]
    if missing_columns:
        raise PriceDataError(
            [f"line 1: the header needs the columns date,symbol,close (missing {', '.join(missing_columns)})"]
        )
    i_date, i_symbol, i_close = header.index("date"), header.index("symbol"), header.index("close")
    i_volume = header.index("volume") if "volume" in header else None
    i_sector = header.index("sector") if "sector" in header else None
    width = len(header)
    problems: list[str] = []
    day_cache: dict[str, dt.date | None] = {}
    seen: dict[tuple[str, dt.date], int] = {}
    closes: dict[str, dict[dt.date, float]] = {}
    volumes: dict[str, dict[dt.date, float]] = {}
    sectors: dict[str, str] = {}
    for line, row in enumerate(reader, start=2):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != width:
            problems.append(f"line {line}: expected {width} columns, found {len(row)}")
            continue
        raw_day = row[i_date].strip()
        day = day_cache.get(raw_day, False)
        if day is False:
            try:
                day = dt.date.fromisoformat(raw_day)
            except ValueError:
                day = None
            day_cache[raw_day] = day
        symbol = row[i_symbol].strip().upper()
        if day is None:
            problems.append(f"line {line}: date {raw_day!r} is not YYYY-MM-DD")
            continue
        if not symbol:
            problems.append(f"line {line}: symbol is empty")
            continue
        try:
            close = float(row[i_close])
        except ValueError:
            problems.append(f"line {line}: close {row[i_close]!r} of {symbol} is not a number")
            continue
        if not math.isfinite(close) or close <= 0:
            problems.append(
                f"line {line}: close of {symbol} on {day} must be a positive number (got {row[i_close].strip()})"
            )
            continue
        if (start and day < start) or (end and day > end):
            continue
        key = (symbol, day)
        if key in seen:
            problems.append(f"line {line}: duplicate price for {symbol} on {day} (first on line {seen[key]})")
            continue
        seen[key] = line
        closes.setdefault(symbol, {})[day] = close
        if i_volume is not None and row[i_volume].strip():
            try:
                volumes.setdefault(symbol, {})[day] = float(row[i_volume])
            except ValueError:
                problems.append(f"line {line}: volume {row[i_volume]!r} is not a number")
        if i_sector is not None and row[i_sector].strip():
            sectors.setdefault(symbol, row[i_sector].strip())
    if not closes and not problems:
        problems.append("the file has no prices")
    benchmark = benchmark.upper() if benchmark else None
    tradable = sorted(s for s in closes if s != benchmark)
    if known_symbols is not None:
        known = {s.upper() for s in known_symbols}
        unknown = [s for s in tradable if s not in known]
        if unknown:
            problems.append(f"unknown symbols: {', '.join(unknown[:MAX_LISTED])}")
    if universe:
        wanted = [s.upper() for s in universe]
        absent = [s for s in wanted if s not in closes]
        if absent:
            problems.append(f"symbols of the universe without prices in the file: {', '.join(absent)}")
        extra = [s for s in tradable if s not in set(wanted)]
        if extra:
            problems.append(f"unknown symbols (not in the strategy's universe): {', '.join(extra[:MAX_LISTED])}")
        tradable = [s for s in wanted if s in closes]
    if problems:
        raise PriceDataError(problems)
    all_days = sorted({d for s in tradable for d in closes[s]})
    dates = np.array(all_days, dtype="datetime64[D]")
    matrix = np.full((len(dates), len(tradable)), np.nan)
    position = {d: i for i, d in enumerate(all_days)}
    for j, symbol in enumerate(tradable):
        series = closes[symbol]
        matrix[[position[d] for d in series], j] = list(series.values())
        if len(series) != len(all_days):
            problems.append(missing_dates_problem(symbol, dates[np.isnan(matrix[:, j])]))
    if problems:
        raise PriceDataError(problems, code="price_gaps")
    check_history(len(dates), min_bars)
    volume_matrix = None
    if volumes:
        volume_matrix = np.full(matrix.shape, np.nan)
        for j, symbol in enumerate(tradable):
            for d, v in volumes.get(symbol, {}).items():
                volume_matrix[position[d], j] = v
    bench = None
    if benchmark and benchmark in closes:
        bench = np.array([closes[benchmark].get(d, np.nan) for d in all_days])
    return PricePanel(
        dates=dates,
        symbols=tuple(tradable),
        close=matrix,
        sectors=tuple(sectors.get(s, "") for s in tradable),
        volumes=volume_matrix,
        benchmark_symbol=benchmark if bench is not None else None,
        benchmark=bench,
    )


def check_history(bars: int, min_bars: int) -> None:
    if bars < min_bars:
        raise PriceDataError(
            [f"too little history: {bars} dates, the lookback and warm-up need at least {min_bars}"],
            code="too_little_history",
        )


def panel_from_text(text: str, **kwargs) -> PricePanel:
    return panel_from_csv(io.StringIO(text), **kwargs)

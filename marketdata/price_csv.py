"""Reading a price file ``date,symbol,open,high,low,close,volume[,adj_close]``, with a reason for every bad line.

Pure: the caller passes the symbols it knows (or None to accept any). ``open``, ``high``, ``low`` and
``volume`` may be empty (a source with closes only); ``adj_close`` defaults to ``close``.
"""

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from . import calendar
from .providers.base import BarRow

REQUIRED_COLUMNS = ("date", "symbol", "open", "high", "low", "close", "volume")
OPTIONAL_COLUMNS = ("adj_close",)
# DailyBar prices have 20 digits, 6 after the point.
MAX_PRICE = Decimal("1e14")


@dataclass(frozen=True)
class LineError:
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ParsedPrices:
    rows: list[BarRow] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    symbols: set[str] = field(default_factory=set)


def _price(value: str, column: str, *, required: bool, problems: list[tuple[str, str]]) -> Decimal | None:
    value = value.strip()
    if not value:
        if required:
            problems.append(("required", f"{column} is required"))
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        problems.append(("bad_number", f"{column} {value!r} is not a number"))
        return None
    if not number.is_finite() or number >= MAX_PRICE:
        problems.append(("bad_number", f"{column} {value!r} is not a usable price"))
        return None
    if number <= 0:
        problems.append(("price_not_positive", f"{column} must be greater than zero (got {value})"))
        return None
    return number


def _day(value: str, problems: list[tuple[str, str]]) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        problems.append(("bad_date", f"date {value!r} is not a date (YYYY-MM-DD)"))
        return None
    try:
        session = calendar.is_session(day)
    except ValueError as error:
        problems.append(("bad_date", str(error)))
        return None
    if not session:
        problems.append(("not_a_session", f"{day} is not a NYSE trading session"))
        return None
    return day


def _volume(value: str, problems: list[tuple[str, str]]) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        volume = int(value)
    except ValueError:
        problems.append(("bad_volume", f"volume {value!r} is not a whole number"))
        return None
    if volume < 0:
        problems.append(("bad_volume", "volume cannot be negative"))
        return None
    return volume


def _range_problems(row: BarRow) -> list[tuple[str, str]]:
    if row.high is not None and row.low is not None and row.high < row.low:
        return [("high_below_low", f"high {row.high} is below low {row.low}")]
    problems = []
    for name in ("open", "close"):
        value = getattr(row, name)
        if value is None:
            continue
        if (row.high is not None and value > row.high) or (row.low is not None and value < row.low):
            problems.append(("outside_range", f"{name} {value} is outside the day's low-high range"))
    return problems


def parse_price_csv(lines: Iterable[str], *, known_symbols: set[str] | None, source: str = "csv") -> ParsedPrices:
    """Every valid row and every bad line (line 1 is the header). ``known_symbols=None`` accepts any symbol."""
    result = ParsedPrices()
    reader = csv.reader(lines)
    header = [column.strip().lower() for column in next(reader, [])]
    allowed = (list(REQUIRED_COLUMNS), [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS])
    if header not in allowed:
        expected = ",".join(REQUIRED_COLUMNS)
        result.errors.append(LineError(1, "bad_header", f"the header must be {expected}[,adj_close]"))
        return result
    seen: dict[tuple[str, dt.date], int] = {}
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            result.errors.append(LineError(line, "bad_columns", f"expected {len(header)} columns, got {len(values)}"))
            continue
        cells = dict(zip(header, values, strict=True))
        problems: list[tuple[str, str]] = []
        symbol = cells["symbol"].strip().upper()
        if not symbol:
            problems.append(("required", "symbol is required"))
        elif known_symbols is not None and symbol not in known_symbols:
            problems.append(("unknown_symbol", f"unknown symbol {symbol}"))
        day = _day(cells["date"], problems)
        close = _price(cells["close"], "close", required=True, problems=problems)
        adj_close = _price(cells.get("adj_close", ""), "adj_close", required=False, problems=problems)
        row = BarRow(
            symbol=symbol,
            date=day,
            open=_price(cells["open"], "open", required=False, problems=problems),
            high=_price(cells["high"], "high", required=False, problems=problems),
            low=_price(cells["low"], "low", required=False, problems=problems),
            close=close,
            adj_close=adj_close if adj_close is not None else close,
            volume=_volume(cells["volume"], problems),
            source=source,
        )
        if not problems:
            problems.extend(_range_problems(row))
        if symbol and day is not None:
            first = seen.setdefault((symbol, day), line)
            if first != line:
                problems.append(("duplicate_line", f"{symbol} on {day} already appears on line {first}"))
        if problems:
            result.errors.extend(LineError(line, code, message) for code, message in problems)
        else:
            result.rows.append(row)
            result.symbols.add(symbol)
    return result

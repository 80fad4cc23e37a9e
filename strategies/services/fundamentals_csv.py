"""The fundamentals CSV format: columns, parsing and line-by-line validation (no database writes).

One row per instrument and date the figures became public. ``symbol`` and ``as_of`` are required;
every figure column is optional (an empty cell is unknown). Ratios are plain fractions (0.12 is
12 %); ``market_cap`` is in the instrument's currency.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

REQUIRED_COLUMNS = ("symbol", "as_of")
FIGURE_COLUMNS = (
    "book_to_market",
    "earnings_yield",
    "return_on_equity",
    "gross_margin",
    "debt_to_equity",
    "market_cap",
)
COLUMNS = REQUIRED_COLUMNS + FIGURE_COLUMNS
COLUMN_HELP = {
    "symbol": "Ticker of a stored instrument, e.g. AAPL.",
    "as_of": "Date the figures became public, YYYY-MM-DD.",
    "book_to_market": "Book value / market value (value factor).",
    "earnings_yield": "Earnings / price (value factor).",
    "return_on_equity": "Net income / shareholders' equity (quality factor).",
    "gross_margin": "Gross profit / revenue (quality factor).",
    "debt_to_equity": "Total debt / equity (quality factor, lower is better).",
    "market_cap": "Market capitalisation in the instrument's currency (size factor); must be above 0.",
}
TEMPLATE = ",".join(COLUMNS) + "\nAAPL,2021-10-29,0.03,0.035,1.47,0.42,1.98,2460000000000\n"
MAX_ERRORS = 50
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class FundamentalsRow:
    line: int
    symbol: str
    as_of: dt.date
    figures: dict[str, Decimal | None]


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}, {self.field}: {self.message}" if self.line else f"{self.field}: {self.message}"


def _decimal(text: str) -> Decimal | None:
    text = text.strip()
    if not text:
        return None
    value = Decimal(text)
    if not value.is_finite():
        raise InvalidOperation
    return value


def parse(content: bytes) -> tuple[list[FundamentalsRow], list[LineError]]:
    """Rows of a fundamentals file and every error found (a file with errors is refused whole)."""
    if len(content) > MAX_BYTES:
        return [], [LineError(0, "file", f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [LineError(0, "file", "The file is not UTF-8 text.")]
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column(s): {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s): {', '.join(unknown)}")
        return [], [LineError(1, "header", "; ".join(parts) + f". Expected: {', '.join(COLUMNS)}.")]
    reader.fieldnames = header
    rows, errors, seen = [], [], {}
    for line, record in enumerate(reader, start=2):
        if None in record:
            errors.append(LineError(line, "row", "More cells than columns."))
            continue
        symbol = (record.get("symbol") or "").strip().upper()
        if not symbol:
            errors.append(LineError(line, "symbol", "Required."))
        try:
            as_of = dt.date.fromisoformat((record.get("as_of") or "").strip())
        except ValueError:
            errors.append(LineError(line, "as_of", "Enter a date as YYYY-MM-DD."))
            as_of = None
        figures = {}
        for column in FIGURE_COLUMNS:
            try:
                figures[column] = _decimal(record.get(column) or "")
            except (InvalidOperation, ValueError):
                errors.append(LineError(line, column, "Enter a number."))
                figures[column] = None
        if figures.get("market_cap") is not None and figures["market_cap"] <= 0:
            errors.append(LineError(line, "market_cap", "Must be above 0."))
        if all(value is None for value in figures.values()):
            errors.append(LineError(line, "row", "Give at least one figure."))
        if symbol and as_of:
            key = (symbol, as_of)
            if key in seen:
                errors.append(LineError(line, "row", f"Repeats line {seen[key]} ({symbol} on {as_of})."))
            else:
                seen[key] = line
            rows.append(FundamentalsRow(line, symbol, as_of, figures))
        if len(errors) >= MAX_ERRORS:
            errors.append(LineError(line, "file", f"Stopped after {MAX_ERRORS} errors."))
            break
    if not rows and not errors:
        errors.append(LineError(0, "file", "The file has no rows."))
    return rows, errors

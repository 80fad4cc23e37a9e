"""Dated series read from CSV for the analytics command: `date,return` or `date,close`.

A file starts with a header naming two columns, `date` and either `return` (daily simple returns,
0.01 = 1 %) or `close` (prices). Dates are ISO (YYYY-MM-DD) and strictly increasing. In a returns file an
empty value (or NaN) is a missing return, carried as NaN and skipped by the metrics; a close must be a
positive number (leave out a day without a price rather than leave its close empty). Closes become
returns between consecutive rows, close / previous close - 1, dated on the later row, so a day missing
from the file simply widens that return to span it. Every error names the file and the line.
"""

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

KINDS = ("return", "close")
_MISSING = {"", "nan"}


class SeriesFileError(ValueError):
    """A CSV series that cannot be read, with the 1-based line where the problem is (None: whole file)."""

    def __init__(self, path, message: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class DatedSeries:
    """One value per date: dates as datetime64[D], values as float64 (NaN = missing)."""

    kind: str
    dates: np.ndarray
    values: np.ndarray


def read_series(path, *, kind: str | None = None) -> DatedSeries:
    """Read `date,return` or `date,close`; kind, when given, is the column the file must have."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return _parse(path, csv.reader(handle), kind)
    except FileNotFoundError:
        raise SeriesFileError(path, "no such file") from None
    except IsADirectoryError:
        raise SeriesFileError(path, "is a directory, not a CSV file") from None
    except UnicodeDecodeError:
        raise SeriesFileError(path, "is not UTF-8 text") from None
    except csv.Error as exc:
        raise SeriesFileError(path, f"not valid CSV ({exc})") from None


def read_returns(path, *, kind: str | None = None) -> DatedSeries:
    """The file's daily simple returns: as written for `date,return`, computed from closes for `date,close`."""
    series = read_series(path, kind=kind)
    if series.kind == "return":
        return series
    closes = series.values
    if len(closes) < 2:
        raise SeriesFileError(path, "needs at least two closes to make one return")
    return DatedSeries("return", series.dates[1:], closes[1:] / closes[:-1] - 1.0)


def _parse(path: Path, rows, expected_kind: str | None) -> DatedSeries:
    header = None
    for row in rows:
        if any(cell.strip() for cell in row):
            header = [cell.strip().lower() for cell in row]
            break
    if header is None:
        raise SeriesFileError(path, "is empty; expected a header `date,return` or `date,close`")
    header_line = rows.line_num
    wanted = (expected_kind,) if expected_kind else KINDS
    if len(header) != 2 or header[0] != "date" or header[1] not in wanted:
        names = " or ".join(f"`date,{name}`" for name in wanted)
        raise SeriesFileError(path, f"header is `{','.join(header)}`, expected {names}", header_line)
    kind = header[1]
    dates: list[dt.date] = []
    values: list[float] = []
    for row in rows:
        line = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2:
            raise SeriesFileError(path, f"expected 2 fields (date,{kind}), found {len(row)}", line)
        day = _date(path, row[0].strip(), line)
        if dates and day <= dates[-1]:
            raise SeriesFileError(
                path, f"date {day} is not after {dates[-1]}: dates must be increasing, without repeats", line
            )
        dates.append(day)
        values.append(_value(path, kind, row[1].strip(), line))
    if not dates:
        raise SeriesFileError(path, "has a header but no data rows")
    return DatedSeries(kind, np.array(dates, dtype="datetime64[D]"), np.array(values, dtype=np.float64))


def _date(path: Path, text: str, line: int) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise SeriesFileError(path, f"date {text!r} is not an ISO date (YYYY-MM-DD)", line) from None


def _value(path: Path, kind: str, text: str, line: int) -> float:
    if kind == "return" and text.lower() in _MISSING:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise SeriesFileError(path, f"{kind} {text!r} is not a number", line) from None
    if not math.isfinite(value):
        raise SeriesFileError(path, f"{kind} {text!r} is not a finite number", line)
    if kind == "return" and value < -1.0:
        raise SeriesFileError(path, f"return {text} is below -1 (a simple return cannot lose more than 100 %)", line)
    if kind == "close" and value <= 0.0:
        raise SeriesFileError(path, f"close {text} is not a positive price", line)
    return value

"""The account (or household) against its benchmark, the S&P 500 index, period by period.

Pure functions over NumPy arrays (no ORM); ``reporting.selectors_benchmark`` reads the closes.

- **Benchmark return** of a period: close(end) / close(base) - 1 with the index's last close on or
  before the base session and on or before the end session, the same base and end sessions as the
  account's return, so both cover exactly the same days. SPX is the price index: dividends are not
  in it (a total-return index is not in the bundled data), which the page says.
- A close older than ``MAX_STALE_DAYS`` calendar days before the day it stands for is not used: the
  benchmark has no value there (``None`` with a reason), never a made-up number.
- **Excess return** = account TWR - benchmark return over the same days (arithmetic difference).
- **Annualised** (both sides) as (1 + r)^(365 / calendar days) - 1 for periods of a year or more,
  the convention of ``reporting.returns.measure``'s annualised TWR.
- The account's TWR of each period is the product of the same daily returns
  (``returns.daily_returns``, flows at the end of the day, gross adds fees back as flows) that
  ``returns.measure`` chains, so it equals the TWR the period's own report would give.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .history import ValueHistory
from .periods import PeriodError, PeriodKey, resolve_period
from .returns import DAYS_PER_YEAR, daily_returns, index_on_or_before

BENCHMARK_SYMBOL = "SPX"
BENCHMARK_LABEL = "S&P 500 (SPX)"
# A week covers the longest exchange closure in the data (e.g. 2001-09-11..17) with margin.
MAX_STALE_DAYS = 7
STANDARD_PERIODS = (
    PeriodKey.MTD,
    PeriodKey.QTD,
    PeriodKey.YTD,
    PeriodKey.ONE_YEAR,
    PeriodKey.THREE_YEARS,
    PeriodKey.FIVE_YEARS,
    PeriodKey.INCEPTION,
)


@dataclass(frozen=True)
class Benchmark:
    dates: np.ndarray  # datetime64[D], strictly increasing
    closes: np.ndarray

    @classmethod
    def empty(cls) -> "Benchmark":
        return cls(np.array([], dtype="datetime64[D]"), np.array([], dtype=float))

    def close_on_or_before(self, day: dt.date) -> float | None:
        """The last close on or before ``day``, or None when there is none within MAX_STALE_DAYS."""
        index = index_on_or_before(self.dates, day)
        if index < 0:
            return None
        if (np.datetime64(day, "D") - self.dates[index]).astype(int) > MAX_STALE_DAYS:
            return None
        return float(self.closes[index])


def annualize(total: float | None, calendar_days: int) -> float | None:
    """(1 + r)^(365 / days) - 1 for a year or more (None below a year or for a total loss)."""
    if total is None or calendar_days < DAYS_PER_YEAR or total <= -1.0:
        return None
    return (1.0 + total) ** (DAYS_PER_YEAR / calendar_days) - 1.0


@dataclass(frozen=True)
class PeriodComparison:
    key: str
    label: str
    base_date: dt.date | None
    end_date: dt.date | None
    calendar_days: int | None
    twr: float | None
    twr_annualized: float | None
    benchmark_return: float | None
    benchmark_annualized: float | None
    excess_return: float | None
    reason: str  # why a figure is missing ("" when every figure is there)

    @property
    def available(self) -> bool:
        return self.twr is not None


def benchmark_return(benchmark: Benchmark, base: dt.date, end: dt.date) -> tuple[float | None, str]:
    start_close, end_close = benchmark.close_on_or_before(base), benchmark.close_on_or_before(end)
    if start_close is None or end_close is None:
        missing = base if start_close is None else end
        return None, f"No {BENCHMARK_LABEL} close on or shortly before {missing.isoformat()}."
    if start_close <= 0:
        return None, f"The {BENCHMARK_LABEL} close on {base.isoformat()} is not positive."
    return end_close / start_close - 1.0, ""


def compare(
    history: ValueHistory,
    benchmark: Benchmark,
    *,
    key: str,
    label: str,
    base: dt.date,
    end: dt.date,
    gross: bool,
) -> PeriodComparison:
    """TWR, benchmark return and excess from the close of ``base`` to the close of ``end``."""
    first = index_on_or_before(history.dates, base)
    last = index_on_or_before(history.dates, end)
    if first < 0 or last <= first:
        return PeriodComparison(key, label, base, end, None, None, None, None, None, None, "No valued days.")
    flows = history.flows[first + 1 : last + 1]
    if gross:
        flows = flows + history.fees[first + 1 : last + 1]
    twr = float(np.prod(1.0 + daily_returns(history.values[first : last + 1], flows)) - 1.0)
    base_day, end_day = history.dates[first].astype(dt.date), history.dates[last].astype(dt.date)
    days = (end_day - base_day).days
    bench, reason = benchmark_return(benchmark, base_day, end_day)
    return PeriodComparison(
        key=key,
        label=label,
        base_date=base_day,
        end_date=end_day,
        calendar_days=days,
        twr=twr,
        twr_annualized=annualize(twr, days),
        benchmark_return=bench,
        benchmark_annualized=annualize(bench, days),
        excess_return=None if bench is None else twr - bench,
        reason=reason,
    )


def standard_periods(history: ValueHistory, as_of: dt.date) -> list[tuple[str, str, dt.date | None, str]]:
    """(key, label, base session or None, reason) of MTD..ITD ending on ``as_of``; a period that
    cannot be measured on this history (before inception, empty) has no base and says why."""
    inception, last_valued = history.inception, history.last_valued
    rows = []
    for key in STANDARD_PERIODS:
        label = PeriodKey(key).label
        if inception is None:
            rows.append((key, label, None, "There is no value history yet."))
            continue
        try:
            period = resolve_period(key, inception=inception, last_valued=last_valued, end=as_of)
        except PeriodError as error:
            rows.append((key, label, None, error.message))
        else:
            rows.append((key, label, period.base, ""))
    return rows


def compare_standard_periods(
    history: ValueHistory,
    benchmark: Benchmark,
    periods: list[tuple[str, str, dt.date | None, str]],
    *,
    as_of: dt.date,
    gross: bool,
) -> list[PeriodComparison]:
    """One row per period of ``standard_periods(history, as_of)``; unmeasurable ones say why."""
    rows = []
    for key, label, base, reason in periods:
        if base is None:
            rows.append(PeriodComparison(key, label, None, None, None, None, None, None, None, None, reason))
        else:
            rows.append(compare(history, benchmark, key=key, label=label, base=base, end=as_of, gross=gross))
    return rows

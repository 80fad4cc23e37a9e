"""Returns of an account or household over a period, each with the working that produces it.

Pure functions over NumPy arrays and dataclasses (no ORM): ``reporting.selectors`` loads the rows.

Conventions shared by every measure:

- **Values** are total values (cash plus securities) at the close of each session.
- **Flow timing: end of day.** An external flow F_t (deposit, withdrawal, securities transferred
  in or out, at their market value) dated t arrives at the close of day t: it is inside V_t but
  earned nothing on day t. Hence the daily return r_t = (V_t - F_t) / V_{t-1} - 1.
  Dividends, interest and trading commissions are not flows: they are part of the return.
- **Flows on days without a value** (a Saturday deposit) count on the next valued day, and the
  working lists each one moved (``align_events``).
- **Period**: from the close of the base session to the close of the end session. Flows of the
  base session are already inside the starting value, so they are not flows of the period.
- **Net of fees** (default): fee transactions reduce the value like any loss. **Gross of fees**:
  each fee is treated as a withdrawal paid out at the end of its day (a flow), so the return is
  the one the account would have earned without it. Trading commissions stay in both: they are
  part of the price of a trade.
- A day that starts with no invested value (V_{t-1} <= 0: before the first deposit or after
  everything was withdrawn) has no defined return; it counts as 0 % in the time-weighted chain,
  and when money was nevertheless gained or lost that day the working says how much was left out.

Measures (``measure`` computes them all):

- **Time-weighted return (TWR)**: prod(1 + r_t) - 1 over the period's sessions. Between two flows
  the daily returns telescope, so the working shows one sub-period per flow:
  (end value - flow at its end) / start value - 1, and the sub-periods chain to the TWR.
  Annualised as (1 + TWR)^(365 / calendar days) - 1 only for periods of a year or more.
- **Modified Dietz**: (V_end - V_base - sum F) / (V_base + sum w_i F_i), with the weight
  w_i = (CD - D_i) / CD the fraction of the period's CD calendar days still to run after the flow
  (D_i days from the base close to the flow's close; a flow on the last day weighs 0).
- **Money-weighted return (MWR)**: the XIRR (pyxirr, actual/365 days) of the investor's cash
  flows: the starting value paid in at the base date, each deposit paid in (negative) and each
  withdrawal received (positive) on its date, the ending value received at the end. It is
  annual; ``mwr_period`` = (1 + XIRR)^(CD / 365) - 1 is the same rate over the period's own
  length, the figure to quote for periods under a year.
- **Simple return**: (V_end - V_base - sum F) / V_base, the gain over the starting value.

A measure that is undefined (a zero starting value, a non-positive Dietz denominator, cash flows
with no XIRR) is ``None`` with a note saying why, never NaN or a made-up number.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyxirr

from valuepartner.errors import DomainError

from .history import MovedEvent, ValueHistory, as_date

DAYS_PER_YEAR = 365
# Money is shown in cents; a day's gain below half a cent is rounding noise, not a gain.
HALF_CENT = 0.005


class ReturnsError(DomainError):
    """The history cannot give a return for this period (400, with a stable code)."""


@dataclass(frozen=True)
class SubPeriod:
    """Sessions between two flows: r = (end_value - flow - gross fees) / start_value - 1."""

    start_date: dt.date
    end_date: dt.date
    sessions: int
    start_value: float
    flow: float  # external flow at the close of end_date
    fees: float  # fee transactions inside the sub-period (negative)
    end_value: float
    return_: float
    cumulative_return: float


@dataclass(frozen=True)
class DietzFlow:
    date: dt.date
    amount: float
    weight: float


@dataclass(frozen=True)
class Working:
    convention: str
    formula: str
    sub_periods: list[SubPeriod]
    dietz_flows: list[DietzFlow]
    dietz_numerator: float
    dietz_denominator: float
    xirr_cash_flows: list[tuple[dt.date, float]]
    moved: list[MovedEvent] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Performance:
    base_date: dt.date
    end_date: dt.date
    calendar_days: int
    sessions: int
    gross: bool
    start_value: float
    end_value: float
    net_flows: float  # external flows of the period
    fees: float  # fee transactions of the period (negative)
    gain: float  # end - start - flows, fees added back when gross
    twr: float
    twr_annualized: float | None
    modified_dietz: float | None
    mwr_annualized: float | None
    mwr_period: float | None
    simple: float | None
    working: Working


CONVENTION = (
    "Flows arrive at the end of their day: r_t = (V_t - F_t) / V_(t-1) - 1, chained over the sessions "
    "from the close of the base date to the close of the end date."
)
NET_FORMULA = "sub-period return = (end_value - flow) / start_value - 1; fees are losses."
GROSS_FORMULA = (
    "sub-period return = (end_value - flow - fees) / start_value - 1; each fee is a withdrawal at the end of its day."
)


def index_on_or_before(dates: np.ndarray, day: dt.date) -> int:
    return int(np.searchsorted(dates, np.datetime64(day, "D"), side="right")) - 1


def _money(value: float) -> str:
    return f"{value + 0.0:,.2f}"


def measure(
    history: ValueHistory, *, base: dt.date, end: dt.date, gross: bool = False, moved: Sequence[MovedEvent] = ()
) -> Performance:
    """Every return measure from the close of ``base`` to the close of ``end`` (see the module doc).

    ``moved`` lists flows the caller moved onto valued days; those inside the period go into the
    working. Raises ReturnsError ``no_history``, ``period_before_inception`` (no value on or
    before ``base``) or ``empty_period`` (no valued day after ``base`` up to ``end``).
    """
    if not len(history):
        raise ReturnsError("no_history", "There is no value history yet: record a deposit first.")
    first = index_on_or_before(history.dates, base)
    last = index_on_or_before(history.dates, end)
    if first < 0:
        raise ReturnsError(
            "period_before_inception",
            f"The history starts on {as_date(history.dates[0]).isoformat()}, after {base.isoformat()}.",
        )
    if last <= first:
        raise ReturnsError("empty_period", f"No valued day after {base.isoformat()} up to {end.isoformat()}.")

    dates = history.dates[first : last + 1]
    values = history.values[first : last + 1]
    external = history.flows[first + 1 : last + 1]
    fees = history.fees[first + 1 : last + 1]
    flows = external + fees if gross else external
    notes: list[str] = []

    days = dates.tolist()  # Python dates, converted once for the working
    twr, growth, daily_notes = _daily_growth(dates, values, flows)
    notes += daily_notes
    sub_periods = _sub_periods(days, values, external, fees, flows, growth)

    start_value, end_value = float(values[0]), float(values[-1])
    total_flow = float(flows.sum())
    gain = end_value - start_value - total_flow
    calendar_days = int((dates[-1] - dates[0]).astype(int))

    simple = None
    if start_value > 0:
        simple = gain / start_value
    else:
        notes.append("Simple return: the starting value is zero, so there is nothing to divide the gain by.")

    dietz_flows, numerator, denominator = _dietz(dates, days, values, flows, calendar_days)
    modified_dietz = numerator / denominator if denominator > 0 else None
    if modified_dietz is None:
        notes.append(
            "Modified Dietz: the starting value plus time-weighted flows is not positive "
            f"({_money(denominator)}), so the ratio has no meaning."
        )

    cash_flows, mwr = _xirr(dates, days, values, flows)
    mwr_period = None
    if mwr is None:
        notes.append("Money-weighted return: these cash flows have no internal rate of return.")
    else:
        mwr_period = (1 + mwr) ** (calendar_days / DAYS_PER_YEAR) - 1

    twr_annualized = None
    if calendar_days >= DAYS_PER_YEAR:
        twr_annualized = max(1 + twr, 0.0) ** (DAYS_PER_YEAR / calendar_days) - 1

    base_day, end_day = days[0], days[-1]
    in_period = [event for event in moved if base_day < event.counted_on <= end_day]
    return Performance(
        base_date=base_day,
        end_date=end_day,
        calendar_days=calendar_days,
        sessions=int(dates.size - 1),
        gross=gross,
        start_value=start_value,
        end_value=end_value,
        net_flows=float(external.sum()),
        fees=float(fees.sum()),
        gain=gain,
        twr=twr,
        twr_annualized=twr_annualized,
        modified_dietz=modified_dietz,
        mwr_annualized=mwr,
        mwr_period=mwr_period,
        simple=simple,
        working=Working(
            convention=CONVENTION,
            formula=GROSS_FORMULA if gross else NET_FORMULA,
            sub_periods=sub_periods,
            dietz_flows=dietz_flows,
            dietz_numerator=numerator,
            dietz_denominator=denominator,
            xirr_cash_flows=cash_flows,
            moved=in_period,
            notes=notes,
        ),
    )


def daily_returns(values: np.ndarray, flows: np.ndarray) -> np.ndarray:
    """r_t = (V_t - F_t) / V_(t-1) - 1 for t = 1..n (flows[t-1] is F_t); 0 where V_(t-1) <= 0."""
    previous = values[:-1]
    invested = previous > 0
    ratio = (values[1:] - flows) / np.where(invested, previous, 1.0)
    return np.where(invested, ratio - 1.0, 0.0)


def _daily_growth(dates, values, flows) -> tuple[float, np.ndarray, list[str]]:
    growth = 1.0 + daily_returns(values, flows)
    notes = []
    uninvested = values[:-1] <= 0
    left_out = np.where(uninvested, values[1:] - flows, 0.0)
    if uninvested.any():
        days = int(uninvested.sum())
        notes.append(
            f"Time-weighted return: {days} session(s) started with no invested value and count as 0 %"
            + (
                f"; {_money(float(left_out.sum()))} gained on them is left out."
                if np.abs(left_out).sum() >= HALF_CENT
                else "."
            )
        )
    return float(np.prod(growth) - 1.0), growth, notes


def _sub_periods(days, values, external, fees, flows, growth) -> list[SubPeriod]:
    # Day k of the window (1..n) has its flow at flows[k - 1]; a sub-period ends on every flow day.
    count = values.size - 1
    ends = np.union1d(np.flatnonzero(flows != 0) + 1, [count])
    starts = np.concatenate(([0], ends[:-1]))
    returns = np.multiply.reduceat(growth, starts) - 1.0
    cumulative = np.cumprod(1.0 + returns) - 1.0
    columns = zip(
        starts.tolist(),
        ends.tolist(),
        values[starts].tolist(),
        external[ends - 1].tolist(),
        np.add.reduceat(fees, starts).tolist(),
        values[ends].tolist(),
        returns.tolist(),
        cumulative.tolist(),
        strict=True,
    )
    return [
        SubPeriod(
            start_date=days[s],
            end_date=days[e],
            sessions=e - s,
            start_value=start_value,
            flow=flow,
            fees=fee,
            end_value=end_value,
            return_=return_,
            cumulative_return=cumulative_return,
        )
        for s, e, start_value, flow, fee, end_value, return_, cumulative_return in columns
    ]


def _dietz(dates, days, values, flows, calendar_days) -> tuple[list[DietzFlow], float, float]:
    flow_index = np.flatnonzero(flows)
    elapsed = (dates[flow_index + 1] - dates[0]).astype(int)
    weights = (calendar_days - elapsed) / calendar_days
    amounts = flows[flow_index]
    numerator = float(values[-1] - values[0] - flows.sum())
    denominator = float(values[0] + (weights * amounts).sum())
    rows = [
        DietzFlow(date=days[i + 1], amount=a, weight=w)
        for i, a, w in zip(flow_index.tolist(), amounts.tolist(), weights.tolist(), strict=True)
    ]
    return rows, numerator, denominator


def _xirr(dates, days, values, flows) -> tuple[list[tuple[dt.date, float]], float | None]:
    """The investor's cash flows (paid in negative, received positive) and their XIRR."""
    amounts = np.concatenate(([-values[0]], -flows))
    amounts[-1] += values[-1]
    keep = np.flatnonzero(amounts)
    flow_dates, flow_amounts = dates[keep], amounts[keep]
    cash_flows = [(days[i], a) for i, a in zip(keep.tolist(), flow_amounts.tolist(), strict=True)]
    rate = pyxirr.xirr(flow_dates, flow_amounts, silent=True) if keep.size >= 2 else None
    if rate is None or not np.isfinite(rate):
        return cash_flows, None
    return cash_flows, float(rate)

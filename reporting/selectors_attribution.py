"""Load what attribution and factor exposures need for one account, then call the pure modules.

**Attribution** (``account_attribution``): every session t of the range is one period.
- Portfolio: the holdings at the start of day t are the quantities at the close of the previous
  session (replayed from the ledger, splits included), weighted by that close; uninvested cash is
  its own sector "Cash" with a 0 % return when positive. Each instrument's return on day t is its
  adjusted close-to-close return (adj_close: splits and dividends do not show as losses). A day
  without a bar carries the last price, as the valuation does (a 0 % return).
- Benchmark: there are no index weights for the bundled constituents, so the benchmark is the
  account's model portfolio: its instrument targets plus its cash weight, normalised to 1 and held
  at those weights every day (rebalanced daily), with the same instrument returns. Asset-class
  targets name no instrument and are left out (the response says so). An account without a model
  portfolio, or whose model has no instrument target, has no benchmark: ``no_benchmark``.
- Sectors are ``Instrument.sector`` ("Unclassified" when blank).

**Factor exposures** (``account_factor_exposures``): the account's daily returns are the TWR's
daily returns (``reporting.returns.daily_returns``: (V_t - F_t) / V_(t-1) - 1, flows at the end of
the day) from ``AccountValue``; each factor's return is its adjusted close-to-close return over the
same pair of days. Only days where the account and every factor have a value on both days count.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db.models import FloatField
from django.db.models.functions import Cast
from django.utils import timezone

from marketdata.calendar import previous_session, sessions_in_range
from marketdata.models import DailyBar, Instrument
from portfolios.choices import TransactionKind
from portfolios.models import Account, AccountValue, Transaction

from .attribution import AttributionError, LinkedAttribution, brinson_fachler, link
from .factors import FactorError, FactorRegression, regress
from .returns import daily_returns

CASH_SECTOR = "Cash"
UNCLASSIFIED = "Unclassified"
MARKET_FACTOR = "SPX"
STYLE_FACTORS = ("MTUM", "QUAL", "SIZE", "USMV", "VLUE")
FACTORS = (MARKET_FACTOR, *STYLE_FACTORS)

_QUANTITY_SIGN = {
    TransactionKind.BUY: 1,
    TransactionKind.TRANSFER_IN: 1,
    TransactionKind.SELL: -1,
    TransactionKind.TRANSFER_OUT: -1,
}


@dataclass(frozen=True)
class AttributionReport:
    start: dt.date
    end: dt.date
    model_portfolio: str
    linked: LinkedAttribution
    notes: tuple[str, ...]


@dataclass(frozen=True)
class FactorReport:
    start: dt.date
    end: dt.date
    regression: FactorRegression


def _check_range(start: dt.date, end: dt.date) -> list[dt.date]:
    if start > end:
        raise AttributionError(
            "invalid_range", "The start must not be after the end.", fields={"start": ["After end."]}
        )
    sessions = sessions_in_range(start, end)
    if not sessions:
        raise AttributionError("empty_period", "There is no trading session in this range.")
    return sessions


def _price_grids(instrument_ids: list[int], sessions: list[dt.date]) -> tuple[np.ndarray, np.ndarray]:
    """sessions x instruments closes and adjusted closes, the last bar carried over missing days."""
    column = {pk: j for j, pk in enumerate(instrument_ids)}
    row = {day: i for i, day in enumerate(sessions)}
    close = np.full((len(sessions), len(instrument_ids)), np.nan)
    adjusted = close.copy()
    # The carried price of the first session comes from the last bar before it.
    first = previous_session(sessions[0]) - dt.timedelta(days=10)
    for pk, day, price, adj in (
        DailyBar.objects.filter(instrument_id__in=instrument_ids, date__gte=first, date__lte=sessions[-1])
        .order_by("date")
        .values_list("instrument_id", "date", Cast("close", FloatField()), Cast("adj_close", FloatField()))
    ):
        i = row.get(day, 0 if day < sessions[0] else None)
        if i is not None:
            close[i, column[pk]], adjusted[i, column[pk]] = price, adj
    return _forward_fill(close), _forward_fill(adjusted)


def _forward_fill(levels: np.ndarray) -> np.ndarray:
    rows = np.arange(levels.shape[0])[:, None]
    index = np.where(np.isnan(levels), 0, rows)
    np.maximum.accumulate(index, axis=0, out=index)
    return levels[index, np.arange(levels.shape[1])]


def _holdings(account: Account, instrument_ids: list[int], sessions: list[dt.date]) -> tuple[np.ndarray, np.ndarray]:
    """Quantities (sessions x instruments) and cash (sessions) at the close of each session."""
    column = {pk: j for j, pk in enumerate(instrument_ids)}
    days = np.array(sessions, dtype="datetime64[D]")
    quantity_deltas = np.zeros((len(sessions), len(instrument_ids)))
    cash_deltas = np.zeros(len(sessions))
    held: dict[int, float] = defaultdict(float)
    for trade_date, kind, instrument_id, quantity, amount, numerator, denominator in (
        Transaction.objects.filter(account=account, trade_date__lte=sessions[-1])
        .order_by("trade_date", "pk")
        .values_list(
            "trade_date", "kind", "instrument_id", "quantity", "amount", "split_numerator", "split_denominator"
        )
    ):
        # Anything before the first session is state carried into it; a holiday counts on the next session.
        index = int(np.searchsorted(days, np.datetime64(trade_date, "D"), side="left"))
        cash_deltas[index] += float(amount)
        if instrument_id is None:
            continue
        before = held[instrument_id]
        if kind == TransactionKind.SPLIT:
            held[instrument_id] = before * float(numerator) / float(denominator)
        elif kind in _QUANTITY_SIGN:
            held[instrument_id] = before + _QUANTITY_SIGN[kind] * float(quantity)
        quantity_deltas[index, column[instrument_id]] += held[instrument_id] - before
    return np.cumsum(quantity_deltas, axis=0), np.cumsum(cash_deltas)


def account_attribution(account: Account, *, start: dt.date, end: dt.date) -> AttributionReport:
    """Brinson-Fachler by sector of ``account`` (already scoped) against its model portfolio."""
    sessions = _check_range(start, end)
    model = account.model_portfolio
    notes = []
    targets = list(model.targets.select_related("instrument")) if model else []
    instrument_targets = [t for t in targets if t.instrument_id is not None]
    if not instrument_targets:
        raise AttributionError(
            "no_benchmark",
            "Attribution needs a benchmark: assign the account a model portfolio with instrument targets.",
        )
    if len(instrument_targets) < len(targets):
        notes.append("Asset-class targets of the model name no instrument and are left out of the benchmark.")

    held_ids = set(
        Transaction.objects.filter(account=account, instrument__isnull=False).values_list("instrument_id", flat=True)
    )
    instrument_ids = sorted(held_ids | {t.instrument_id for t in instrument_targets})
    sector_of = {
        pk: sector or UNCLASSIFIED
        for pk, sector in Instrument.objects.filter(pk__in=instrument_ids).values_list("pk", "sector")
    }
    names = [*sorted(set(sector_of.values())), CASH_SECTOR]
    sector_index = {name: i for i, name in enumerate(names)}
    # instruments x sectors, one 1 per row: sums per sector become one matrix product.
    membership = np.zeros((len(instrument_ids), len(names)))
    for j, pk in enumerate(instrument_ids):
        membership[j, sector_index[sector_of[pk]]] = 1.0

    # One more session in front: day t's weights are read at the close of the session before it.
    grid_sessions = [previous_session(sessions[0]), *sessions]
    closes, adjusted = _price_grids(instrument_ids, grid_sessions)
    quantities, cash = _holdings(account, instrument_ids, grid_sessions)
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = adjusted[1:] / adjusted[:-1] - 1.0

    column = {pk: j for j, pk in enumerate(instrument_ids)}
    target_weights = np.zeros(len(instrument_ids))
    for target in instrument_targets:
        target_weights[column[target.instrument_id]] = float(target.weight)
    benchmark_cash = float(model.cash_weight)
    scale = target_weights.sum() + benchmark_cash
    target_weights /= scale
    benchmark_cash /= scale
    benchmarked = target_weights > 0
    if np.isnan(returns[:, benchmarked]).any():
        raise AttributionError(
            "missing_prices", "Some of the model's instruments have no prices over this range; pick a later start."
        )
    benchmark_sector_weights = target_weights @ membership
    benchmark_sector_weights[-1] = benchmark_cash
    with np.errstate(divide="ignore", invalid="ignore"):
        benchmark_sector_returns = ((target_weights * returns) @ membership) / benchmark_sector_weights
    benchmark_sector_returns[:, -1] = 0.0

    values = np.nan_to_num(quantities[:-1] * closes[:-1])
    days = []
    skipped = 0
    for t, day in enumerate(sessions):
        invested = values[t]
        portfolio_values = invested @ membership
        portfolio_values[-1] = max(cash[t], 0.0)
        total = portfolio_values.sum()
        if total <= 0 or (invested < 0).any():
            skipped += 1
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            sector_returns = ((invested * np.nan_to_num(returns[t])) @ membership) / portfolio_values
        sector_returns[-1] = 0.0
        days.append(
            (
                day,
                brinson_fachler(
                    names,
                    portfolio_values / total,
                    benchmark_sector_weights,
                    sector_returns,
                    benchmark_sector_returns[t],
                ),
            )
        )
    if not days:
        raise AttributionError("no_holdings", "The account holds nothing to attribute in this range.")
    if skipped:
        notes.append(f"{skipped} session(s) without invested value (or with a short position) are left out.")
    return AttributionReport(sessions[0], sessions[-1], model.name, link(days), tuple(notes))


def _factor_levels(start: dt.date, end: dt.date) -> dict[str, dict[dt.date, float]]:
    levels: dict[str, dict[dt.date, float]] = defaultdict(dict)
    for symbol, day, adj in DailyBar.objects.filter(
        instrument__symbol__in=FACTORS, date__gte=start, date__lte=end
    ).values_list("instrument__symbol", "date", Cast("adj_close", FloatField())):
        levels[symbol][day] = adj
    missing = [symbol for symbol in FACTORS if not levels[symbol]]
    if missing:
        raise FactorError("no_factor_data", f"No prices in this range for the factor(s) {', '.join(missing)}.")
    return levels


def factor_exposures_of_values(dates: list[dt.date], values: np.ndarray, flows: np.ndarray) -> FactorReport:
    """OLS of the daily returns of a value history on the factors' (module docstring).

    ``values[i]`` is the closing value on ``dates[i]`` and ``flows[i]`` the external flow at that close
    (``flows[0]`` is not used: it is inside the first value). An account's history, a household's
    summed one, net or gross of fees (gross adds the fees to the flows) all come through here.
    """
    if len(dates) < 2:
        raise FactorError("too_few_observations", "There are fewer than two valued days in this range.")
    levels = _factor_levels(dates[0], dates[-1])
    values = np.asarray(values, dtype=float)
    account_returns = daily_returns(values, np.asarray(flows, dtype=float)[1:])
    invested = values[:-1] > 0
    keep, factor_rows = [], []
    for t in range(1, len(dates)):
        before, day = dates[t - 1], dates[t]
        if not invested[t - 1] or not all(before in levels[s] and day in levels[s] for s in FACTORS):
            continue
        keep.append(t - 1)
        factor_rows.append([levels[s][day] / levels[s][before] - 1.0 for s in FACTORS])
    regression = regress(account_returns[keep], np.array(factor_rows).reshape(len(keep), len(FACTORS)), FACTORS)
    return FactorReport(dates[0], dates[-1], regression)


def account_factor_exposures(account: Account, *, start: dt.date, end: dt.date) -> FactorReport:
    """OLS of the account's daily returns on the factor ETFs' and the S&P 500's (module docstring)."""
    _check_range(start, end)
    rows = list(
        AccountValue.objects.filter(account=account, date__gte=start, date__lte=end)
        .order_by("date")
        .values_list("date", Cast("total_value", FloatField()), Cast("net_external_flow", FloatField()))
    )
    if len(rows) < 2:
        _factor_levels(start, end)  # no factor data is the first thing to say
        raise FactorError("too_few_observations", "The account has fewer than two valued days in this range.")
    return factor_exposures_of_values(
        [row[0] for row in rows], np.array([row[1] for row in rows]), np.array([row[2] for row in rows])
    )


DEFAULT_RANGE_DAYS = 365


def default_range(account: Account, *, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """``end`` defaults to the account's last valued day (today without values); ``start`` to a year
    before it, but not before the day after the first valued day (a day's weights are the previous close's)."""
    values = AccountValue.objects.filter(account=account)
    if end is None:
        end = values.order_by("-date").values_list("date", flat=True).first() or timezone.localdate()
    if start is None:
        first = values.order_by("date").values_list("date", flat=True).first()
        start = end - dt.timedelta(days=DEFAULT_RANGE_DAYS)
        if first is not None and start <= first < end:
            start = first + dt.timedelta(days=1)
    return start, end

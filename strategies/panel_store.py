"""The price panel from what is stored: marketdata's adjusted closes, the benchmark's closes and
strategies' fundamentals, read through the ORM (the CSV way in is ``strategies.panel``)."""

import datetime as dt
from collections.abc import Iterable

import numpy as np

from .panel import MAX_LISTED, PriceDataError, PricePanel, check_history, missing_dates_problem

_BARS_SQL = """
SELECT bar.instrument_id, bar.date, bar.adj_close::float8
FROM marketdata_dailybar AS bar
WHERE bar.instrument_id = ANY(%s) AND bar.date >= %s AND bar.date <= %s
ORDER BY bar.instrument_id, bar.date
"""


def load_panel(
    symbols: Iterable[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    benchmark: str | None = "SPX",
    min_bars: int = 0,
    fundamentals: bool = True,
) -> PricePanel:
    """A panel of the stored adjusted closes (marketdata DailyBar), through the ORM.

    symbols: the universe; None means every active equity, and then symbols whose history does not cover
    the whole range are left out (named in ``notes``) instead of refused. An explicit universe must be
    complete: unknown symbols, missing history or gaps raise PriceDataError naming them. Without
    ``start`` the panel begins on the latest first date among the symbols (their common history), without
    ``end`` on the earliest last date. The benchmark's closes are aligned to the dates (carried forward over
    its own missing sessions, NaN before its first). Fundamentals (strategies.Fundamentals) are attached
    when ``fundamentals`` is true.
    """
    from django.db import connection

    from marketdata.choices import AssetClass
    from marketdata.models import DailyBar, Instrument

    strict = symbols is not None
    if strict:
        wanted = [s.strip().upper() for s in symbols]
        found = dict(Instrument.objects.filter(symbol__in=wanted).values_list("symbol", "pk"))
        unknown = [s for s in wanted if s not in found]
        if unknown:
            raise PriceDataError([f"unknown symbols: {', '.join(unknown)}"])
    else:
        rows = Instrument.objects.filter(asset_class=AssetClass.EQUITY, is_active=True)
        if benchmark:
            rows = rows.exclude(symbol=benchmark)
        found = dict(rows.order_by("symbol").values_list("symbol", "pk"))
        wanted = list(found)
    if not wanted:
        raise PriceDataError(["no instruments to load"])
    sector_of = dict(Instrument.objects.filter(pk__in=found.values()).values_list("pk", "sector"))
    series: dict[int, tuple[list, list]] = {pk: ([], []) for pk in found.values()}
    with connection.cursor() as cursor:
        ids = list(found.values())
        if connection.vendor == "postgresql":
            cursor.execute(_BARS_SQL, [ids, start or dt.date.min, end or dt.date.max])
            fetched = cursor.fetchall()
        else:
            fetched = (
                DailyBar.objects.filter(
                    instrument_id__in=ids, date__gte=start or dt.date.min, date__lte=end or dt.date.max
                )
                .order_by("instrument_id", "date")
                .values_list("instrument_id", "date", "adj_close")
            )
        for pk, day, close in fetched:
            series[pk][0].append(day)
            series[pk][1].append(float(close))
    problems, notes = [], []
    empty = [s for s in wanted if not series[found[s]][0]]
    if empty:
        (problems if strict else notes).append(f"no stored prices in the range for: {', '.join(empty)}")
        wanted = [s for s in wanted if s not in empty]
    if problems:
        raise PriceDataError(problems)
    if not wanted:
        raise PriceDataError(["no stored prices in the range"])
    first = {s: series[found[s]][0][0] for s in wanted}
    last = {s: series[found[s]][0][-1] for s in wanted}
    start, end = _sessions_only(start, end)
    lo = start if start and strict else max(first.values())
    hi = end if end and strict else min(last.values())
    if not strict and start:
        lo = max(lo, start)
    late = [f"{s} (from {first[s]})" for s in wanted if first[s] > lo]
    early = [f"{s} (until {last[s]})" for s in wanted if last[s] < hi]
    if late or early:
        problems.append(
            "history does not cover the range "
            f"{lo} to {hi}: {', '.join((late + early)[:MAX_LISTED])}; choose a later start or earlier end"
        )
        raise PriceDataError(problems, code="price_gaps")
    all_days = sorted({d for s in wanted for d in series[found[s]][0] if lo <= d <= hi})
    position = {d: i for i, d in enumerate(all_days)}
    matrix = np.full((len(all_days), len(wanted)), np.nan)
    for j, symbol in enumerate(wanted):
        days, values = series[found[symbol]]
        keep = [(position[d], v) for d, v in zip(days, values, strict=True) if lo <= d <= hi]
        matrix[[k for k, _ in keep], j] = [v for _, v in keep]
    dates = np.array(all_days, dtype="datetime64[D]")
    gappy = [j for j in range(len(wanted)) if np.isnan(matrix[:, j]).any()]
    if gappy and strict:
        raise PriceDataError(
            [missing_dates_problem(wanted[j], dates[np.isnan(matrix[:, j])]) for j in gappy], code="price_gaps"
        )
    if gappy:
        notes.append(f"left out for gaps in their history: {', '.join(wanted[j] for j in gappy[:MAX_LISTED])}")
        keep_columns = [j for j in range(len(wanted)) if j not in set(gappy)]
        matrix = matrix[:, keep_columns]
        wanted = [wanted[j] for j in keep_columns]
    check_history(len(dates), min_bars)
    bench_closes, bench_symbol = None, None
    if benchmark:
        bench_closes = _benchmark_closes(benchmark, dates, start=lo, end=hi)
        bench_symbol = benchmark if bench_closes is not None else None
        if bench_closes is None:
            notes.append(f"benchmark {benchmark} has no stored prices in the range")
    panel = PricePanel(
        dates=dates,
        symbols=tuple(wanted),
        close=matrix,
        sectors=tuple(sector_of.get(found[s]) or "" for s in wanted),
        benchmark_symbol=bench_symbol,
        benchmark=bench_closes,
        notes=tuple(notes),
    )
    if fundamentals:
        panel = panel.with_fundamentals(_stored_fundamentals(wanted, hi))
    return panel


def _sessions_only(start: dt.date | None, end: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """A range in calendar days narrowed to the NYSE sessions it holds: a start on a holiday or weekend
    begins on the next session, an end on one stops at the session before (prices exist on sessions only)."""
    from marketdata.calendar import session_on_or_after, session_on_or_before, within_calendar

    if start and within_calendar(start):
        start = session_on_or_after(start)
    if end and within_calendar(end):
        end = session_on_or_before(end)
    return start, end


def _benchmark_closes(symbol: str, dates: np.ndarray, *, start: dt.date, end: dt.date) -> np.ndarray | None:
    from marketdata.models import DailyBar

    rows = list(
        DailyBar.objects.filter(instrument__symbol=symbol, date__lte=end)
        .order_by("date")
        .values_list("date", "adj_close")
    )
    if not rows:
        return None
    days = np.array([d for d, _ in rows], dtype="datetime64[D]")
    values = np.array([float(v) for _, v in rows])
    index = np.searchsorted(days, dates, side="right") - 1  # the latest close on or before each date
    out = np.where(index >= 0, values[np.maximum(index, 0)], np.nan)
    return out


FUNDAMENTAL_FIELDS = (
    "book_to_market",
    "earnings_yield",
    "return_on_equity",
    "gross_margin",
    "debt_to_equity",
    "market_cap",
)


def _stored_fundamentals(symbols: list[str], end: dt.date):
    from django.apps import apps

    model = apps.get_model("strategies", "Fundamentals")
    rows = model.objects.filter(instrument__symbol__in=symbols, as_of__lte=end).values_list(
        "instrument__symbol", "as_of", *FUNDAMENTAL_FIELDS
    )
    for symbol, as_of, *values in rows:
        yield (
            symbol,
            as_of,
            {name: None if v is None else float(v) for name, v in zip(FUNDAMENTAL_FIELDS, values, strict=True)},
        )

"""Everything a client performance report shows, read once and formatted for print.

Numbers come from the same places as the performance page and the API: the period's measures from
``Subject.performance`` (``reporting.selectors``), the returns table from ``reporting.periods`` and
``reporting.returns.measure`` over the same value history, the daily returns behind the charts from
``performance_page.daily_twr``, risk figures from ``reporting.metrics.summary``, holdings and
allocation from ``portfolios.selectors`` and activity from the ledger selector. Nothing here is a
second formula: this module only picks and formats.

Holdings are the positions held when the report is produced, priced at the last close on or before
the period's end; when the ledger has entries after that end, the report says so.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.utils import timezone

from portfolios.models import Transaction
from valuepartner.errors import DomainError

from .. import metrics
from ..benchmark import BENCHMARK_LABEL, Benchmark, PeriodComparison
from ..performance_page import GROWTH_BASE, DailySeries, daily_twr, money, pct, ratio
from ..periods import PeriodKey, resolve_period
from ..returns import CONVENTION, DAYS_PER_YEAR, index_on_or_before, measure
from ..selectors import PerformanceReport
from ..selectors_benchmark import benchmark_comparison
from . import book
from .book import Slice
from .choices import ReportSubject
from .subjects import Subject, account_subject

# The activity table lists at most this many entries (newest first); the CSV export has them all.
TABLE_PERIODS = [key for key in PeriodKey if key != PeriodKey.CUSTOM]
Progress = Callable[[str], None]


@dataclass(frozen=True)
class ChartLine:
    label: str
    dates: list[dt.date]
    values: list[float]


@dataclass
class ReportContent:
    title: str
    subject_kind: str
    subject_name: str
    household_name: str
    client_names: str
    advisor_name: str
    firm_name: str
    period_label: str
    period_start: dt.date  # first calendar day the period covers
    base_date: dt.date
    end_date: dt.date
    net: bool
    generated_at: dt.datetime
    summary: list[tuple[str, str]]
    measures: list[tuple[str, str, str]]
    returns_table: list[list[str]]
    growth: list[ChartLine]
    drawdown: ChartLine
    risk: list[tuple[str, str]]
    allocation_asset_class: list[Slice]
    allocation_sector: list[Slice]
    holdings: list[list[str]]
    holdings_total: list[str]
    accounts: list[list[str]]
    activity_summary: list[tuple[str, str]]
    activity: list[list[str]]
    activity_note: str
    notes: list[str] = field(default_factory=list)
    methodology: list[str] = field(default_factory=list)


def _float(value) -> float:
    return float(value) if value is not None else float("nan")


def _benchmark_daily(series: DailySeries, benchmark: Benchmark) -> DailySeries | None:
    """SPX daily returns from the account's base session on (its last close before the base stands for
    it, when no older than ``benchmark.MAX_STALE_DAYS``)."""
    base = series.dates[0].astype(dt.date)
    start = index_on_or_before(benchmark.dates, base)
    if benchmark.close_on_or_before(base) is None or benchmark.dates.size - start < 2:
        return None
    dates = benchmark.dates[start:].copy()
    dates[0] = series.dates[0]
    closes = benchmark.closes[start:]
    return DailySeries(dates, closes[1:] / closes[:-1] - 1.0)


def _wealth_line(label: str, series: DailySeries) -> ChartLine:
    wealth = GROWTH_BASE * np.concatenate(([1.0], np.cumprod(1.0 + series.returns)))
    return ChartLine(label, series.dates.astype(dt.date).tolist(), wealth.tolist())


def _returns_table(report: PerformanceReport, by_period: list[PeriodComparison], net: bool) -> list[list[str]]:
    """One row per standard period ending on the report's end: TWR, annualised TWR and MWR from
    ``returns.measure``, the S&P 500 return and the excess from ``reporting.benchmark``."""
    history = report.history
    end = report.performance.end_date
    compared = {row.key: row for row in by_period}
    rows = []
    for key in TABLE_PERIODS:
        label = PeriodKey(key).label
        try:
            period = resolve_period(key, inception=history.inception, last_valued=history.last_valued, end=end)
            perf = measure(history, base=period.base, end=period.end, gross=not net)
        except DomainError as error:
            rows.append([label, "—", "—", "—", "—", "—", "—", "—", "—", error.message])
            continue
        comparison = compared.get(key)
        bench = comparison.benchmark_return if comparison else None
        excess = comparison.excess_return if comparison else None
        rows.append(
            [
                label,
                perf.base_date.isoformat(),
                perf.end_date.isoformat(),
                pct(perf.twr),
                pct(perf.twr_annualized),
                pct(perf.mwr_period),
                # Like the TWR, a rate is annualised only over a year or more (shorter ones mislead).
                pct(perf.mwr_annualized if perf.calendar_days >= DAYS_PER_YEAR else None),
                pct(bench),
                pct(excess),
            ]
        )
    return rows


def _risk(series: DailySeries, bench: DailySeries | None) -> list[tuple[str, str]]:
    days = series.dates[1:]
    if series.returns.size < 2:
        return [("Risk measures", "Need at least two daily returns.")]
    if bench is not None:
        stats = metrics.summary(series.returns, bench.returns, dates=days, benchmark_dates=bench.dates[1:])
    else:
        stats = metrics.summary(series.returns, dates=days)

    def day(value) -> str:
        return value.isoformat() if value else "—"

    rows = [
        ("Annual volatility", pct(stats["annual_volatility"], signed=False)),
        ("Sharpe ratio (risk-free 0 %)", ratio(stats["sharpe"])),
        ("Sortino ratio", ratio(stats["sortino"])),
        ("Maximum drawdown", pct(stats["max_drawdown"])),
        ("Drawdown peak / trough", f"{day(stats['max_drawdown_peak'])} / {day(stats['max_drawdown_trough'])}"),
        ("Recovered on", day(stats["max_drawdown_recovery"])),
        ("Calmar ratio", ratio(stats["calmar"])),
        ("Value at risk 95 % (one day, historical)", pct(stats["var_95"])),
        ("Expected shortfall 95 % (one day)", pct(stats["cvar_95"])),
        ("Best / worst day", f"{pct(stats['best_day'])} / {pct(stats['worst_day'])}"),
        ("Best / worst month", f"{pct(stats['best_month'])} / {pct(stats['worst_month'])}"),
    ]
    if bench is not None:
        rows += [
            (f"Beta vs {BENCHMARK_LABEL}", ratio(stats["beta"])),
            ("Alpha (annual)", pct(stats["alpha"])),
            ("Tracking error", pct(stats["tracking_error"], signed=False)),
            ("Information ratio", ratio(stats["information_ratio"])),
        ]
    return rows


def _accounts_table(subject: Subject, report: PerformanceReport, net: bool) -> list[list[str]]:
    """Per account of a household: type, ending value and TWR over the report's period."""
    if subject.kind != ReportSubject.HOUSEHOLD:
        return []
    period = report.period
    rows = []
    for account in subject.accounts:
        try:
            single = account_subject(account, user=subject.user)
            perf = single.performance(period=PeriodKey.CUSTOM, start=period.start, end=period.end, net=net).performance
            values = [
                money(perf.end_value),
                pct(perf.twr),
                f"{perf.base_date.isoformat()} to {perf.end_date.isoformat()}",
            ]
        except DomainError as error:
            values = ["—", "—", error.message[:60]]
        rows.append([account.name[:40], account.get_account_type_display(), *values])
    return rows


def _client_names(subject: Subject) -> str:
    clients = {
        account.client_id: f"{account.client.first_name} {account.client.last_name}" for account in subject.accounts
    }
    return ", ".join(sorted(clients.values()))


def build_content(
    subject: Subject,
    *,
    period: str = PeriodKey.INCEPTION,
    start: dt.date | None = None,
    end: dt.date | None = None,
    net: bool = True,
    label: str = "",
    progress: Progress | None = None,
) -> ReportContent:
    """The report's content over ``period`` (``label`` names a non-standard one).

    Raises the selectors' PeriodError or ReturnsError (coded DomainErrors) when it cannot be measured.
    """
    step = progress or (lambda message: None)
    step("Measuring returns")
    report = subject.performance(period=period, start=start, end=end, net=net)
    perf = report.performance
    comparison = benchmark_comparison(report, with_series=True)
    benchmark = comparison.benchmark

    step("Drawing charts and risk")
    series = daily_twr(report)
    bench = _benchmark_daily(series, benchmark)
    growth = [_wealth_line("Portfolio (TWR)", series)]
    if bench is not None:
        growth.append(_wealth_line(BENCHMARK_LABEL, bench))
    drawdown = np.concatenate(([0.0], metrics.drawdown_series(series.returns))) if series.returns.size else [0.0]
    drawdown_line = ChartLine("Drawdown", series.dates.astype(dt.date).tolist(), np.asarray(drawdown).tolist())

    step("Valuing holdings")
    holdings, holdings_total, by_class, by_sector = book.holdings(subject, perf.end_date)

    step("Listing activity")
    activity_summary, activity, activity_note = book.activity(subject, report.period.start, perf.end_date)
    accounts = _accounts_table(subject, report, net)

    notes = list(report.notes) + list(perf.working.notes)
    if bench is None:
        notes.append(f"No {BENCHMARK_LABEL} closes cover the period: the charts show the portfolio alone.")
    later = Transaction.objects.filter(
        account_id__in=[account.pk for account in subject.accounts], trade_date__gt=perf.end_date
    ).count()
    if later:
        notes.append(
            f"Holdings are positions held on {timezone.localdate().isoformat()}, priced at closes on or before "
            f"{perf.end_date.isoformat()}; {later} ledger entries dated after the period are reflected in them."
        )
    if perf.working.moved:
        notes.append(
            f"{len(perf.working.moved)} flow(s) or fee(s) dated on a day without a market session count on the next "
            "session."
        )
    household = subject.household
    return ReportContent(
        title=f"{subject.name} — performance report",
        subject_kind=subject.kind,
        subject_name=subject.name,
        household_name=household.name,
        client_names=_client_names(subject),
        advisor_name=household.advisor.get_full_name() or household.advisor.get_username(),
        firm_name=household.firm.name,
        period_label=label or report.period.label,
        period_start=report.period.start,
        base_date=perf.base_date,
        end_date=perf.end_date,
        net=net,
        generated_at=timezone.localtime(),
        summary=[
            ("Starting value", money(perf.start_value)),
            ("Net external flows", money(perf.net_flows)),
            ("Fees", money(perf.fees)),
            ("Gain", money(perf.gain)),
            ("Ending value", money(perf.end_value)),
        ],
        measures=[
            ("Time-weighted return (TWR)", pct(perf.twr), "Chained daily; not moved by the size or timing of flows."),
            ("Annualised TWR", pct(perf.twr_annualized), "Only for periods of a year or more."),
            ("Money-weighted return (MWR, annual)", pct(perf.mwr_annualized), "XIRR of the flows and values."),
            ("MWR over the period", pct(perf.mwr_period), "The XIRR rate over the period's own length."),
            ("Modified Dietz", pct(perf.modified_dietz), "Gain over the starting value plus day-weighted flows."),
            ("Simple return", pct(perf.simple), "Gain divided by the starting value."),
        ],
        returns_table=_returns_table(report, comparison.by_period, net),
        growth=growth,
        drawdown=drawdown_line,
        risk=_risk(series, bench),
        allocation_asset_class=by_class,
        allocation_sector=by_sector,
        holdings=holdings,
        holdings_total=holdings_total,
        accounts=accounts,
        activity_summary=activity_summary,
        activity=activity,
        activity_note=activity_note,
        notes=notes,
        methodology=[
            CONVENTION,
            perf.working.formula,
            "Money-weighted return: the internal rate of return (XIRR, actual/365) of the starting value, "
            "each external flow on its date and the ending value.",
            f"Benchmark: {BENCHMARK_LABEL} price index, without dividends. Risk measures use the daily "
            "time-weighted returns of the period, 252 sessions a year.",
            "Fees are " + ("deducted (net of fees)." if net else "added back as withdrawals (gross of fees)."),
        ],
    )

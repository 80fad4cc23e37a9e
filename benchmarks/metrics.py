"""Every metric over 500 series x 2,520 days: reporting.metrics.summary against a plain NumPy
implementation and against quantstats, timed in the same run on the same data.

    .venv/bin/python benchmarks/metrics.py [--series 500] [--days 2520] [--runs 7] [--quantstats-runs 1]

Data (real returns, bootstrapped): the bundled skfolio adjusted closes of 20 S&P 500 stocks and the S&P
500 index (marketdata/data/, 1990-2022) give daily returns; 2,520 trading days are drawn with replacement
from their 8,312 days, the same draws for every series and the benchmark; series i is a long-only
portfolio of the 20 stocks with random (Dirichlet) weights, rebalanced daily; the benchmark is the index
on the same drawn days. The rows are labelled with the last 2,520 real session dates of the dataset
(so months and years are real calendar buckets). --seed fixes the draws.

Work timed, identical for all three: summary(returns, benchmark, risk_free=0.02, dates=...) — total
return, CAGR, volatility, Sharpe, Sortino, max drawdown with duration and peak/trough/recovery dates,
Calmar, historical and parametric VaR and CVaR at 95 and 99 %, best/worst day/month/year, beta, alpha,
tracking error, information ratio, up/down capture.
- plain NumPy: the textbook vectorised code over the (days x series) array as given, no input checks,
  no NaN handling (the data has none); the script checks it agrees with summary to 1e-9.
- quantstats (installed for this script only, not a project dependency): its functions per series where
  it has them (comp, cagr, volatility, sharpe, sortino, max_drawdown, to_drawdown_series +
  drawdown_details, calmar, value_at_risk, conditional_value_at_risk historical and parametric, best,
  worst, greeks, information_ratio), pandas quantile for historical VaR, and quantstats' cagr and
  volatility on the filtered or active series for capture and tracking error. It is slow, so it runs
  --quantstats-runs times (1 by default) over all series, or over --quantstats-series of them and is
  scaled up (the script says which).

Prints the median (and min-max) of the runs and the ratios summary/plain and quantstats/summary.
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reporting.metrics import summary  # noqa: E402

DATA = ROOT / "marketdata" / "data"
PERIODS = 252
RISK_FREE = 0.02
LEVELS = (0.95, 0.99)


def bootstrapped_returns(series: int, days: int, seed: int):
    """(returns days x series, benchmark returns, dates) built from the bundled real prices."""
    closes = pd.read_csv(DATA / "sp500_dataset.csv.gz", index_col=0, parse_dates=True)
    index = pd.read_csv(DATA / "sp500_index.csv.gz", index_col=0, parse_dates=True).iloc[:, 0]
    stocks = closes.pct_change().iloc[1:]
    market = index.pct_change().reindex(stocks.index)
    usable = stocks.notna().all(axis=1) & market.notna()
    stocks, market = stocks[usable].to_numpy(), market[usable].to_numpy()
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, len(stocks), size=days)
    weights = rng.dirichlet(np.ones(stocks.shape[1]), size=series).T  # 20 x series
    returns = stocks[drawn] @ weights
    dates = closes.index[-days:].to_numpy().astype("datetime64[D]")
    return np.ascontiguousarray(returns), market[drawn], dates


def plain_numpy(r: np.ndarray, b: np.ndarray, dates: np.ndarray, risk_free: float) -> dict:
    """The same metrics written the plain way over (days x series), for complete data only."""
    n = r.shape[0]
    rf = (1 + risk_free) ** (1 / PERIODS) - 1
    out = {}
    wealth = np.cumprod(1 + r, axis=0)
    out["total_return"] = wealth[-1] - 1
    out["cagr"] = wealth[-1] ** (1 / (n / PERIODS)) - 1
    mean = r.mean(axis=0)
    std = r.std(axis=0, ddof=1)
    out["annual_volatility"] = std * np.sqrt(PERIODS)
    out["sharpe"] = (mean - rf) / std * np.sqrt(PERIODS)
    downside = np.sqrt(np.mean(np.minimum(r - rf, 0) ** 2, axis=0)) * np.sqrt(PERIODS)
    out["sortino"] = (mean - rf) * PERIODS / downside
    peak = np.maximum(np.maximum.accumulate(wealth, axis=0), 1.0)
    drawdown = wealth / peak - 1
    out["max_drawdown"] = drawdown.min(axis=0)
    trough = drawdown.argmin(axis=0)
    columns = np.arange(r.shape[1])
    level = peak[trough, columns]
    rows = np.arange(n)[:, None]
    at_peak = (wealth == level) & (rows <= trough)
    peak_row = np.where(at_peak.any(axis=0), n - 1 - at_peak[::-1].argmax(axis=0), -1)
    back = (wealth >= level) & (rows > trough)
    recovered = back.any(axis=0)
    recovery_row = np.where(recovered, back.argmax(axis=0), -1)
    out["max_drawdown_duration"] = np.where(recovered, recovery_row - peak_row, n - 1 - peak_row)
    out["max_drawdown_peak"] = np.where(peak_row >= 0, dates[peak_row], np.datetime64("NaT"))
    out["max_drawdown_trough"] = dates[trough]
    out["max_drawdown_recovery"] = np.where(recovered, dates[recovery_row], np.datetime64("NaT"))
    out["calmar"] = out["cagr"] / np.abs(out["max_drawdown"])
    ordered = np.sort(r, axis=0)
    for level_ in LEVELS:
        tail = round(1 - level_, 12)
        name = str(round(level_ * 100))
        out[f"var_{name}"] = np.percentile(r, tail * 100, axis=0)
        out[f"cvar_{name}"] = ordered[: int((n - 1) * tail) + 1].mean(axis=0)
        z = _inverse_normal(tail)
        out[f"parametric_var_{name}"] = mean + z * std
        out[f"parametric_cvar_{name}"] = mean - std * np.exp(-z * z / 2) / np.sqrt(2 * np.pi) / tail
    out["best_day"] = r.max(axis=0)
    out["worst_day"] = r.min(axis=0)
    for period, unit in (("month", "M"), ("year", "Y")):
        bucket = dates.astype(f"datetime64[{unit}]")
        starts = np.concatenate(([0], np.flatnonzero(bucket[1:] != bucket[:-1]) + 1))
        compounded = np.multiply.reduceat(1 + r, starts, axis=0) - 1
        out[f"best_{period}"] = compounded.max(axis=0)
        out[f"worst_{period}"] = compounded.min(axis=0)
    centred = b - b.mean()
    beta = centred @ r / n / (centred @ centred / n)
    out["beta"] = beta
    out["alpha"] = (1 + (mean - rf) - beta * (b.mean() - rf)) ** PERIODS - 1
    active = r - b[:, None]
    active_std = active.std(axis=0, ddof=1)
    out["tracking_error"] = active_std * np.sqrt(PERIODS)
    out["information_ratio"] = active.mean(axis=0) / active_std * np.sqrt(PERIODS)
    for name, chosen in (("up_capture", b > 0), ("down_capture", b < 0)):
        k = chosen.sum()
        own = np.prod(1 + r[chosen], axis=0) ** (1 / (k / PERIODS)) - 1
        theirs = np.prod(1 + b[chosen]) ** (1 / (k / PERIODS)) - 1
        out[name] = own / theirs
    return out


def _inverse_normal(p: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)


def quantstats_work(qs, r: np.ndarray, b: np.ndarray, dates: np.ndarray, risk_free: float, columns) -> None:
    index = pd.DatetimeIndex(dates)
    bench = pd.Series(b, index=index)
    rf = (1 + risk_free) ** (1 / PERIODS) - 1
    stats = qs.stats
    for column in columns:
        s = pd.Series(r[:, column], index=index)
        stats.comp(s)
        stats.cagr(s, periods=PERIODS)
        stats.volatility(s, periods=PERIODS)
        stats.sharpe(s, rf=rf, periods=PERIODS)
        stats.sortino(s, rf=rf, periods=PERIODS)
        stats.max_drawdown(s)
        stats.drawdown_details(stats.to_drawdown_series(s))
        stats.calmar(s, periods=PERIODS)
        for level in LEVELS:
            s.quantile(1 - level)
            stats.conditional_value_at_risk(s, confidence=level, method="historical")
            stats.value_at_risk(s, confidence=level)
            stats.conditional_value_at_risk(s, confidence=level)
        for aggregate in (None, "month", "year"):
            stats.best(s, aggregate=aggregate)
            stats.worst(s, aggregate=aggregate)
        stats.greeks(s, bench, periods=PERIODS)
        stats.volatility(s - bench, periods=PERIODS)
        stats.information_ratio(s, bench)
        for chosen in (bench > 0, bench < 0):
            stats.cagr(s[chosen], periods=PERIODS)
            stats.cagr(bench[chosen], periods=PERIODS)


def timed(function, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def describe(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:9.1f} ms (min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f})"


def check_agreement(ours: dict, plain: dict) -> None:
    for key, expected in plain.items():
        got = ours[key]
        if np.issubdtype(np.asarray(expected).dtype, np.datetime64):
            same = np.array_equal(got, expected.astype("datetime64[D]"), equal_nan=True)
        else:
            same = np.allclose(got, expected, rtol=1e-9, atol=1e-9)
        if not same:
            raise SystemExit(f"plain NumPy and summary disagree on {key}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=500)
    parser.add_argument("--days", type=int, default=2520)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quantstats-runs", type=int, default=1)
    parser.add_argument("--quantstats-series", type=int, default=None, help="time quantstats on fewer series and scale")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    r, b, dates = bootstrapped_returns(args.series, args.days, args.seed)
    print(f"data: {args.series} bootstrapped portfolios of the 20 bundled stocks x {args.days} days, benchmark SPX")

    ours = summary(r, b, RISK_FREE, dates=dates)
    check_agreement(ours, plain_numpy(r, b, dates, RISK_FREE))
    print("plain NumPy and summary agree to 1e-9 on every metric")

    # alternate the two so that noise from other work on the machine falls on both alike
    ours_times, plain_times = [], []
    for _ in range(args.runs):
        ours_times += timed(lambda: summary(r, b, RISK_FREE, dates=dates), 1)
        plain_times += timed(lambda: plain_numpy(r, b, dates, RISK_FREE), 1)
    ours_median = statistics.median(ours_times)
    print(f"summary (reporting.metrics) {describe(ours_times)}")
    print(f"plain NumPy                 {describe(plain_times)}")
    print(f"ratio summary / plain NumPy: {ours_median / statistics.median(plain_times):.2f} (target <= 1.5)")

    try:
        import quantstats as qs
    except ImportError:
        print("quantstats is not installed: `.venv/bin/pip install quantstats` to compare (not a project dependency)")
        return
    count = args.quantstats_series or args.series
    columns = range(min(count, args.series))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        qs_times = timed(lambda: quantstats_work(qs, r, b, dates, RISK_FREE, columns), args.quantstats_runs)
    scale = args.series / len(columns)
    qs_times = [each * scale for each in qs_times]
    note = "" if scale == 1 else f" (timed on {len(columns)} series, scaled x{scale:g})"
    print(f"quantstats {qs.__version__}           {describe(qs_times)}{note}")
    print(f"ratio quantstats / summary: {statistics.median(qs_times) / ours_median:.0f}x (target >= 50x)")


if __name__ == "__main__":
    main()

"""The strategy engine on the issue's reference strategy: against a plain NumPy implementation and
vectorbt on the same data in the same run, and how its cost grows with the number of instruments.

    .venv/bin/python benchmarks/backtest_engine.py [--instruments 500] [--days 2520] [--runs 7]
        [--vectorbt-python /tmp/vbt-venv/bin/python] [--scaling 250,500,1000,2000]

Data (real returns, bootstrapped): the daily returns of the 20 bundled S&P 500 stocks (skfolio dataset,
1990-2022); instrument i follows stock i mod 20 on days drawn with replacement (its own draws, seeded),
so the cross-section has real fat tails and dispersion without 500 copies of 20 series. The SPX closes
are drawn on the first instrument's days (the benchmark only feeds metrics and the regime series).

Work timed (like with like — the engine's timed work is a superset of vectorbt's):
- engine: strategies.backtest.run_backtest(reference config, panel) — everything it does and what its
  engine_seconds covers: the regime series (classified and kept even with regimes off: win rate by
  regime needs it), breaker and adaptive series, scores, top 50, target weights, the cost equation,
  daily equity, the trade log with commissions (TradeLog arrays), holdings after each rebalance, closed
  positions and their returns, turnover and the reporting.metrics summary. Not timed, on either side:
  loading the panel, and turning arrays into Python/JSON objects (the Event views are made on first use;
  to_dict's trade rows and equity-curve lists) — a separate line prints run_backtest + to_dict so that
  cost is visible too.
- plain NumPy: the textbook code of the same strategy (scores on the rebalance bars, stable argsort,
  fixed-point cost equation, segment matrix products); it returns only the equity curve. The script
  checks the two curves agree to 1e-9 relative.
- vectorbt (optional; never a project dependency — install it into a throwaway virtualenv and pass its
  python with --vectorbt-python): Portfolio.from_orders with target-percent sizes of 2 % on the
  rebalance bars, cash sharing, call_seq="auto" (sells first), fees 0.001, then pf.value() — its
  simulation with the order records (its trade log) and the daily equity. Its target sizes are built
  outside the timing (the engine's scores and ranking are inside), and its closed positions
  (pf.positions), statistics (pf.stats) and any regime series are NOT computed, so vectorbt does less
  than the engine in the timed part and the ratio is conservative. A second figure adds, on the same
  portfolio, its closed positions with their returns and pf.stats() (the engine's win-rate inputs and
  metrics) — the whole output against the whole output. It runs in a worker process of that
  python on the same array (.npy). Its first call compiles with numba and is reported apart; then one
  vectorbt run and one engine run alternate (--runs pairs), so both see the same load on a shared
  machine, and the ratio is given by medians and pair by pair. Its cost model differs slightly (fees on
  each order from cash, not solved to be fully invested), so the final equities are printed side by
  side rather than asserted equal.
Prints the load average (2 shared cores: other engineers' tests), median (min-max) per implementation,
the ratios, and for --scaling the best time per size with a least-squares line a + b x instruments.
"""

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from strategies.backtest import BacktestConfig, run_backtest  # noqa: E402
from strategies.panel import PricePanel  # noqa: E402

DATA = ROOT / "marketdata" / "data"
REFERENCE = {
    "factors": {"momentum_12_1": 1.0},
    "top_n": 50,
    "weighting": "equal",
    "rebalance": {"every_bars": 21, "warmup_bars": 252},
    "execution": "close",
    "fractional": True,
    "commission_bps": 10,
    "slippage_bps": 0,
    "initial_cash": 1000000,
    "regimes": False,
    "circuit_breaker": False,
}


def real_returns() -> tuple[np.ndarray, np.ndarray]:
    def read(name):
        with gzip.open(DATA / name, "rt") as fh:
            next(fh)
            rows = [line.rstrip("\n").split(",") for line in fh]
        return np.array([[float(v) if v else np.nan for v in row[1:]] for row in rows])

    stocks, index = read("sp500_dataset.csv.gz"), read("sp500_index.csv.gz")[:, 0]
    usable = np.isfinite(stocks).all(axis=1) & np.isfinite(index)
    stocks, index = stocks[usable], index[usable]
    return stocks[1:] / stocks[:-1] - 1, index[1:] / index[:-1] - 1


def make_panel(instruments: int, days: int, seed: int = 7) -> PricePanel:
    stocks, market = real_returns()
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(stocks), size=(days, instruments))
    returns = stocks[draws, np.arange(instruments) % stocks.shape[1]]
    close = 50.0 * np.cumprod(1 + returns, axis=0)
    bench = 1000.0 * np.cumprod(1 + market[draws[:, 0]])
    dates = np.busday_offset("2012-01-03", np.arange(days), roll="forward")
    symbols = [f"S{i:04d}" for i in range(instruments)]
    return PricePanel(dates=dates, symbols=symbols, close=close, benchmark=bench, benchmark_symbol="SPX")


def plain_numpy(close, top_n=50, every=21, warmup=252, fee=0.001, cash0=1_000_000.0) -> np.ndarray:
    bars, count = close.shape
    equity = np.empty(bars)
    rebalances = np.arange(warmup, bars, every)
    scores = close[rebalances - 21] / close[rebalances - 252] - 1
    shares = np.zeros(count)
    cash, last = cash0, 0
    for k, t in enumerate(rebalances):
        held = np.flatnonzero(shares)
        equity[last : t + 1] = cash + close[last : t + 1, held] @ shares[held]
        value = equity[t]
        weights = np.zeros(count)
        weights[np.argsort(-scores[k], kind="stable")[:top_n]] = 1.0 / top_n
        current = shares * close[t]
        after = value
        for _ in range(100):
            nxt = value - fee * np.abs(after * weights - current).sum()
            if nxt == after:
                break
            after = nxt
        shares = after * weights / close[t]
        cash = after - shares @ close[t]
        equity[t] = after
        last = t + 1
    held = np.flatnonzero(shares)
    equity[last:] = cash + close[last:, held] @ shares[held]
    return equity


VECTORBT_SCRIPT = r"""
import json, sys, time
import numpy as np
import vectorbt as vbt
close = np.load(sys.argv[1])
bars, count = close.shape
reb = np.arange(252, bars, 21)
size = np.full(close.shape, np.nan)
scores = close[reb - 21] / close[reb - 252] - 1
for k, t in enumerate(reb):
    row = np.zeros(count); row[np.argsort(-scores[k], kind="stable")[:50]] = 1 / 50; size[t] = row
import warnings
warnings.filterwarnings("ignore")
def once():
    pf = vbt.Portfolio.from_orders(close, size=size, size_type="targetpercent", group_by=True, cash_sharing=True,
                                   call_seq="auto", fees=0.001, init_cash=1_000_000.0, freq="1D")
    return pf, float(pf.value().iloc[-1])
def extras(pf):  # what the engine also computes: closed positions and their returns, statistics
    closed = pf.positions.closed
    closed.returns.values
    pf.stats()
t = time.perf_counter(); pf, final = once(); first = time.perf_counter() - t
extras(pf)
print(json.dumps({"first": first, "final": final, "version": vbt.__version__}), flush=True)
for line in sys.stdin:  # one timed run per request, so the caller can interleave its own runs
    t = time.perf_counter(); pf, _ = once(); core = time.perf_counter() - t
    t = time.perf_counter(); extras(pf); print(core, time.perf_counter() - t, flush=True)
"""


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def show(label: str, times: list[float]) -> str:
    spread = f"min {min(times) * 1000:.2f}, max {max(times) * 1000:.2f}, {len(times)} runs"
    return f"{label:<34} median {statistics.median(times) * 1000:9.2f} ms  ({spread})"


def vectorbt_vs_engine(args, config, panel, result) -> None:
    """vectorbt runs in its own python, one run per request; engine and vectorbt runs alternate so both
    see the same load on this shared machine."""
    with tempfile.TemporaryDirectory() as tmp:
        array = Path(tmp) / "close.npy"
        np.save(array, panel.close)
        script = Path(tmp) / "vbt_run.py"
        script.write_text(VECTORBT_SCRIPT)
        worker = subprocess.Popen(
            [args.vectorbt_python, str(script), str(array)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        header = worker.stdout.readline()
        if not header:
            error = worker.stderr.read().strip().splitlines()
            print(f"vectorbt failed: {error[-1] if error else worker.wait()}")
            return
        meta = json.loads(header)
        engine_times, vbt_times, vbt_full = [], [], []
        for _ in range(args.runs):
            engine_times += timed(lambda: run_backtest(config, panel), 1)
            worker.stdin.write("run\n")
            worker.stdin.flush()
            core, extra = (float(v) for v in worker.stdout.readline().split())
            vbt_times.append(core)
            vbt_full.append(core + extra)
        worker.stdin.close()
        worker.wait()
    print(
        f"vectorbt {meta['version']}: first call (numba compile) {meta['first']:.2f} s;"
        " then runs alternating with the engine:"
    )
    print(show("vectorbt (from_orders + value)", vbt_times))
    print(show("engine (same moments)", engine_times))
    ratios = sorted(v / e for v, e in zip(vbt_times, engine_times, strict=True))
    print(
        "vectorbt / engine (vectorbt doing less):"
        f" {statistics.median(vbt_times) / statistics.median(engine_times):.0f}x by medians, "
        f"pairwise {ratios[0]:.0f}x to {ratios[-1]:.0f}x, median pair {statistics.median(ratios):.0f}x (target >= 100x)"
    )
    print(show("vectorbt + positions + stats", vbt_full))
    print(
        f"vectorbt with its closed positions and pf.stats() (the engine's full output) / engine:"
        f" {statistics.median(vbt_full) / statistics.median(engine_times):.0f}x by medians"
    )
    print(
        f"final equity: engine {result.final_equity:,.2f}, vectorbt {meta['final']:,.2f} (cost models differ slightly)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instruments", type=int, default=500)
    parser.add_argument("--days", type=int, default=2520)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--scaling", default="250,500,1000,2000")
    parser.add_argument(
        "--vectorbt-python", help="a python that has vectorbt installed (e.g. /tmp/vbt-venv/bin/python)"
    )
    args = parser.parse_args()

    config = BacktestConfig.from_dict(REFERENCE)
    panel = make_panel(args.instruments, args.days)
    print(f"reference strategy, {args.instruments} instruments x {args.days} days (bootstrapped real returns)")
    print(f"load average at start: {load()}")
    result = run_backtest(config, panel)  # warm-up
    plain = plain_numpy(panel.close)
    gap = float(np.max(np.abs(result.equity / plain - 1)))
    print(f"engine vs plain NumPy equity: largest relative gap {gap:.2e} ({'ok' if gap <= 1e-9 else 'MISMATCH'})")
    engine_times = timed(lambda: run_backtest(config, panel), args.runs)
    plain_times = timed(lambda: plain_numpy(panel.close), args.runs)
    print(show("engine (run_backtest, everything)", engine_times))
    print(show("plain NumPy (equity only)", plain_times))
    ratio = statistics.median(engine_times) / statistics.median(plain_times)
    print(f"engine / plain NumPy: {ratio:.2f}x (target <= 3x)")
    formatted = timed(lambda: run_backtest(config, panel).to_dict(closed_positions=True), max(3, args.runs // 2))
    print(show("engine + to_dict (JSON document)", formatted) + "  [not compared: formatting]")

    if args.vectorbt_python and Path(args.vectorbt_python).exists():
        vectorbt_vs_engine(args, config, panel, result)
    else:
        print(
            "vectorbt: not measured (pass --vectorbt-python PATH to a python with vectorbt installed;"
            " e.g. python -m venv /tmp/vbt-venv && /tmp/vbt-venv/bin/pip install vectorbt)"
        )

    print("scaling with instruments (engine, same days; best of --runs, the least disturbed by other work):")
    sizes = [int(s) for s in args.scaling.split(",") if s]
    best = {}
    for count in sizes:
        scaled = make_panel(count, args.days, seed=count)
        run_backtest(config, scaled)
        times = timed(lambda scaled=scaled: run_backtest(config, scaled), args.runs)
        best[count] = min(times)
        print(
            f"  {count:>5} instruments  best {best[count] * 1000:8.2f} ms  = {best[count] * 1e6 / count:7.2f} ms"
            f" per 1,000  (median {statistics.median(times) * 1000:.2f} ms)"
        )
    if len(sizes) >= 2:
        first, last = sizes[0], sizes[-1]
        print(
            f"  {first} -> {last} instruments ({last / first:.0f}x): time x{best[last] / best[first]:.2f}"
            f" (proportional would be x{last / first:.0f}; a fixed part does not grow)"
        )
        x, y = np.array(sizes, dtype=float), np.array([best[c] for c in sizes])
        slope, intercept = np.polyfit(x, y, 1)
        worst = float(np.max(np.abs(intercept + slope * x - y) / y))
        print(
            f"  least squares: {intercept * 1000:.2f} ms + {slope * 1e6:.2f} ms per 1,000 instruments;"
            f" largest gap to the line {worst:.0%}"
        )
    print(f"load average at end: {load()}")


def load() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg()) + f" (1, 5, 15 min; {os.cpu_count()} cores)"


if __name__ == "__main__":
    main()

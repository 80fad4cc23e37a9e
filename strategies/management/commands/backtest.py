"""Run a strategy backtest (or a walk-forward) from a JSON config, printing one JSON object or a summary.

    python manage.py backtest --config CONFIG.json [--prices PRICES.csv] --json
    python manage.py backtest --config CONFIG.json --walk-forward --grid GRID.json --train-bars 504 --test-bars 126

PRICES.csv is long format ``date,symbol,close`` (optional ``volume`` and ``sector`` columns; the config's
benchmark symbol, SPX by default, may be among the rows); without it the stored adjusted closes are used
(the config's ``universe``, ``start`` and ``end`` choose them). The JSON keys are those of
BacktestResult.to_dict (final_equity, equity_curve, metrics, trades, turnover, win_rate_by_regime,
engine_seconds = the engine alone, ...). Bad config or prices: an error naming the keys, rows or symbols,
exit status 1, nothing printed on stdout.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from strategies.backtest import BacktestConfig, run_backtest
from strategies.errors import EngineError
from strategies.panel import PriceDataError, panel_from_csv
from strategies.panel_store import load_panel
from strategies.walkforward import run_walk_forward


def _read_json(path: str, what: str):
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot read the {what} file {path}: {exc.strerror}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{what} file {path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc


def _engine_error(exc: EngineError) -> CommandError:
    if isinstance(exc, PriceDataError):
        return CommandError(f"[{exc.code}] the prices cannot be used:\n  " + "\n  ".join(exc.problems))
    details = "".join(f"\n  {key}: {message}" for key, message in exc.fields.items())
    return CommandError(f"[{exc.code}] {exc.message}{details}")


class Command(BaseCommand):
    help = "Backtest a strategy configuration (JSON) on a price file or the stored prices."

    def add_arguments(self, parser):
        parser.add_argument("--config", required=True, metavar="CONFIG.json", help="the strategy configuration")
        parser.add_argument(
            "--prices", metavar="PRICES.csv", help="long CSV date,symbol,close (default: stored prices)"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--no-trades", action="store_true", help="leave the trade list out of the JSON")
        parser.add_argument("--walk-forward", action="store_true", help="rolling train/test windows instead")
        parser.add_argument("--grid", metavar="GRID.json", help='walk-forward grid, e.g. {"top_n": [20, 50]}')
        parser.add_argument("--train-bars", type=int, default=504)
        parser.add_argument("--test-bars", type=int, default=126)
        parser.add_argument("--rank-by", default="sharpe", help="metric chosen on the train part (default sharpe)")

    def handle(self, *args, **options):
        raw = _read_json(options["config"], "config")
        grid = _read_json(options["grid"], "grid") if options["grid"] else {}
        try:
            config = BacktestConfig.from_dict(raw)
            panel = self._panel(config, options["prices"])
            if options["walk_forward"]:
                result = run_walk_forward(
                    config,
                    panel,
                    grid=grid,
                    train_bars=options["train_bars"],
                    test_bars=options["test_bars"],
                    rank_by=options["rank_by"],
                )
                report = result.to_dict()
            else:
                result = run_backtest(config, panel)
                report = result.to_dict(trades=not options["no_trades"])
        except EngineError as exc:
            raise _engine_error(exc) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report, allow_nan=False))
            return
        self._summary(report)

    def _panel(self, config: BacktestConfig, prices: str | None):
        min_bars = config.warmup_bars + 1
        if prices:
            if not Path(prices).is_file():
                raise CommandError(f"price file {prices} does not exist")
            return panel_from_csv(
                prices,
                benchmark=config.benchmark,
                universe=config.universe or None,
                min_bars=min_bars,
                start=config.start,
                end=config.end,
            )
        return load_panel(
            list(config.universe) or None, config.start, config.end, benchmark=config.benchmark, min_bars=min_bars
        )

    def _summary(self, report: dict) -> None:
        metrics = report["metrics"]
        data = report["data"]
        lines = [
            f"data          {data['start']} .. {data['end']} ({data['bars']} bars, {data['symbols']} symbols)",
            f"final equity  {report['final_equity']:,.2f} (from {report['initial_cash']:,.2f})",
        ]
        for key in ("total_return", "cagr", "annual_volatility", "sharpe", "sortino", "max_drawdown", "calmar"):
            value = metrics.get(key)
            lines.append(f"{key:<17} {'n/a' if value is None else f'{value:.6g}'}")
        if "turnover" in report:
            lines.append(f"turnover      {report['turnover']:.4g} a year (one-sided); {report['trade_count']} trades")
        for regime, row in report["win_rate_by_regime"].items():
            rate = "n/a" if row["win_rate"] is None else f"{100 * row['win_rate']:.1f} %"
            lines.append(f"win rate {regime:<8} {rate} of {row['closed']} closed positions")
        spread = report["robustness"].get("spread_pp")
        lines.append(f"robustness    {'n/a' if spread is None else f'{spread:.1f} pp'}")
        lines.extend(f"note          {note}" for note in report.get("notes", []))
        lines.append(f"engine        {report['engine_seconds']:.3f} s")
        self.stdout.write("\n".join(lines))

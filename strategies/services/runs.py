"""Backtests and walk-forward runs: requested by a person, run by a Celery task with live progress.

``start_backtest`` / ``start_walk_forward`` check everything that can be checked up front (the
configuration with the engine, an uploaded price file with the price-file rules), store a queued
run with its job and enqueue the task after commit. ``execute_run`` is the task's work: it loads
the prices, runs the engine and stores the result, its figures and its regime series in one
transaction; a refusal (bad prices, too little history) fails the run and stores nothing else.
"""

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Capability, has_capability
from compliance.services import record_event
from jobs.services import create_job
from valuepartner.errors import DomainError

from ..models import BacktestRun, RegimeSpan, Strategy
from ..models.choices import FINISHED_RUN_STATUSES, PriceSource, Regime, RunKind, RunStatus
from .config import GRID_KEYS, MAX_GRID_COMBINATIONS, config_for, engine_config, with_range
from .errors import StrategiesError, field_error, from_engine

PRICE_DIR = "strategies/prices"
MAX_PRICE_BYTES = 200 * 1024 * 1024
MAX_TRAIN_BARS = 5040


@dataclass(frozen=True)
class PriceFile:
    """An uploaded long ``date,symbol,close`` file."""

    name: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def require_run_rights(actor, strategy: Strategy) -> None:
    """Running costs compute and stores results: the roles that manage a book may; readers may not."""
    if actor is not None and not has_capability(actor, Capability.MANAGE_BOOK):
        raise StrategiesError("forbidden", "Your role cannot run backtests.")
    if not strategy.is_active:
        raise StrategiesError("inactive_strategy", "This strategy is inactive; activate it to run it.")


def check_date_range(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and start >= end:
        raise field_error("invalid_range", "end", "The end must be after the start.")


def _min_bars(config) -> int:
    return config.warmup_bars + 1


def _price_text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise field_error("bad_prices", "prices", "The price file is not UTF-8 text.") from None


def check_price_file(prices: PriceFile, config) -> "object":
    """The panel of an uploaded file, or the engine's PriceDataError naming rows and symbols."""
    from ..errors import EngineError
    from ..panel import panel_from_csv

    if len(prices.content) > MAX_PRICE_BYTES:
        raise field_error("bad_prices", "prices", f"The price file is larger than {MAX_PRICE_BYTES // 2**20} MB.")
    try:
        return panel_from_csv(
            io.StringIO(_price_text(prices.content), newline=""),
            benchmark=config.benchmark,
            universe=config.universe or None,
            min_bars=_min_bars(config),
            start=config.start,
            end=config.end,
        )
    except EngineError as error:
        raise from_engine(error) from None


def _store_price_file(prices: PriceFile) -> str:
    path = f"{PRICE_DIR}/{prices.sha256}.csv"
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(prices.content))
    return path


def _create_run(*, actor, strategy, kind, config, parameters, start, end, prices, label, job_kind, sweep=None):
    job = None
    if sweep is None:
        job = create_job(owner=actor, kind=job_kind, label=label, total=0)
    run = BacktestRun.objects.create(
        strategy=strategy,
        sweep=sweep,
        kind=kind,
        label=label[:200],
        config=config,
        parameters=parameters,
        price_source=PriceSource.UPLOAD if prices else PriceSource.STORED,
        price_file_name=prices.name[:255] if prices else "",
        price_file_sha256=prices.sha256 if prices else "",
        requested_start=start,
        requested_end=end,
        job=job,
        created_by=actor,
    )
    return run


def start_backtest(
    *,
    actor,
    strategy: Strategy,
    start: dt.date | None = None,
    end: dt.date | None = None,
    prices: PriceFile | None = None,
) -> BacktestRun:
    """Queue a backtest of ``strategy`` on the stored prices (or ``prices``) between ``start`` and ``end``."""
    from ..tasks import run_backtest_task

    require_run_rights(actor, strategy)
    check_date_range(start, end)
    config = engine_config(with_range(config_for(strategy), start, end))
    if prices is not None:
        check_price_file(prices, config)
        _store_price_file(prices)
    label = f"Backtest of {strategy.name}"
    with transaction.atomic():
        run = _create_run(
            actor=actor,
            strategy=strategy,
            kind=RunKind.BACKTEST,
            config=config.to_dict(),
            parameters={},
            start=start,
            end=end,
            prices=prices,
            label=label,
            job_kind="backtest",
        )
        record_event(
            action="strategy.backtest_requested",
            actor=actor,
            target=run,
            firm_id=strategy.firm_id,
            metadata={"strategy": strategy.pk, "start": str(start), "end": str(end), "prices": run.price_source},
        )
        transaction.on_commit(lambda: run_backtest_task.delay(run.pk))
    return run


def clean_grid(grid) -> dict[str, list]:
    """A sweep or walk-forward grid: known config keys, each with a non-empty list of distinct values."""
    if not isinstance(grid, dict) or not grid:
        raise field_error("invalid_grid", "grid", "Give at least one setting with the values to try.")
    cleaned, combinations = {}, 1
    for key, values in grid.items():
        if key not in GRID_KEYS:
            raise field_error("invalid_grid", "grid", f"{key} cannot be varied (choose from {', '.join(GRID_KEYS)}).")
        if not isinstance(values, list | tuple) or not values:
            raise field_error("invalid_grid", "grid", f"{key}: give a list of values.")
        kind = GRID_KEYS[key]
        try:
            typed = [kind(value) if kind is not bool else value in (True, "true", "1", 1) for value in values]
        except (TypeError, ValueError):
            raise field_error("invalid_grid", "grid", f"{key}: every value must be a {kind.__name__}.") from None
        typed = list(dict.fromkeys(typed))
        cleaned[key] = typed
        combinations *= len(typed)
    if combinations > MAX_GRID_COMBINATIONS:
        raise field_error(
            "invalid_grid", "grid", f"{combinations} combinations; at most {MAX_GRID_COMBINATIONS} per request."
        )
    return cleaned


def start_walk_forward(
    *,
    actor,
    strategy: Strategy,
    grid: dict,
    train_bars: int,
    test_bars: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> BacktestRun:
    """Queue a walk-forward run: parameters chosen on each train window, only test windows reported."""
    from ..tasks import run_backtest_task

    require_run_rights(actor, strategy)
    check_date_range(start, end)
    grid = clean_grid(grid)
    for field, value in (("train_bars", train_bars), ("test_bars", test_bars)):
        if not isinstance(value, int) or not 21 <= value <= MAX_TRAIN_BARS:
            raise field_error("invalid", field, f"Must be a whole number of sessions between 21 and {MAX_TRAIN_BARS}.")
    config = engine_config(with_range(config_for(strategy), start, end))
    for key, values in grid.items():
        for value in values:
            try:
                config.with_overrides({key: value})
            except DomainError as error:
                raise field_error(
                    "invalid_grid", "grid", f"{key}={value!r}: {getattr(error, 'message', error)}"
                ) from None
    label = f"Walk-forward of {strategy.name}"
    with transaction.atomic():
        run = _create_run(
            actor=actor,
            strategy=strategy,
            kind=RunKind.WALK_FORWARD,
            config=config.to_dict(),
            parameters={"grid": grid, "train_bars": train_bars, "test_bars": test_bars},
            start=start,
            end=end,
            prices=None,
            label=label,
            job_kind="walk_forward",
        )
        record_event(
            action="strategy.walk_forward_requested",
            actor=actor,
            target=run,
            firm_id=strategy.firm_id,
            metadata={"strategy": strategy.pk, **run.parameters},
        )
        transaction.on_commit(lambda: run_backtest_task.delay(run.pk))
    return run


# --- Running (inside the task) ---


def load_prices(run: BacktestRun, config):
    """The run's price panel: its uploaded file, or the stored adjusted closes."""
    from ..panel_store import load_panel

    if run.price_source == PriceSource.UPLOAD:
        path = f"{PRICE_DIR}/{run.price_file_sha256}.csv"
        if not default_storage.exists(path):
            raise StrategiesError("prices_missing", "The uploaded price file is no longer stored; upload it again.")
        with default_storage.open(path, "rb") as handle:
            return check_price_file(PriceFile(run.price_file_name, handle.read()), config)
    return engine_call(
        load_panel,
        list(config.universe) or None,
        config.start,
        config.end,
        benchmark=config.benchmark,
        min_bars=_min_bars(config),
    )


def engine_call(function, *args, **kwargs):
    """Call into the engine with its EngineError turned into a StrategiesError (same code and message)."""
    from ..errors import EngineError

    try:
        return function(*args, **kwargs)
    except EngineError as error:
        raise from_engine(error) from None


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def regime_spans(regimes) -> list[tuple[str, dt.date, dt.date, int]]:
    """(regime, first day, last day, sessions) from the engine's ``regimes`` entry ({"spans": [...]})."""
    rows = regimes.get("spans", []) if isinstance(regimes, dict) else regimes or []
    spans = []
    for row in rows:
        regime = row["regime"] if row["regime"] in Regime.values else Regime.UNKNOWN
        first, last = dt.date.fromisoformat(str(row["start"])[:10]), dt.date.fromisoformat(str(row["end"])[:10])
        spans.append((regime, first, last, int(row["sessions"])))
    return spans


def _store_regime_spans(run: BacktestRun, regimes) -> None:
    """The run's regime spans (a 15-year run has ~240). On PostgreSQL one INSERT takes the columns as
    four arrays (unnest, dates cast from their ISO text), so no model object, no date parsing and no
    SQL parameters are made per span; the rows are the ones ``regime_spans`` describes."""
    if connection.vendor != "postgresql":
        RegimeSpan.objects.bulk_create(
            RegimeSpan(run=run, regime=regime, start=first, end=last, sessions=count)
            for regime, first, last, count in regime_spans(regimes)
        )
        return
    rows = regimes.get("spans", []) if isinstance(regimes, dict) else regimes or []
    if not rows:
        return
    known = set(Regime.values)
    columns = (
        [row["regime"] if row["regime"] in known else Regime.UNKNOWN for row in rows],
        [str(row["start"])[:10] for row in rows],
        [str(row["end"])[:10] for row in rows],
        [int(row["sessions"]) for row in rows],
    )
    meta = RegimeSpan._meta
    quote = connection.ops.quote_name
    names = ", ".join(quote(meta.get_field(name).column) for name in ("run", "regime", "start", "end", "sessions"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({names}) "  # noqa: S608 - table and column names from the model
            "SELECT %s, * FROM unnest(%s::text[], %s::date[], %s::date[], %s::int[])",
            [run.pk, *columns],
        )


def _figures(result: dict) -> dict:
    metrics = result.get("metrics") or {}
    final = _float(result.get("final_equity"))
    return {
        "final_equity": Decimal(str(round(final, 2))) if final is not None else None,
        "total_return": _float(metrics.get("total_return")),
        "sharpe": _float(metrics.get("sharpe")),
        "max_drawdown": _float(metrics.get("max_drawdown")),
        "engine_seconds": _float(result.get("engine_seconds")),
    }


def _date_bounds(result: dict, panel) -> tuple[dt.date | None, dt.date | None]:
    try:
        return panel.start, panel.end
    except Exception:
        return None, None


def store_result(run: BacktestRun, result: dict, panel) -> BacktestRun:
    """Save a finished run's result, headline figures and regime spans together.

    One conditional UPDATE both takes the run's row lock and skips a run that already finished (a
    redelivered task); the run's strategy and requester come from ``run`` as ``mark_running`` read them.
    """
    data_start, data_end = _date_bounds(result, panel)
    stored = {
        "result": result,
        **_figures(result),
        "data_start": data_start,
        "data_end": data_end,
        "symbols": len(getattr(panel, "symbols", ())),
        "status": RunStatus.SUCCEEDED,
        "finished_at": timezone.now(),
    }
    with transaction.atomic():
        if not BacktestRun.objects.filter(pk=run.pk).exclude(status__in=FINISHED_RUN_STATUSES).update(**stored):
            return BacktestRun.objects.get(pk=run.pk)
        for field, value in stored.items():
            setattr(run, field, value)
        _store_regime_spans(run, result.get("regimes"))
        record_event(
            action="strategy.run_finished",
            actor=run.created_by,
            target=run,
            firm_id=run.strategy.firm_id,
            changes={"status": (RunStatus.RUNNING, RunStatus.SUCCEEDED)},
            metadata={"final_equity": str(run.final_equity), "engine_seconds": run.engine_seconds},
        )
    return run


def mark_running(run_id: int) -> BacktestRun | None:
    """Mark a queued run running; None when it already finished (a redelivered task does nothing).
    Only the run's row is locked; its strategy and requester are read along for ``store_result``."""
    with transaction.atomic():
        runs = BacktestRun.objects.select_for_update(of=("self",)).select_related("strategy", "created_by")
        run = runs.get(pk=run_id)
        if run.status in FINISHED_RUN_STATUSES:
            return None
        run.status = RunStatus.RUNNING
        run.save(update_fields=["status"])
    return run


def mark_failed(run_id: int, *, code: str, message: str) -> None:
    with transaction.atomic():
        run = BacktestRun.objects.select_for_update(of=("self",)).select_related("strategy").get(pk=run_id)
        if run.status in FINISHED_RUN_STATUSES:
            return
        run.status = RunStatus.FAILED
        run.error_code, run.error_message = code[:60], message
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error_code", "error_message", "finished_at"])
        record_event(
            action="strategy.run_failed",
            actor=run.created_by,
            target=run,
            firm_id=run.strategy.firm_id,
            changes={"status": (RunStatus.RUNNING, RunStatus.FAILED)},
            metadata={"code": code, "message": message[:500]},
        )


def compute(run: BacktestRun, panel, progress=None, *, summary: bool = False) -> dict:
    """The engine's JSON-safe result for ``run`` on ``panel``: a backtest's in full (trades, rebalances,
    holdings history) or, with ``summary``, the summary a sweep member keeps (BacktestResult.to_dict)."""
    from ..backtest import run_backtest
    from ..walkforward import run_walk_forward

    config = engine_config(run.config)
    if run.kind == RunKind.WALK_FORWARD:
        params = run.parameters
        result = engine_call(
            run_walk_forward,
            config,
            panel,
            grid=params["grid"],
            train_bars=params["train_bars"],
            test_bars=params["test_bars"],
            progress=progress,
        )
    else:
        return engine_call(run_backtest, config, panel, progress=progress).to_dict(summary=summary)
    return result.to_dict()


def execute_run(run_id: int, progress=None) -> BacktestRun | None:
    """Run a queued backtest or walk-forward and store its result (the task's work).

    A DomainError (bad prices, too little history) marks the run failed with its code and is
    re-raised for the job; nothing but the failure is stored.
    """
    run = mark_running(run_id)
    if run is None:
        return None
    try:
        config = engine_config(run.config)
        panel = load_prices(run, config)
        result = compute(run, panel, progress)
        return store_result(run, result, panel)
    except DomainError as error:
        mark_failed(run_id, code=error.code, message=error.message)
        raise
    except Exception:
        mark_failed(run_id, code="internal_error", message="The run stopped on an unexpected error.")
        raise


def run_url(run: BacktestRun) -> str:
    return reverse("strategies:run-detail", kwargs={"pk": run.pk})

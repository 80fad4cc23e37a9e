"""Running a stored backtest or walk-forward run: what the Celery task does once ``runs`` has queued it.

``execute_run`` loads the prices, runs the engine and stores the result, its figures and its regime
series in one transaction; a refusal (bad prices, too little history) fails the run and stores
nothing else. Sweeps use the same steps for each of their members.
"""

import datetime as dt
from decimal import Decimal

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from compliance.services import record_event
from valuepartner.errors import DomainError

from ..models import BacktestRun, RegimeSpan
from ..models.choices import FINISHED_RUN_STATUSES, PriceSource, Regime, RunKind, RunStatus
from .config import engine_config
from .errors import StrategiesError, from_engine
from .runs import PriceFile, check_price_file, min_history_bars

PRICE_DIR = "strategies/prices"
MAX_PRICE_BYTES = 200 * 1024 * 1024
MAX_TRAIN_BARS = 5040


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
        min_bars=min_history_bars(config),
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

"""Backtests and walk-forward runs: requested by a person, run by a Celery task with live progress.

``start_backtest`` / ``start_walk_forward`` check everything that can be checked up front (the
configuration with the engine, an uploaded price file with the price-file rules), store a queued
run with its job and enqueue the task after commit. The task's work is ``run_execution``.
"""

import datetime as dt
import hashlib
import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from accounts.roles import Capability, has_capability
from compliance.services import record_event
from jobs.services import create_job
from valuepartner.errors import DomainError

from ..models import BacktestRun, Strategy
from ..models.choices import PriceSource, RunKind
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


def min_history_bars(config) -> int:
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
            min_bars=min_history_bars(config),
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

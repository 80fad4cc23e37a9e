"""Demo strategy: momentum 12-1 on the bundled 20 stocks, with one finished backtest to look at.

The strategy is demo-advisor-1's own (created through the service as that advisor, like the editor
page does). Its backtest is requested through ``start_backtest`` exactly as the backtest page does
and its Celery task runs at once in this process (``tasks_inline``), so the stored run, its regime
spans, its job (succeeded, with the run's link) and the audit events are the ones a worker would
have written. Idempotent: an existing strategy, and a succeeded backtest of it, are left alone.
"""

import logging
from contextlib import contextmanager
from decimal import Decimal

from accounts.models import User
from marketdata import bundled

from .models import BacktestRun, Strategy
from .models.choices import RebalanceFrequency, RunKind, RunStatus, Weighting
from .services.runs import start_backtest
from .services.strategies import create_strategy

DEMO_ADVISOR = "demo-advisor-1"
DEMO_STRATEGY = "Demo momentum 12-1 (20 stocks)"


@contextmanager
def tasks_inline():
    """Celery tasks enqueued inside run in this process, right away (no worker runs during seed_demo).

    The tasks themselves are the ones a worker runs; only where they run changes. Errors propagate,
    so a demo that cannot be built stops ``seed_demo`` rather than leaving a half-made demo. Celery's
    line per finished task is kept out of seed_demo's output (failures are still logged).
    """
    from valuepartner.celery import app

    trace = logging.getLogger("celery.app.trace")
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates, trace.level
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    trace.setLevel(logging.WARNING)
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates, level = saved
        trace.setLevel(level)


def _values() -> dict:
    # The reference momentum 12-1 configuration, sized to the 20-stock universe: top 5, monthly.
    return {
        "name": DEMO_STRATEGY,
        "description": (
            "Demo data: the reference momentum 12-1 strategy on the 20 bundled large US stocks "
            "(1990-2022): every 21 sessions, hold the 5 with the best 12-month return excluding the "
            "last month, equal weights, 10 bps commission, against the S&P 500."
        ),
        "universe": list(bundled.skfolio_stock_symbols()),
        "benchmark_symbol": bundled.INDEX_SYMBOL,
        "factors": {"momentum_12_1": 1.0},
        "top_n": 5,
        "weighting": Weighting.EQUAL,
        "rebalance_every": RebalanceFrequency.MONTHLY,
        "warmup_bars": 252,
        "commission_bps": Decimal("10"),
        "slippage_bps": Decimal("0"),
        "fractional": True,
        "initial_cash": Decimal("1000000"),
    }


def seed_demo_strategies(*, firm) -> Strategy:
    """The demo strategy of demo-advisor-1 and its finished backtest, created when missing."""
    advisor = User.objects.get(firm=firm, username=DEMO_ADVISOR)
    strategy = Strategy.objects.filter(firm=firm, name=DEMO_STRATEGY).first()
    if strategy is None:
        strategy = create_strategy(actor=advisor, **_values())
    finished = BacktestRun.objects.filter(strategy=strategy, kind=RunKind.BACKTEST, status=RunStatus.SUCCEEDED)
    if not finished.exists():
        with tasks_inline():
            start_backtest(actor=advisor, strategy=strategy)
    return strategy

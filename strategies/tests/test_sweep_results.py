"""What a sweep member stores: the summary (no trade list, rebalances or holdings history) with the same
numbers as a backtest's full result, read from the TradeLog without building trade rows or Events; and
the pages and API that read it. Closing a sweep reads its runs in one query."""

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from strategies.backtest import engine, run_backtest
from strategies.backtest.tradelog import TradeLog
from strategies.models import BacktestRun, Sweep
from strategies.models.choices import RunStatus
from strategies.services.run_execution import regime_spans
from strategies.services.runs import start_backtest
from strategies.services.sweeps import finish_sweep_if_done, start_sweep

from .support import make_strategy
from .test_engine_features import config, panel_of

CASES = {
    "vectorised": {},
    "costs and slippage": {"commission_bps": 7, "slippage_bps": 25},
    "whole shares (bar-by-bar loop)": {"fractional": False},
    "regimes and breaker": {"regimes": {"enabled": True}, "circuit_breaker": {"enabled": True}},
}


@pytest.fixture(params=CASES)
def result(request):
    return run_backtest(config(**CASES[request.param]), panel_of(days=900))


def test_summary_has_the_full_results_numbers_without_the_lists(result):
    full, summary = result.to_dict(), result.to_dict(summary=True)

    assert full["detail"] == "full" and summary["detail"] == "summary"
    assert summary["trades"] is None and summary["rebalances"] is None
    assert len(full["trades"]) == full["trade_count"] == summary["trade_count"] > 0
    assert len(full["rebalances"]) == len(full["weights"]["holdings"]) == len(full["weights"]["invested"]) > 0
    assert summary["weights"] == {k: v for k, v in full["weights"].items() if k not in ("holdings", "invested")}
    for key in set(full) - {"detail", "trades", "rebalances", "weights"}:
        assert summary[key] == full[key], key
    assert result.to_dict(trades=False)["trades"] is None


def test_trade_count_costs_and_weights_match_the_per_event_definitions(result):
    """Read from the TradeLog's flat arrays, they are exactly (to the bit) what the Events give."""
    events = result.events
    assert result.trade_count == sum(len(event.columns) for event in events)
    costs = result.to_dict(summary=True)["costs"]
    assert costs["commission"] == float(sum(event.commission.sum() for event in events))
    assert costs["slippage"] == float(sum(event.slippage.sum() for event in events))
    for bar in [*range(0, len(result.equity), 29), len(result.equity) - 1]:
        before = [event for event in events if event.bar <= bar]
        expected = {}
        if before and len(before[-1].held):
            held = before[-1].held
            values = before[-1].held_shares * result.panel.close[bar, held] / result.equity[bar]
            expected = {result.panel.symbols[c]: float(v) for c, v in zip(held, values, strict=True)}
        assert result.weights_at(bar) == expected


def test_the_summary_builds_no_trade_rows_or_events(monkeypatch):
    result = run_backtest(config(), panel_of())
    monkeypatch.setattr(type(result), "trade_rows", lambda self: pytest.fail("trade rows built"))
    monkeypatch.setattr(TradeLog, "events", lambda *a: pytest.fail("Events built"))

    summary = result.to_dict(summary=True)

    assert summary["trade_count"] == len(result.log.event) > 0
    assert summary["weights"]["average_holdings"] == pytest.approx(float(np.mean(np.diff(result.log.held_bounds))))


def test_both_engine_paths_count_the_same_trades(monkeypatch):
    cfg, panel = config(), panel_of()
    fast = run_backtest(cfg, panel)
    monkeypatch.setattr(engine, "_path_free", lambda *a: False)
    loop = run_backtest(cfg, panel)
    assert fast.trade_count == loop.trade_count == len(loop.trade_rows()) == len(fast.trade_rows())


@pytest.mark.django_db(transaction=True)
def test_sweep_runs_store_the_summary_and_backtests_the_full_result(client, advisor):
    strategy = make_strategy(advisor)
    sweep = start_sweep(actor=advisor, strategy=strategy, grid={"top_n": [2, 3]})
    backtest = start_backtest(actor=advisor, strategy=strategy)
    member = BacktestRun.objects.filter(sweep=sweep).order_by("pk").first()
    backtest.refresh_from_db()

    assert member.status == backtest.status == RunStatus.SUCCEEDED
    assert member.result["detail"] == "summary" and member.result["trades"] is None
    assert member.result["rebalances"] is None and "holdings" not in member.result["weights"]
    assert member.result["trade_count"] > 0
    for run in (member, backtest):
        stored = list(run.regime_spans.order_by("start").values_list("regime", "start", "end", "sessions"))
        assert stored == regime_spans(run.result["regimes"]) and len(stored) > 1
    assert backtest.result["detail"] == "full" and len(backtest.result["trades"]) == backtest.result["trade_count"]
    assert backtest.result["rebalances"] and backtest.result["weights"]["holdings"]

    client.force_login(advisor)
    member_page = client.get(reverse("strategies:run-detail", args=[member.pk])).content.decode()
    backtest_page = client.get(reverse("strategies:run-detail", args=[backtest.pk])).content.decode()
    compare = client.get(reverse("strategies:run-compare") + f"?runs={member.pk}&runs={backtest.pk}")
    sweep_page = client.get(reverse("strategies:sweep-detail", args=[sweep.pk]))
    for html in (member_page, backtest_page):
        assert 'data-chart="growth"' in html and "Win rate by regime" in html and html.count("<svg") >= 3
    assert "data-result-summary" in member_page and "data-result-summary" not in backtest_page
    assert "Trades (first" in backtest_page and "Trades (first" not in member_page
    assert compare.status_code == 200 and "Sharpe ratio" in compare.content.decode()
    assert sweep_page.status_code == 200 and member.label in sweep_page.content.decode()

    from rest_framework_simplejwt.tokens import RefreshToken

    auth = {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(advisor).access_token}"}
    detail = client.get(f"/api/v1/strategy-runs/{member.pk}/", **auth).json()
    assert detail["result"]["detail"] == "summary" and detail["result"]["final_equity"] == member.result["final_equity"]


@pytest.mark.django_db(transaction=True)
def test_closing_a_sweep_reads_its_runs_in_one_query(advisor):
    strategy = make_strategy(advisor)
    sweep = start_sweep(actor=advisor, strategy=strategy, grid={"top_n": [2, 3], "commission_bps": [0, 25, 50]})
    Sweep.objects.filter(pk=sweep.pk).update(status=RunStatus.RUNNING, best_run=None, finished_at=None)

    with CaptureQueriesContext(connection) as queries:
        assert finish_sweep_if_done(sweep.pk) is True

    reads = [q["sql"] for q in queries.captured_queries if 'FROM "strategies_backtestrun"' in q["sql"]]
    assert len(reads) == 1, reads
    sweep.refresh_from_db()
    assert sweep.status == RunStatus.SUCCEEDED and sweep.best_run_id is not None

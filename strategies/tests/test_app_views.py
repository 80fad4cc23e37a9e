"""Strategy pages: creating a strategy through the form, the dashboard after a backtest, comparison."""

import pytest
from django.urls import reverse

from strategies.models import BacktestRun, Strategy
from strategies.services.runs import start_backtest

from .support import make_strategy

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_strategy_through_the_form_shows_field_errors_then_saves(client, advisor):
    from .support import make_prices

    make_prices()
    client.force_login(advisor)
    form = {
        "name": "Form strategy",
        "universe": "AAA BBB NOPE",
        "benchmark_symbol": "SPX",
        "top_n": "2",
        "weighting": "equal",
        "rebalance_every": "21",
        "warmup_bars": "252",
        "commission_bps": "10",
        "slippage_bps": "0",
        "initial_cash": "1000000",
        "factor_momentum_12_1": "1",
        "is_active": "on",
        "fractional": "on",
    }
    refused = client.post(reverse("strategies:strategy-create"), form)
    assert refused.status_code == 200 and "NOPE" in refused.content.decode()
    assert not Strategy.objects.exists()

    saved = client.post(reverse("strategies:strategy-create"), {**form, "universe": "AAA BBB CCC"})
    strategy = Strategy.objects.get()
    assert saved.status_code == 302 and saved["Location"] == reverse("strategies:strategy-detail", args=[strategy.pk])
    assert strategy.owner == advisor and strategy.factors == {"momentum_12_1": 1.0}


def test_dashboard_and_run_pages_chart_a_finished_backtest(client, advisor):
    strategy = make_strategy(advisor)
    run = start_backtest(actor=advisor, strategy=strategy)
    client.force_login(advisor)

    page = client.get(reverse("strategies:strategy-detail", args=[strategy.pk])).content.decode()
    run_page = client.get(reverse("strategies:run-detail", args=[run.pk])).content.decode()
    compare = client.get(reverse("strategies:run-compare") + f"?runs={run.pk}").content.decode()

    for html in (page, run_page):
        assert 'data-chart="growth"' in html and "chart-regimes" in html and "Win rate by regime" in html
        assert html.count("<svg") >= 3
    assert "Sharpe ratio" in compare and f"run {run.pk}" in compare


def test_backtest_form_starts_a_run_and_shows_progress(client, advisor):
    strategy = make_strategy(advisor)
    client.force_login(advisor)

    response = client.post(reverse("strategies:strategy-backtest", args=[strategy.pk]), {"start": "", "end": ""})

    run = BacktestRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("strategies:run-detail", args=[run.pk])
    assert run.status == "succeeded"


def test_api_lists_strategies_and_starts_a_backtest(client, advisor):
    from rest_framework_simplejwt.tokens import RefreshToken

    strategy = make_strategy(advisor)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(advisor).access_token}"}

    listed = client.get("/api/v1/strategies/", **auth).json()
    started = client.post(f"/api/v1/strategies/{strategy.pk}/runs/", {}, content_type="application/json", **auth)
    bad = client.post(
        f"/api/v1/strategies/{strategy.pk}/runs/",
        {"start": "2021-01-01", "end": "2020-01-01"},
        content_type="application/json",
        **auth,
    )

    assert [row["id"] for row in listed["results"]] == [strategy.pk]
    assert started.status_code == 202 and started.json()["job"] is not None
    detail = client.get(f"/api/v1/strategy-runs/{started.json()['id']}/", **auth).json()
    assert detail["status"] == "succeeded" and detail["result"]["final_equity"] > 0
    assert bad.status_code == 400 and "end" in bad.json()["error"]["fields"]

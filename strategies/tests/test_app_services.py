"""Services of the strategies app against PostgreSQL, with Celery eager (tasks run on commit)."""

import datetime as dt
from decimal import Decimal

import pytest

from compliance.models import AuditEvent
from jobs.models import Job
from portfolios.models import ProposalTrade, RebalanceProposal
from portfolios.services.ledger import record_transaction
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory
from strategies.models import BacktestRun, Fundamentals, RegimeSpan, Strategy, Sweep
from strategies.models.choices import RunStatus
from strategies.services.assignments import assign_strategy, refresh_targets
from strategies.services.errors import StrategiesError
from strategies.services.fundamentals import FundamentalsFileError, import_fundamentals
from strategies.services.runs import PriceFile, start_backtest
from strategies.services.strategies import create_strategy, update_strategy
from strategies.services.sweeps import start_sweep

from .support import SYMBOLS, make_prices, strategy_values

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def prices(db):
    return make_prices()


@pytest.fixture
def strategy(advisor, prices):
    return create_strategy(actor=advisor, **strategy_values())


def test_create_strategy_checks_fields_and_the_engine(advisor, prices):
    """Unknown symbols, an impossible max weight and engine refusals come back as field errors; nothing is saved."""
    with pytest.raises(StrategiesError) as unknown:
        create_strategy(actor=advisor, **strategy_values(universe=["AAA", "NOPE"]))
    assert "NOPE" in unknown.value.fields["universe"][0]
    with pytest.raises(StrategiesError) as cap:
        create_strategy(actor=advisor, **strategy_values(max_weight=Decimal("0.1")))
    assert "max_weight" in cap.value.fields
    with pytest.raises(StrategiesError) as engine:
        create_strategy(actor=advisor, **strategy_values(breaker_enabled=True))
    assert "breaker_settings" in engine.value.fields
    assert not Strategy.objects.exists()


def test_update_strategy_is_audited_and_limited_to_the_book(advisor, other_advisor, strategy):
    updated = update_strategy(actor=advisor, strategy=strategy, top_n=2)
    assert updated.top_n == 2
    assert AuditEvent.objects.filter(action="strategy.updated").exists()
    with pytest.raises(StrategiesError) as refused:
        update_strategy(actor=other_advisor, strategy=strategy, top_n=4)
    assert refused.value.code == "forbidden"


def test_backtest_runs_as_a_job_and_stores_result_and_regimes(advisor, strategy):
    """Given stored prices, when a backtest is started, then the eager task stores the engine's result,
    its figures, the regime spans and finishes the job with a link to the run."""
    run = start_backtest(actor=advisor, strategy=strategy)

    run.refresh_from_db()
    job = Job.objects.get(pk=run.job_id)
    assert run.status == RunStatus.SUCCEEDED, run.error_message
    assert job.status == "succeeded" and job.result_url.endswith(f"/strategies/runs/{run.pk}/")
    assert run.final_equity == Decimal(str(round(run.result["final_equity"], 2)))
    assert run.data_start == dt.date(2020, 1, 2) and run.symbols == len(SYMBOLS)
    assert run.result["trade_count"] > 0
    spans = list(RegimeSpan.objects.filter(run=run))
    assert spans and sum(span.sessions for span in spans) == run.result["data"]["bars"]


def test_bad_price_file_is_refused_up_front_and_nothing_is_stored(advisor, strategy):
    """A file with a gap, a duplicate and a non-positive price names them; no run, no job."""
    rows = ["date,symbol,close"]
    for day in range(1, 20):
        for symbol in SYMBOLS:
            rows.append(f"2021-03-{day:02d},{symbol},10")
    rows.append(f"2021-03-01,{SYMBOLS[0]},10")
    rows.append("2021-03-02,AAA,-5")
    content = "\n".join(rows).encode()

    with pytest.raises(StrategiesError) as refused:
        start_backtest(actor=advisor, strategy=strategy, prices=PriceFile("bad.csv", content))

    assert refused.value.code in ("bad_prices", "price_gaps", "too_little_history")
    assert not BacktestRun.objects.exists() and not Job.objects.exists()


def test_compliance_cannot_run_backtests(compliance_officer, strategy):
    with pytest.raises(StrategiesError) as refused:
        start_backtest(actor=compliance_officer, strategy=strategy)
    assert refused.value.code == "forbidden"


def test_sweep_runs_every_combination_and_picks_the_best(advisor, strategy):
    sweep = start_sweep(actor=advisor, strategy=strategy, grid={"top_n": [2, 3], "commission_bps": [0, 50]})

    sweep.refresh_from_db()
    runs = list(sweep.runs.all())
    job = Job.objects.get(pk=sweep.job_id)
    assert len(runs) == 4 and all(run.status == RunStatus.SUCCEEDED for run in runs)
    assert sweep.status == RunStatus.SUCCEEDED and job.status == "succeeded" and job.done == 4
    best = max(runs, key=lambda run: run.sharpe if run.sharpe is not None else float("-inf"))
    assert sweep.best_run_id == best.pk
    cheap = {run.parameters["top_n"]: run for run in runs if run.parameters["commission_bps"] == 0}
    costly = {run.parameters["top_n"]: run for run in runs if run.parameters["commission_bps"] == 50}
    assert all(cheap[n].final_equity > costly[n].final_equity for n in (2, 3))


def test_sweep_grid_is_validated(advisor, strategy):
    with pytest.raises(StrategiesError) as refused:
        start_sweep(actor=advisor, strategy=strategy, grid={"initial_cash": [1, 2]})
    assert "grid" in refused.value.fields
    assert not Sweep.objects.exists()


def test_fundamentals_import_is_all_or_nothing_with_line_errors(operator, prices):
    good = b"symbol,as_of,book_to_market,market_cap\nAAA,2020-06-30,0.5,1000000\nBBB,2020-06-30,0.7,2000000\n"
    bad = b"symbol,as_of,book_to_market,market_cap\nAAA,2020-09-30,0.5,1000\nZZZ,2020-09-30,x,-1\nAAA,2020-09-30,1,1\n"

    batch = import_fundamentals(actor=operator, file_name="q2.csv", content=good)
    with pytest.raises(FundamentalsFileError) as refused:
        import_fundamentals(actor=operator, file_name="q3.csv", content=bad)

    assert batch.rows_created == 2 and Fundamentals.objects.count() == 2
    messages = refused.value.fields["file"]
    assert any("Line 3" in m and "book_to_market" in m for m in messages)
    assert any("Line 3" in m and "ZZZ" in m for m in messages)
    assert any("Line 4" in m and "Repeats line 2" in m for m in messages)


def test_advisors_cannot_import_fundamentals(advisor, prices):
    with pytest.raises(StrategiesError):
        import_fundamentals(actor=advisor, file_name="f.csv", content=b"symbol,as_of,market_cap\nAAA,2020-01-02,5\n")


def test_assigned_account_gets_a_proposal_from_the_target_weights(advisor, strategy, prices):
    """Given an account with cash following the strategy, refreshing the targets writes the strategy's
    model portfolio and proposes buys of the chosen symbols."""
    account = AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=advisor)))
    record_transaction(account=account, actor=advisor, kind="deposit", amount=Decimal("100000"), trade_date=prices[-1])
    assign_strategy(actor=advisor, strategy=strategy, account=account)

    snapshot = refresh_targets(actor=advisor, strategy=strategy, as_of=prices[-1])

    strategy.refresh_from_db()
    account.refresh_from_db()
    assert account.model_portfolio_id == strategy.model_portfolio_id
    assert len(snapshot.weights) == strategy.top_n
    total = sum(Decimal(w) for w in snapshot.weights.values()) + Decimal(snapshot.details["cash"])
    assert total == Decimal("1")
    proposal = RebalanceProposal.objects.get(account=account)
    assert set(snapshot.proposals.values_list("pk", flat=True)) == {proposal.pk}
    bought = set(
        ProposalTrade.objects.filter(proposal=proposal, side="buy").values_list("instrument__symbol", flat=True)
    )
    assert bought == set(snapshot.weights)

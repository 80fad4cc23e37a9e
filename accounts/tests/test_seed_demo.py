"""seed_demo: a complete, realistic demo firm, written through the services, safe to run again."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.core.validators import validate_email
from django.test import override_settings
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from accounts.choices import Role
from accounts.demo import DEFAULT_DEMO_PASSWORD, DEMO_FIRM
from accounts.models import Firm, Team, User
from compliance.models import AuditEvent
from jobs.models import Job
from marketdata.bundled import skfolio_stock_symbols
from portfolios.choices import TransactionKind
from portfolios.models import Account, AccountValue, Client, Household, Position, Transaction
from reporting.reports.models import Report, ReportSchedule
from strategies.demo import DEMO_STRATEGY
from strategies.models import BacktestRun, RegimeSpan, Strategy
from trading.brokers.registry import clear_cache
from trading.models import Fill, Order, OrderTransition, SimulatedEvent, SimulatedOrder
from valuepartner.celery import app as celery_app

# Committed transactions, as under `make run`: the demo's orders and backtest run in tasks enqueued on commit.
pytestmark = pytest.mark.django_db(transaction=True)

# Everything seed_demo writes, counted: a second run must add to none of them.
SEEDED_MODELS = (
    Firm,
    User,
    Team,
    Household,
    Client,
    Account,
    Transaction,
    Position,
    AccountValue,
    Strategy,
    BacktestRun,
    RegimeSpan,
    Job,
    Order,
    OrderTransition,
    Fill,
    SimulatedOrder,
    SimulatedEvent,
    ReportSchedule,
    Report,
    PeriodicTask,
    AuditEvent,
)
# What the demo advisor did with the accounts (everything else is the system's).
ADVISOR_ACTIONS = ("strategy.", "order.", "report_schedule.")


@pytest.fixture(autouse=True)
def _fresh_brokers():
    # The registry's brokers live as long as the process; the simulator remembers instrument ids, which the
    # flush between committed-transaction tests renumbers.
    clear_cache()
    yield
    clear_cache()


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in SEEDED_MODELS}


def _advisor_event(action: str) -> bool:
    return action.startswith(ADVISOR_ACTIONS)


def test_seed_creates_the_demo_firm():
    """One firm with an operator, two advisors in a non-sharing team, compliance, households and two client logins."""
    _seed()

    firm = Firm.objects.get(name=DEMO_FIRM)
    roles = sorted(User.objects.filter(firm=firm).values_list("username", "role"))
    assert roles == [
        ("demo-advisor-1", Role.ADVISOR),
        ("demo-advisor-2", Role.ADVISOR),
        ("demo-client-1", Role.CLIENT),
        ("demo-client-2", Role.CLIENT),
        ("demo-compliance", Role.COMPLIANCE),
        ("demo-operator", Role.OPERATOR),
    ]
    team = Team.objects.get(firm=firm)
    assert (team.name, team.shares_book, team.members.count()) == ("Growth team", False, 2)
    for advisor in User.objects.filter(firm=firm, role=Role.ADVISOR):
        households = Household.objects.filter(advisor=advisor)
        assert households.count() >= 2
        assert all(1 <= household.clients.count() <= 3 for household in households)
        assert all(household.notes.startswith("Demo data") for household in households)
    linked = Client.objects.filter(user__isnull=False).select_related("user")
    assert sorted(client.user.username for client in linked) == ["demo-client-1", "demo-client-2"]
    for client in Client.objects.all():
        validate_email(client.email)


def test_seed_is_idempotent_and_prints_the_same():
    """A second run creates nothing (not even an audit event or a job) and prints the same table."""
    first = _seed()
    counts = _counts()
    orders = sorted(Order.objects.values_list("pk", "status", "filled_qty"))
    run = BacktestRun.objects.values("pk", "status", "finished_at", "job_id").get()

    second = _seed()

    assert _counts() == counts
    assert sorted(Order.objects.values_list("pk", "status", "filled_qty")) == orders
    assert BacktestRun.objects.values("pk", "status", "finished_at", "job_id").get() == run
    assert second == first


def test_seed_gives_the_advisor_a_momentum_strategy_with_a_finished_backtest(client):
    """Momentum 12-1, top 5 of the 20 bundled stocks, monthly, demo-advisor-1's; its backtest ran to the end
    under a job that looks like the page's (succeeded, 100 %, linking the run) and the dashboard draws it."""
    _seed()

    advisor = User.objects.get(username="demo-advisor-1")
    strategy = Strategy.objects.get(name=DEMO_STRATEGY)
    assert (strategy.owner, strategy.created_by, strategy.firm) == (advisor, advisor, advisor.firm)
    assert sorted(strategy.universe) == sorted(skfolio_stock_symbols()) and len(strategy.universe) == 20
    assert (strategy.factors, strategy.top_n, strategy.rebalance_every) == ({"momentum_12_1": 1.0}, 5, 21)
    run = BacktestRun.objects.get(strategy=strategy)
    assert (run.kind, run.status, run.created_by, run.symbols) == ("backtest", "succeeded", advisor, 20)
    assert run.final_equity > 0 and run.sharpe is not None and run.finished_at is not None
    assert str(run.data_start) == "1990-01-02" and run.data_end.year == 2022
    assert len(run.result["equity_curve"]) > 8000 and run.result["trades"]
    assert run.regime_spans.exists()
    job = Job.objects.get(pk=run.job_id)
    run_url = reverse("strategies:run-detail", kwargs={"pk": run.pk})
    assert (job.owner, job.kind, job.status, job.result_url) == (advisor, "backtest", "succeeded", run_url)
    assert job.percent == 100 and job.result["run"] == run.pk
    assert AuditEvent.objects.filter(action="strategy.run_finished", object_id=str(run.pk)).exists()

    client.force_login(advisor)
    listing = client.get(reverse("strategies:strategy-list"))
    dashboard = client.get(reverse("strategies:strategy-detail", kwargs={"pk": strategy.pk}))
    detail = client.get(run_url)

    assert listing.status_code == 200 and DEMO_STRATEGY in listing.content.decode()
    page = dashboard.content.decode()
    assert dashboard.status_code == 200
    assert 'data-chart="growth"><svg' in page.replace("\n", "") and 'data-chart="drawdown"' in page
    assert detail.status_code == 200


def test_seed_places_paper_orders_filled_through_the_ledger(client):
    """Market orders filled by the simulator at the last bundled close and booked in the ledger; a GTC limit
    buy 8 % under the price still resting; a limit buy the advisor canceled (pending_cancel, then canceled)."""
    _seed()

    advisor = User.objects.get(username="demo-advisor-1")
    orders = {order.instrument.symbol: order for order in Order.objects.select_related("instrument", "account")}
    assert set(orders) == {"AAPL", "KO", "HD", "MSFT"}
    assert all(order.placed_by == advisor and order.broker == "simulator" for order in orders.values())
    for symbol, side, kind in (("AAPL", "buy", TransactionKind.BUY), ("KO", "sell", TransactionKind.SELL)):
        order = orders[symbol]
        assert (order.side, order.status, order.filled_qty) == (side, "filled", order.qty)
        fill = Fill.objects.get(order=order)
        row = fill.transaction
        assert (row.account, row.kind, row.quantity, row.price) == (order.account, kind, fill.qty, fill.price)
        assert abs(fill.price / order.arrival_price - 1) < 0.01  # the last close, give or take slippage
    resting = orders["HD"]
    assert (resting.order_type, resting.time_in_force, resting.status) == ("limit", "gtc", "new")
    assert resting.limit_price < resting.arrival_price * Decimal("0.95") and not resting.fills.exists()
    canceled = orders["MSFT"]
    path = list(canceled.transitions.order_by("pk").values_list("to_status", flat=True))
    assert path == ["queued", "accepted", "new", "pending_cancel", "canceled"]
    assert canceled.transitions.get(to_status="pending_cancel").actor == advisor

    client.force_login(advisor)
    blotter = client.get(reverse("trading:blotter")).content.decode()
    detail = client.get(reverse("trading:order-detail", kwargs={"pk": orders["AAPL"].pk}))
    assert all(symbol in blotter for symbol in orders)
    assert detail.status_code == 200 and "125." in detail.content.decode()


def test_seed_schedules_a_quarterly_report_with_its_beat_entry():
    """The Alvarez account's quarterly report is scheduled by its advisor; nothing is drawn at seed time."""
    _seed()

    schedule = ReportSchedule.objects.select_related("account", "periodic_task").get()
    assert (schedule.account.name, schedule.frequency, schedule.is_active) == (
        "Alvarez individual brokerage",
        "quarterly",
        True,
    )
    assert schedule.created_by.username == "demo-advisor-1"
    assert schedule.periodic_task.enabled and schedule.periodic_task.task == "reporting.produce_scheduled_report"
    assert not Report.objects.exists()


def test_seed_runs_its_tasks_itself_when_no_worker_is_there(monkeypatch):
    """As under ``make run`` (tasks not eager, no worker yet): the backtest and the orders still finish."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)

    _seed()

    assert celery_app.conf.task_always_eager is False  # put back afterwards
    assert BacktestRun.objects.get().status == "succeeded"
    assert sorted(Order.objects.values_list("status", flat=True)) == ["canceled", "filled", "filled", "new"]


def test_seed_writes_through_the_services_as_the_system():
    """Every demo object has its creation event. The firm, its people and accounts are the system's (no
    actor); the strategy, its backtest, the orders and the report schedule are demo-advisor-1's own work."""
    _seed()

    created = AuditEvent.objects.filter(action__endswith=".created")
    assert created.filter(action="household.created").count() == Household.objects.count()
    assert created.filter(action="client.created").count() == Client.objects.count()
    assert AuditEvent.objects.filter(action="client.login_linked").count() == 2
    advisor = User.objects.get(username="demo-advisor-1")
    by_someone = AuditEvent.objects.exclude(actor_id=None)
    assert set(by_someone.values_list("actor_id", flat=True)) == {advisor.pk}
    assert all(_advisor_event(action) for action in by_someone.values_list("action", flat=True))
    assert created.filter(action="strategy.created", actor=advisor).count() == 1
    assert created.filter(action="report_schedule.created", actor=advisor).count() == 1
    assert by_someone.filter(action="order.created").count() == Order.objects.count()


def test_every_demo_user_signs_in_with_the_printed_password(client):
    """The printed password works for each user and the table names the sign-in page and the TOTP step."""
    output = _seed()

    for user in User.objects.filter(firm__name=DEMO_FIRM):
        assert user.check_password(DEFAULT_DEMO_PASSWORD), user.username
        assert f"{user.username}" in output
    assert "http://127.0.0.1:8000/accounts/" in output and "TOTP" in output


def test_password_comes_from_the_environment(monkeypatch):
    """DEMO_PASSWORD replaces the default for every demo user, and the table prints it."""
    monkeypatch.setenv("DEMO_PASSWORD", "Another-Demo-Passphrase-7")

    output = _seed()

    assert User.objects.get(username="demo-operator").check_password("Another-Demo-Passphrase-7")
    assert "Another-Demo-Passphrase-7" in output


def test_weak_password_stops_before_any_write(monkeypatch):
    """A DEMO_PASSWORD the validators refuse fails the command and leaves the database untouched."""
    monkeypatch.setenv("DEMO_PASSWORD", "short")

    with pytest.raises(CommandError, match="too weak"):
        _seed()

    assert not Firm.objects.filter(name=DEMO_FIRM).exists()


@override_settings(SETTINGS_MODULE="valuepartner.settings.production")
def test_seed_refuses_production_settings():
    """Known passwords never reach a production database."""
    with pytest.raises(CommandError, match="production"):
        _seed()

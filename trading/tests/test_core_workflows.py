"""Proposals to orders, expiry by the trading calendar, reconciliation, the schedule, admin and dashboard."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from compliance.models import AuditEvent
from portfolios.choices import ProposalStatus, RebalanceMode
from portfolios.services import create_proposal
from portfolios.tests.model_fixtures import account_for, buy, deposit, instrument, model_for
from trading.errors import TradingError
from trading.models import Fill, OperatorAlert, Order, ProposalDecision
from trading.services import approve_proposal, dispatch_order, reject_proposal, submit_order
from trading.services.maintenance import expire_due_orders, reconcile_broker, session_close_for
from trading.tests.factories import funded_account, priced_instrument, scripted_brokers
from valuepartner.testing.otp import login_verified

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def brokers():
    with scripted_brokers() as broker:
        yield broker


@pytest.fixture
def proposal(advisor):
    aaa, bbb = instrument("AAA", "12"), instrument("BBB", "10")
    account = account_for(advisor, model=model_for(advisor, {aaa: "0.5", bbb: "0.5"}))
    deposit(account, "2000")
    buy(account, aaa, "100", "10")
    return create_proposal(
        account=account, actor=advisor, mode=RebalanceMode.FULL, as_of=dt.date(2024, 6, 3), cash_buffer="50"
    )


def test_approving_a_proposal_submits_its_orders_sells_first(proposal, advisor):
    orders = approve_proposal(proposal=proposal, actor=advisor)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert [(o.side, o.instrument.symbol, o.source) for o in orders] == [
        ("sell", "AAA", "proposal"),
        ("buy", "BBB", "proposal"),
    ]
    assert all(order.proposal_trade.proposal_id == proposal.pk for order in orders)
    assert ProposalDecision.objects.get(proposal=proposal).decision == "approved"
    assert AuditEvent.objects.filter(action="proposal.orders_submitted", object_id=str(proposal.pk)).exists()


def test_line_by_line_approval_and_rejection_with_reason(proposal, advisor):
    sell_line = proposal.trades.get(side="sell")
    orders = approve_proposal(proposal=proposal, actor=advisor, trade_ids=[sell_line.pk])
    assert [order.side for order in orders] == ["sell"]
    assert ProposalDecision.objects.get(proposal=proposal).decision == "partially_approved"


def test_rejecting_needs_and_keeps_a_reason(proposal, advisor):
    with pytest.raises(TradingError):
        reject_proposal(proposal=proposal, actor=advisor, reason=" ")
    decision = reject_proposal(proposal=proposal, actor=advisor, reason="Client wants to wait for year end")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED and decision.reason.startswith("Client wants")
    assert AuditEvent.objects.filter(action="proposal.rejection_reason").exists()


def test_day_orders_expire_after_the_close_by_the_trading_calendar(advisor, brokers):
    """An order entered Friday 2024-11-29 (early close 13:00 New York) expires after that close."""
    account = funded_account(advisor=advisor)
    priced_instrument("ACME", "100")
    queued = submit_order(account=account, actor=advisor, side="buy", symbol="ACME", qty="1")
    sent = submit_order(account=account, actor=advisor, side="buy", symbol="ACME", qty="1")
    dispatch_order(sent.pk)
    entered = dt.datetime(2024, 11, 29, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York
    Order.objects.update(created_at=entered)
    close = session_close_for(entered)
    assert close == dt.datetime(2024, 11, 29, 18, 0, tzinfo=dt.UTC)
    assert expire_due_orders(now=close) == []
    assert sorted(expire_due_orders(now=close + dt.timedelta(minutes=20))) == [queued.pk, sent.pk]
    queued.refresh_from_db()
    sent.refresh_from_db()
    assert queued.status == "expired" and brokers.calls[-1][0] == "cancel"
    assert sent.status == "pending_cancel" and sent.transitions.get(to_status="pending_cancel").cause == "expiry"
    assert expire_due_orders(now=close + dt.timedelta(minutes=30)) == []  # idempotent


def test_reconcile_books_missed_fills_and_flags_unknown_orders(advisor, brokers):
    account = funded_account(advisor=advisor)
    priced_instrument("ACME", "100")
    order = submit_order(account=account, actor=advisor, side="buy", symbol="ACME", qty="10")
    dispatch_order(order.pk)
    order.refresh_from_db()
    brokers.update(order.client_order_id, "fill", qty=D("10"), price=D("99"))  # the stream missed it
    with override_settings(TRADING_RECONCILE_SETTLE_SECONDS=0):
        summary = reconcile_broker("simulator")
    order.refresh_from_db()
    assert summary["repaired"] == 1 and order.status == "filled" and order.filled_qty == D("10")
    assert Fill.objects.get(order=order).execution_id.startswith("reconcile:")
    account.refresh_from_db()
    assert account.cash == D("10000") - D("990")
    from trading.brokers.base import OrderRequest

    brokers.submit_order(OrderRequest("elsewhere-1", "ACME", "buy", "market", "day", qty=D("1")))
    assert reconcile_broker("simulator")["unknown_to_us"] == 1
    assert OperatorAlert.objects.filter(kind="unknown_order", resolved_at__isnull=True).exists()


def test_schedule_rows_exist_for_operators():
    names = set(PeriodicTask.objects.filter(task__startswith="trading.").values_list("task", flat=True))
    assert names == {
        "trading.tasks.retry_queued_orders",
        "trading.tasks.expire_orders_task",
        "trading.tasks.reconcile_task",
        "trading.simulator.match_resting_orders",
    }


def test_operator_dashboard_shows_trading_alerts(client, operator):
    from trading.services import raise_alert

    raise_alert(
        kind="breaker_open", key="breaker:alpaca", message="alpaca failed 5 times in a row", severity="critical"
    )
    login_verified(client, operator)
    page = client.get(reverse("dashboard"))
    assert page.status_code == 200 and b"alpaca failed 5 times in a row" in page.content


def test_admin_pages_load_for_a_superuser(client, advisor, brokers):
    from accounts.tests.factories import OperatorFactory

    account = funded_account(advisor=advisor)
    priced_instrument("ACME", "100")
    order = submit_order(account=account, actor=advisor, side="buy", symbol="ACME", qty="1")
    admin_user = OperatorFactory(firm=advisor.firm, is_staff=True, is_superuser=True)
    login_verified(client, admin_user)
    for name in ("order", "fill", "killswitch", "risklimit", "brokercircuit", "operatoralert", "proposaldecision"):
        assert client.get(reverse(f"admin:trading_{name}_changelist")).status_code == 200, name
    assert client.get(reverse("admin:trading_order_change", args=[order.pk])).status_code == 200
    assert client.get(reverse("admin:compliance_restrictedinstrument_changelist")).status_code == 200
    response = client.post(
        reverse("admin:trading_order_changelist"), {"action": "cancel_selected", "_selected_action": [order.pk]}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status in ("canceled", "pending_cancel")
    assert timezone.now() >= order.cancel_requested_at

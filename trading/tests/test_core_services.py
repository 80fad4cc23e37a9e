"""Order services against PostgreSQL with the in-test ScriptedBroker: entry, dispatch exactly once,
idempotency, cancel/replace, trade updates booked in the ledger."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from compliance.models import AuditEvent
from portfolios.models import Position, Transaction
from trading.errors import IdempotencyConflict, OrderConflict, RiskRejected, TradingError
from trading.models import BrokerCircuit, Fill, OperatorAlert, Order
from trading.services import apply_trade_update, cancel_order, dispatch_order, replace_order, submit_order
from trading.tests.factories import funded_account, priced_instrument, scripted_broker, scripted_brokers

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def brokers():
    with scripted_brokers(TRADING_BREAKER_FAILURE_THRESHOLD=3) as broker:
        yield broker


@pytest.fixture
def account(advisor):
    return funded_account(advisor=advisor, cash="10000")


@pytest.fixture
def acme(db):
    return priced_instrument("ACME", "100")


def buy(account, actor, *, send=True, **fields):
    """Submit, then run the dispatch the commit would have enqueued (test transactions never commit)."""
    values = {"side": "buy", "symbol": "ACME", "qty": "10", **fields}
    order = submit_order(account=account, actor=actor, **values)
    if send:
        dispatch_order(order.pk, sleep=lambda seconds: None)
        order.refresh_from_db()
    return order


def test_submit_enters_a_queued_order_then_dispatch_acknowledges_it(account, acme, advisor, brokers):
    """The order is persisted with its client_order_id before the broker sees it, then sent once."""
    order = buy(account, advisor, note="Add to core holding", send=False)
    assert order.status == "queued" and order.client_order_id.startswith("vp-")
    assert order.broker == "simulator" and order.placed_by == advisor and order.recommended_by == advisor
    assert order.arrival_price == D("100") and order.reserve_price == D("102")
    assert brokers.calls == []
    assert dispatch_order(order.pk) == "done"
    order.refresh_from_db()
    assert order.status == "accepted" and order.broker_order_id == "b-1" and order.submitted_at is not None
    assert brokers.calls == [("submit", order.client_order_id)]
    assert dispatch_order(order.pk) == "done"  # again: nothing is sent twice
    assert len(brokers.calls) == 1
    assert list(order.transitions.values_list("from_status", "to_status")) == [("", "queued"), ("queued", "accepted")]
    assert AuditEvent.objects.filter(object_type="trading.order", object_id=str(order.pk)).count() == 2


def test_dispatch_runs_after_commit(account, acme, advisor, brokers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = buy(account, advisor)
    order.refresh_from_db()
    assert order.status == "accepted"


def test_a_broker_the_dispatch_cannot_be_published_to_leaves_the_order_queued(
    account, acme, advisor, brokers, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    """Celery's broker down at commit: the order stays entered and queued for the retry task, no 500."""
    from kombu.exceptions import OperationalError

    from trading.tasks import dispatch_order_task

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(dispatch_order_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        order = buy(account, advisor, send=False)

    order.refresh_from_db()
    assert order.status == "queued" and brokers.calls == []
    assert "waits queued for the retry task" in caplog.text


def test_unavailable_is_retried_and_ambiguous_is_resolved_by_lookup(account, acme, advisor, brokers):
    """A 429 is retried; a timeout after acceptance is resolved by client order id, never resent."""
    order = buy(account, advisor, send=False)
    brokers.script = ["unavailable", "", "ambiguous_after_accept"]
    assert dispatch_order(order.pk, sleep=lambda s: None) == "done"
    order.refresh_from_db()
    assert order.status == "accepted" and order.dispatch_attempts == 2
    assert [call for call, _ in brokers.calls] == ["submit", "get", "submit", "get"]
    assert len(brokers.orders) == 1


def test_duplicate_client_order_id_is_looked_up(account, acme, advisor, brokers):
    order = buy(account, advisor, send=False)
    brokers.submit_order(_request_for(order))  # the broker already has it (an earlier lost answer)
    brokers.calls.clear()
    assert dispatch_order(order.pk) == "done"
    order.refresh_from_db()
    assert order.status == "accepted" and len(brokers.orders) == 1


def _request_for(order):
    from trading.services.dispatch import _request

    return _request(Order.objects.select_related("instrument", "account").get(pk=order.pk))


def test_broker_rejection_rejects_the_order(account, acme, advisor, brokers):
    order = buy(account, advisor, send=False)
    brokers.script = ["rejected"]
    dispatch_order(order.pk)
    order.refresh_from_db()
    assert order.status == "rejected" and "insufficient qty" in order.reject_reason


def test_repeated_failures_open_the_breaker_and_orders_wait_queued(account, acme, advisor, operator, brokers):
    """Three failures in a row open the breaker: the order stays queued, operators get an alert, and the
    retry task sends it once the breaker admits a trial call."""
    first = buy(account, advisor, qty="1", send=False)
    second = buy(account, advisor, qty="1", send=False)
    brokers.script = ["unavailable"] * 3
    with override_settings(TRADING_DISPATCH_ATTEMPTS=3):
        assert dispatch_order(first.pk, sleep=lambda s: None) == "retry"
    assert BrokerCircuit.objects.get(broker="simulator").state == "open"
    alert = OperatorAlert.objects.get(kind="breaker_open", resolved_at__isnull=True)
    assert "simulator" in alert.message
    assert dispatch_order(second.pk) == "waiting"
    second.refresh_from_db()
    assert second.status == "queued" and second.last_error_code == "breaker_open"
    calls = len(brokers.calls)
    from trading.tasks import retry_queued_orders

    assert retry_queued_orders() == {}  # breaker open and not due: nothing goes out
    assert len(brokers.calls) == calls
    BrokerCircuit.objects.filter(broker="simulator").update(opened_at=timezone.now() - dt.timedelta(minutes=5))
    Order.objects.update(next_attempt_at=None)
    assert retry_queued_orders() == {"simulator": 2}
    assert set(Order.objects.values_list("status", flat=True)) == {"accepted"}
    assert BrokerCircuit.objects.get(broker="simulator").state == "closed"
    assert not OperatorAlert.objects.filter(kind="breaker_open", resolved_at__isnull=True).exists()


def test_live_account_orders_go_to_alpaca_and_queue_when_it_is_down(advisor, acme):
    """A live account's order is never sent to the simulator, even with Alpaca failing."""
    live = funded_account(advisor=advisor, trading_mode="live", broker_account_id="PA123")
    alpaca, simulator = scripted_broker("alpaca"), scripted_broker("simulator")
    alpaca.script = ["unavailable"] * 10
    with override_settings(TRADING_DISPATCH_ATTEMPTS=4):
        order = buy(live, advisor, qty="1")
    order.refresh_from_db()
    assert order.broker == "alpaca" and order.status == "queued"
    assert simulator.calls == [] and alpaca.calls[0] == ("submit", order.client_order_id)
    assert BrokerCircuit.objects.get(broker="alpaca").state == "open"


def test_idempotency_key_returns_the_same_order_and_409_on_a_different_body(account, acme, advisor, brokers):
    first = buy(account, advisor, idempotency_key="key-1")
    again = buy(account, advisor, idempotency_key="key-1")
    assert again.pk == first.pk and again.idempotent_replay
    assert Order.objects.count() == 1 and len(brokers.orders) == 1
    with pytest.raises(IdempotencyConflict) as error:
        buy(account, advisor, idempotency_key="key-1", qty="11")
    assert error.value.status == 409 and error.value.code == "idempotency_key_reused"


def test_risk_rejection_writes_nothing(account, acme, advisor):
    with pytest.raises(RiskRejected) as error:
        buy(account, advisor, qty="100")
    assert error.value.code == "insufficient_buying_power" and "qty" in error.value.fields
    assert Order.objects.count() == 0


def test_invalid_fields_are_field_errors(account, acme, advisor):
    with pytest.raises(TradingError) as error:
        buy(account, advisor, order_type="limit", symbol="NOPE")
    assert error.value.code == "invalid_order" and "symbol" in error.value.fields


def test_other_advisor_cannot_trade_the_account(account, acme, other_advisor):
    with pytest.raises(TradingError) as error:
        buy(account, other_advisor)
    assert error.value.code == "not_found"


def test_fills_are_booked_once_through_the_ledger(account, acme, advisor, brokers):
    """A partial fill and a fill each book a ledger buy; the same update twice books nothing more."""
    order = buy(account, advisor)
    partial = brokers.update(order.client_order_id, "partial_fill", qty=D("4"), price=D("99.50"), execution_id="e1")
    apply_trade_update(partial, source="test")
    apply_trade_update(partial, source="test")
    order.refresh_from_db()
    assert order.status == "partially_filled" and order.filled_qty == D("4")
    fill = brokers.update(order.client_order_id, "fill", qty=D("6"), price=D("100"), execution_id="e2")
    apply_trade_update(fill, source="test")
    order.refresh_from_db()
    assert order.status == "filled" and order.filled_qty == D("10") and order.filled_avg_price == D("99.8")
    assert list(Fill.objects.filter(order=order).values_list("booking_error", flat=True)) == ["", ""]
    assert Fill.objects.filter(order=order, transaction__isnull=False).count() == 2
    account.refresh_from_db()
    assert account.cash == D("10000") - D("398") - D("600")
    assert Position.objects.get(account=account, instrument=acme).quantity == D("10")
    assert Transaction.objects.filter(account=account, kind="buy").count() == 2


def test_late_fill_after_cancel_is_honoured(account, acme, advisor, brokers):
    order = buy(account, advisor)
    cancel_order(order=order, actor=advisor, reason="changed my mind")
    order.refresh_from_db()
    assert order.status == "pending_cancel" and brokers.canceled == [order.broker_order_id]
    apply_trade_update(brokers.update(order.client_order_id, "canceled"), source="test")
    late = brokers.update(order.client_order_id, "partial_fill", qty=D("3"), price=D("100"), execution_id="late")
    apply_trade_update(late, source="test")
    order.refresh_from_db()
    assert order.status == "canceled" and order.filled_qty == D("3")
    assert Position.objects.get(account=account, instrument=acme).quantity == D("3")


def test_cancel_of_a_queued_order_never_sent_is_local(account, acme, advisor, brokers):
    order = buy(account, advisor, send=False)
    cancel_order(order=order, actor=advisor)
    order.refresh_from_db()
    assert order.status == "canceled" and brokers.calls == []
    assert dispatch_order(order.pk) == "done" and brokers.calls == []
    with pytest.raises(OrderConflict):
        cancel_order(order=order, actor=advisor)


def test_replace_creates_a_new_order_and_the_old_is_replaced_only_when_the_broker_says(account, acme, advisor, brokers):
    order = buy(account, advisor, order_type="limit", limit_price="99")
    new = replace_order(order=order, actor=advisor, limit_price="98")
    dispatch_order(new.pk)
    order.refresh_from_db()
    new.refresh_from_db()
    assert new.replaces == order and new.status == "pending_new" and new.limit_price == D("98")
    assert order.status == "pending_replace"
    replaced = brokers.update(order.client_order_id, "replaced")
    apply_trade_update(replaced, source="test")
    order.refresh_from_db()
    assert order.status == "replaced"


def test_a_fill_that_wins_the_replace_race_is_honoured(account, acme, advisor, brokers):
    order = buy(account, advisor, order_type="limit", limit_price="99")
    new = replace_order(order=order, actor=advisor, limit_price="98")
    dispatch_order(new.pk)
    apply_trade_update(
        brokers.update(order.client_order_id, "fill", qty=D("10"), price=D("99"), execution_id="x"), source="t"
    )
    apply_trade_update(brokers.update(order.client_order_id, "order_replace_rejected", status="filled"), source="t")
    order.refresh_from_db()
    new.refresh_from_db()
    assert order.status == "filled" and order.filled_qty == D("10")
    assert new.status == "rejected"


def test_replace_counts_the_larger_commitment(account, acme, advisor):
    """Buying power during a pending replace holds the larger of old and new, not both."""
    order = buy(account, advisor, qty="60", order_type="limit", limit_price="100")  # 6,000 committed
    replace_order(order=order, actor=advisor, qty="90")  # 9,000 ≤ 10,000: allowed (not 15,000)
    with pytest.raises(RiskRejected) as error:
        buy(account, advisor, qty="15", order_type="limit", limit_price="100")  # 1,500 > 1,000 left
    assert error.value.code == "insufficient_buying_power"


def test_unknown_order_update_alerts_and_returns_none(brokers, account, acme, advisor):
    order = buy(account, advisor)
    update = brokers.update(order.client_order_id, "new")
    foreign = update.__class__(
        event="new",
        order=update.order.__class__(**{**update.order.__dict__, "client_order_id": "x", "broker_order_id": "zz"}),
        timestamp=update.timestamp,
    )
    assert apply_trade_update(foreign, source="test") is None
    assert OperatorAlert.objects.filter(kind="unknown_order").exists()

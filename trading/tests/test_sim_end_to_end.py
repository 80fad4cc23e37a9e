"""Paper orders end to end through the real simulator: trading.services.submit_order → dispatch after
commit → SimulatorBroker → matching → trade updates → apply_trade_update → the portfolios ledger."""

import datetime as dt
from decimal import Decimal as D

import pytest

from marketdata.models import DailyBar
from portfolios.models import Position
from trading.brokers.simulator_tasks import match_resting_simulated_orders
from trading.models import Fill, SimulatedOrder
from trading.services import cancel_order, replace_order, submit_order
from trading.tests.factories import funded_account, gtc_limit_buy, priced_instrument
from trading.tests.test_sim_broker import backdate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def simulator(settings):
    settings.TRADING_BROKERS = {}  # the real simulator for paper accounts
    settings.SIMULATOR_SLIPPAGE_BPS = "10"
    settings.SIMULATOR_IMPACT_BPS = "0"
    settings.SIMULATOR_PARTICIPATION = "0.1"
    from trading.brokers.registry import clear_cache

    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def account(advisor):
    return funded_account(advisor=advisor, cash="10000")


@pytest.fixture
def acme():
    return priced_instrument("ACME", close="100")


def test_market_buy_fills_and_books_cash_and_position(advisor, account, acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = submit_order(account=account, actor=advisor, side="buy", symbol="ACME", qty=D(10))
    order.refresh_from_db()
    assert order.status == "filled" and order.broker == "simulator"
    assert order.filled_qty == D(10) and order.filled_avg_price == D("100.1")
    assert order.broker_order_id == str(SimulatedOrder.objects.get().pk)
    fill = Fill.objects.get(order=order)
    assert fill.booking_error == "" and fill.transaction is not None and fill.source == "simulator"
    account.refresh_from_db()
    assert account.cash == D("8999.00")
    assert Position.objects.get(account=account, instrument=acme).quantity == D(10)
    assert [t.to_status for t in order.transitions.order_by("id")][-1] == "filled"


def test_resting_limit_fills_when_a_new_bar_reaches_it(advisor, account, acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = gtc_limit_buy(account, advisor, qty="20", limit="98")
    order.refresh_from_db()
    assert order.status == "new" and order.filled_qty == 0
    session = backdate(order.client_order_id).day
    DailyBar.objects.create(
        instrument=acme, date=session, open=D(100), high=D(101), low=D(97), close=D(99), adj_close=D(99), volume=100
    )
    with django_capture_on_commit_callbacks(execute=True):
        match_resting_simulated_orders.delay()
    order.refresh_from_db()
    # 10 % of a 100-share bar: 10 of 20 at the 98 limit.
    assert order.status == "partially_filled" and order.filled_qty == D(10) and order.filled_avg_price == D(98)
    account.refresh_from_db()
    assert account.cash == D("9020.00")


def test_cancel_and_replace_follow_alpaca(advisor, account, acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        resting = gtc_limit_buy(account, advisor, qty="5", limit="90")
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=resting, actor=advisor)
    resting.refresh_from_db()
    assert resting.status == "canceled"
    assert [t.to_status for t in resting.transitions.order_by("id")][-2:] == ["pending_cancel", "canceled"]

    with django_capture_on_commit_callbacks(execute=True):
        old = gtc_limit_buy(account, advisor, qty="5", limit="90")
    with django_capture_on_commit_callbacks(execute=True):
        new = replace_order(order=old, actor=advisor, limit_price=D("101"))
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == "replaced" and new.replaces_id == old.pk
    assert new.status == "filled" and new.filled_avg_price == D("100.1")  # marketable at the 100 close
    assert SimulatedOrder.objects.get(client_order_id=new.client_order_id).replaces.client_order_id == (
        old.client_order_id
    )


def test_day_order_expires_through_the_simulator(advisor, account, acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = submit_order(
            account=account,
            actor=advisor,
            side="buy",
            symbol="ACME",
            qty=D(5),
            order_type="limit",
            limit_price=D("90"),
            time_in_force="day",
        )
    simulated = SimulatedOrder.objects.get()
    from trading.brokers import simulator_book as book

    book.process(simulated.pk, now=simulated.expire_after + dt.timedelta(seconds=1))
    book.deliver(simulated.pk)
    order.refresh_from_db()
    assert order.status == "expired"

"""``manage.py run_trade_stream`` end to end: the real services, AlpacaBroker, TradingStream and the fake."""

import threading
import time
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from portfolios.models import Position
from trading.brokers.registry import clear_cache
from trading.models import Fill
from trading.services import submit_order
from trading.tests.factories import funded_account, priced_instrument
from trading.tests.fake_alpaca_trading import alpaca_settings, fake_alpaca_trading  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alpaca(alpaca_settings, fake_alpaca_trading):  # noqa: F811
    clear_cache()
    with override_settings(TRADING_RECONCILE_SETTLE_SECONDS=0):
        yield fake_alpaca_trading
    clear_cache()


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not repaired in time"
        time.sleep(0.01)


def run_command(seconds: float) -> tuple[threading.Thread, StringIO]:
    output = StringIO()

    def run():
        try:
            call_command("run_trade_stream", max_seconds=seconds, stdout=output)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, output


@pytest.mark.skipif(connection.vendor != "postgresql", reason="writers in several threads at once need PostgreSQL")
def test_the_command_catches_up_on_connect_then_applies_the_stream(alpaca, advisor):
    """A fill missed while no stream ran is repaired on connect; the next one arrives on the stream."""
    aapl = priced_instrument("AAPL", "190")
    account = funded_account(advisor=advisor, cash="100000", trading_mode="live", broker_account_id="PA3FAKE00001")
    order = submit_order(account=account, actor=advisor, side="buy", symbol="AAPL", qty="10")
    order.refresh_from_db()
    alpaca.fill(order.broker_order_id, qty="4", price="190")  # nobody is listening: missed

    thread, output = run_command(seconds=3)
    alpaca.wait_for_listeners(1)
    wait_for(lambda: Fill.objects.filter(order=order).exists())  # the reconciliation on connect
    alpaca.fill(order.broker_order_id, price="191")
    thread.join(timeout=20)

    order.refresh_from_db()
    executions = sorted(Fill.objects.filter(order=order).values_list("execution_id", flat=True))
    assert (order.status, order.filled_qty, order.filled_avg_price) == ("filled", Decimal("10"), Decimal("190.6"))
    assert len(executions) == 2 and executions[1].startswith("reconcile:")
    assert Position.objects.get(account=account, instrument=aapl).quantity == Decimal("10")
    assert "1 connection(s)" in output.getvalue() and "0 not applied" in output.getvalue()


def test_the_command_refuses_to_start_without_keys(settings):
    settings.ALPACA_API_KEY = ""

    with pytest.raises(CommandError, match="ALPACA_API_KEY"):
        call_command("run_trade_stream", max_seconds=0)

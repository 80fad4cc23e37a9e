"""50 concurrent buy orders against one account's cash never overdraw it (PostgreSQL, real threads)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import override_settings

from trading.brokers.registry import clear_cache
from trading.errors import RiskRejected
from trading.models import Order
from trading.services import apply_trade_update, submit_order
from trading.tests.factories import FAST_DISPATCH, funded_account, priced_instrument, scripted_broker

D = Decimal


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_buys_never_overdraw_the_account(advisor):
    """Each buy commits 1,020 (10 shares at 100 + 2 % buffer) of 10,000: exactly 9 are accepted, 41 refused
    with insufficient_buying_power, and filling every accepted one leaves the cash non-negative."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    clear_cache()
    with override_settings(**FAST_DISPATCH):
        broker = scripted_broker("simulator")
        broker.reset()
        account = funded_account(advisor=advisor, cash="10000")
        priced_instrument("ACME", "100")
        start = threading.Barrier(50)
        accepted, refused, errors = [], [], []

        def place():
            try:
                start.wait()
                order = submit_order(account=account, actor=advisor, side="buy", symbol="ACME", qty="10")
                accepted.append(order.pk)
            except RiskRejected as error:
                refused.append(error.code)
            except Exception as error:
                errors.append(repr(error))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=place) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(accepted) == 9 and refused == ["insufficient_buying_power"] * 41
        orders = list(Order.objects.filter(pk__in=accepted))
        assert {order.status for order in orders} == {"accepted"}  # dispatched after each commit
        for number, order in enumerate(orders):
            update = broker.update(
                order.client_order_id, "fill", qty=D("10"), price=D("102"), execution_id=f"f{number}"
            )
            apply_trade_update(update, source="test")
        account.refresh_from_db()
        assert account.cash == D("10000") - 9 * D("1020")
        assert account.cash >= 0
    clear_cache()

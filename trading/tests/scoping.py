"""Every URL of trading addressing one order, for the generic scoping test; ``order_in_book`` is the
order maker the trading page/API/stream tests share."""

import itertools
from decimal import Decimal

from trading.choices import BrokerName, OrderSide, OrderStatus, OrderType, TimeInForce
from trading.models import Order
from trading.state_machine import record_entry
from trading.tests.factories import funded_account, priced_instrument
from valuepartner.testing.scoping import register

_symbols = itertools.count(1)


def order_in_book(advisor, *, account=None, instrument=None, status=OrderStatus.QUEUED, **fields) -> Order:
    """A buy of 5 shares entered (queued, with its first transition) in ``advisor``'s book."""
    account = account or funded_account(advisor=advisor, cash="10000")
    instrument = instrument or priced_instrument(f"SC{next(_symbols)}", "50")
    values = {
        "side": OrderSide.BUY,
        "order_type": OrderType.LIMIT,
        "time_in_force": TimeInForce.DAY,
        "qty": Decimal("5"),
        "limit_price": Decimal("49"),
        "arrival_price": Decimal("50"),
        "reserve_price": Decimal("49"),
        **fields,
    }
    order = Order.objects.create(
        account=account,
        firm_id=account.client.household.firm_id,
        instrument=instrument,
        broker=BrokerName.SIMULATOR,
        placed_by=advisor,
        recommended_by=advisor,
        **values,
    )
    record_entry(order, actor=advisor, source="test")
    if status != OrderStatus.QUEUED:
        Order.objects.filter(pk=order.pk).update(status=status)
        order.refresh_from_db()
    return order


register("trading:order-detail", order_in_book, methods=("get", "post"))
register("api:order-detail", order_in_book, methods=("get", "delete", "patch"))

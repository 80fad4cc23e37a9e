"""Demo paper orders: a few tickets demo-advisor-1 placed on the demo accounts, with their history.

Each order is entered through ``trading.services.submit_order`` as the advisor (source ``ticket``,
like the order ticket page) and its Celery tasks run at once in this process (``tasks_inline``): the
dispatch to the paper simulator, the simulator meeting the market at the last bundled close and
delivering its trade updates, so fills are booked through the ledger and the account's values are
refreshed exactly as the worker would. One order is canceled through ``cancel_order``.

Idempotent: each order carries an Idempotency-Key; an order already placed with it is not placed
again (one still queued from an interrupted run is sent now, a to-be-canceled one still open is
canceled now).
"""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db import transaction

from accounts.models import User
from marketdata.models import DailyBar
from portfolios.models import Account
from strategies.demo import tasks_inline

from .choices import OrderSide, OrderStatus, OrderType, TimeInForce
from .models import OPEN_STATUSES, Order
from .services import cancel_order, dispatch_order, submit_order

DEMO_ADVISOR = "demo-advisor-1"


@dataclass(frozen=True)
class DemoOrder:
    key: str  # the Idempotency-Key, and how a later run recognises the order
    account: str
    symbol: str
    side: str
    qty: Decimal
    order_type: str = OrderType.MARKET
    time_in_force: str = TimeInForce.DAY
    limit_below: Decimal | None = None  # limit price: this fraction under the last close
    cancel: bool = False
    note: str = ""


DEMO_ORDERS = (
    DemoOrder(
        "demo-seed-alvarez-buy-aapl",
        "Alvarez individual brokerage",
        "AAPL",
        OrderSide.BUY,
        Decimal("25"),
        note="Demo: add to Apple after the year-end sell-off.",
    ),
    DemoOrder(
        "demo-seed-chen-sell-ko",
        "Chen trust portfolio",
        "KO",
        OrderSide.SELL,
        Decimal("100"),
        note="Demo: trim Coca-Cola back towards its target weight.",
    ),
    DemoOrder(
        "demo-seed-okafor-limit-hd",
        "Okafor rollover IRA",
        "HD",
        OrderSide.BUY,
        Decimal("20"),
        OrderType.LIMIT,
        TimeInForce.GTC,
        limit_below=Decimal("0.08"),
        note="Demo: buy Home Depot only on an 8 % dip (good till canceled).",
    ),
    DemoOrder(
        "demo-seed-alvarez-limit-msft",
        "Alvarez individual brokerage",
        "MSFT",
        OrderSide.BUY,
        Decimal("10"),
        OrderType.LIMIT,
        TimeInForce.GTC,
        limit_below=Decimal("0.05"),
        cancel=True,
        note="Demo: a limit buy of Microsoft, canceled by the advisor.",
    ),
)
CANCEL_REASON = "Demo: the client changed their mind."


def _limit_price(symbol: str, below: Decimal) -> Decimal:
    close = DailyBar.objects.filter(instrument__symbol=symbol).order_by("-date").values_list("close", flat=True)[0]
    return (close * (1 - below)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def _place(spec: DemoOrder, *, firm, advisor: User) -> Order:
    existing = Order.objects.filter(placed_by=advisor, idempotency_key=spec.key).first()
    if existing is None:
        account = Account.objects.get(client__household__firm=firm, name=spec.account)
        existing = submit_order(
            account=account,
            actor=advisor,
            symbol=spec.symbol,
            side=spec.side,
            order_type=spec.order_type,
            time_in_force=spec.time_in_force,
            qty=spec.qty,
            limit_price=_limit_price(spec.symbol, spec.limit_below) if spec.limit_below is not None else None,
            note=spec.note,
            idempotency_key=spec.key,
        )
    if existing.status == OrderStatus.QUEUED:
        # Not sent yet (an earlier seed stopped, or the broker was failing): send it now, as the retry task would.
        dispatch_order(existing.pk)
        existing.refresh_from_db()
    if spec.cancel and existing.status in OPEN_STATUSES:
        # One outer transaction holds the simulator's confirmation back until the cancel request is
        # stored (pending_cancel, the advisor's audited request), as when a worker delivers it later.
        with transaction.atomic():
            existing = cancel_order(order=existing, actor=advisor, reason=CANCEL_REASON)
    existing.refresh_from_db()
    return existing


def seed_demo_trading(*, firm) -> list[Order]:
    """The demo orders, placed (and the one canceled) when missing; returns them as they now stand."""
    advisor = User.objects.get(firm=firm, username=DEMO_ADVISOR)
    with tasks_inline():
        return [_place(spec, firm=firm, advisor=advisor) for spec in DEMO_ORDERS]

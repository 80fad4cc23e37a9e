"""The paper simulator: a Broker (``trading.brokers.base``) for paper accounts.

Submission only records the order (one insert) and, after commit, a task meets the market: the last
close on arrival, then each newer daily bar (``trading.brokers.simulator_book``; the rules are in
``trading.simulation.matching``). What happens reaches our orders as Alpaca-style trade updates
through ``trading.services.apply_trade_update``, exactly like Alpaca's stream. Cancel and replace
follow Alpaca: the cancel is confirmed by a ``canceled`` update; a replace creates a new order and the
old one becomes ``replaced``; fills that happened before either request (bars not yet met) come first.

The registry builds one instance per process (no arguments): it sees every paper order. Account
calls need an account: ``SimulatorBroker.for_account(account_id)``.
"""

import uuid
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from marketdata.models import Instrument
from portfolios.models import Account, Position

from ..models import SimulatedOrder
from ..models.simulation import SIMULATED_OPEN
from . import simulator_book as book
from .base import (
    BrokerAccount,
    BrokerError,
    BrokerOrder,
    BrokerPosition,
    BrokerRejected,
    DuplicateClientOrderId,
    OrderNotFound,
    OrderRequest,
    ReplaceRequest,
)
from .simulator_clock import order_session


def _enqueue_processing(order_id: str) -> None:
    from .simulator_tasks import process_simulated_order

    transaction.on_commit(lambda: process_simulated_order.delay(order_id))


def _enqueue_delivery(order_id: str) -> None:
    from .simulator_tasks import deliver_simulated_events

    transaction.on_commit(lambda: deliver_simulated_events.delay(order_id))


class SimulatorBroker:
    name = "simulator"

    def __init__(self, broker_account_id: str = ""):
        self.broker_account_id = broker_account_id
        self._instrument_ids: dict[str, int] = {}

    @classmethod
    def for_account(cls, broker_account_id) -> "SimulatorBroker":
        return cls(str(broker_account_id))

    # --- orders ----------------------------------------------------------------------------------

    def submit_order(self, request: OrderRequest) -> BrokerOrder:
        instrument_id = self._instrument_id(request.symbol)
        now = timezone.now()
        timing = order_session(request.time_in_force, now)
        order = SimulatedOrder(
            client_order_id=request.client_order_id,
            broker_account_id=request.broker_account_id or self.broker_account_id,
            instrument_id=instrument_id,
            symbol=request.symbol.upper(),
            side=request.side,
            order_type=request.order_type,
            time_in_force=request.time_in_force,
            qty=request.qty,
            notional=request.notional,
            limit_price=request.limit_price,
            stop_price=request.stop_price,
            trail_price=request.trail_price,
            trail_percent=request.trail_percent,
            submitted_at=now,
        )
        self._set_session(order, timing)
        self._check(order)
        self._insert(order)
        _enqueue_processing(str(order.pk))
        return book.broker_order(order)

    def cancel_order(self, broker_order_id: str) -> None:
        with transaction.atomic():
            order = self._locked(broker_order_id)
            was_open = order.is_open
            if was_open:
                book.end_by_request(order, status="canceled", now=timezone.now(), reason="canceled on request")
        _enqueue_delivery(str(order.pk))
        if (
            not was_open or order.status != "canceled"
        ):  # filled or ended before the request (its updates are delivered all the same)
            raise BrokerRejected(f"order is not cancelable (status {order.status})", status=422)

    def replace_order(self, request: ReplaceRequest) -> BrokerOrder:
        now = timezone.now()
        with transaction.atomic():
            old = self._locked(request.broker_order_id)
            book.advance(old, now=now)  # fills that happened before the request stand
            _enqueue_delivery(str(old.pk))
        if not old.is_open:
            raise BrokerRejected(f"order is not replaceable (status {old.status})", status=422)
        with transaction.atomic():
            old = self._locked(request.broker_order_id)
            if not old.is_open:  # ended between the two transactions
                raise BrokerRejected(f"order is not replaceable (status {old.status})", status=422)
            if old.notional is not None:
                raise BrokerRejected("notional orders cannot be replaced", status=422)
            remaining = old.qty - old.filled_qty
            new = SimulatedOrder(
                client_order_id=request.client_order_id,
                broker_account_id=old.broker_account_id,
                instrument_id=old.instrument_id,
                symbol=old.symbol,
                side=old.side,
                order_type=old.order_type,
                time_in_force=request.time_in_force or old.time_in_force,
                qty=request.qty if request.qty is not None else remaining,
                limit_price=request.limit_price if request.limit_price is not None else old.limit_price,
                stop_price=request.stop_price if request.stop_price is not None else old.stop_price,
                trail_price=old.trail_price,
                trail_percent=old.trail_percent,
                replaces=old,
                submitted_at=now,
            )
            if request.trail is not None:
                if old.trail_price is not None:
                    new.trail_price = request.trail
                else:
                    new.trail_percent = request.trail
            self._set_session(new, order_session(new.time_in_force, now))
            self._check(new)
            self._insert(new)
            book.end_by_request(old, status="replaced", now=now, reason=f"replaced by {new.pk}")
        _enqueue_delivery(str(old.pk))
        _enqueue_processing(str(new.pk))
        return book.broker_order(new)

    def get_order_by_client_id(self, client_order_id: str) -> BrokerOrder | None:
        order = self._orders().filter(client_order_id=client_order_id).first()
        return book.broker_order(order) if order else None

    def list_open_orders(self) -> list[BrokerOrder]:
        return [book.broker_order(order) for order in self._orders().filter(status__in=SIMULATED_OPEN)]

    # --- account ---------------------------------------------------------------------------------
    # A paper account is held nowhere else: its cash and positions are our ledger's.

    def get_account(self) -> BrokerAccount:
        account = self._account()
        open_buys = self._orders().filter(status__in=SIMULATED_OPEN, side="buy")
        committed = Decimal(0)
        for order in open_buys:
            if order.notional is not None:
                committed += order.notional - order.filled_value
            else:
                price = order.limit_price or order.stop_price or (order.filled_avg_price or Decimal(0))
                committed += (order.qty - order.filled_qty) * price
        buying_power = (account.cash - committed).quantize(Decimal("0.01"))
        return BrokerAccount(cash=account.cash, buying_power=buying_power)

    def list_positions(self) -> list[BrokerPosition]:
        account = self._account()
        rows = (
            Position.objects.filter(account=account)
            .exclude(quantity=0)
            .select_related("instrument")
            .order_by("instrument__symbol")
        )
        return [
            BrokerPosition(
                symbol=row.instrument.symbol,
                qty=row.quantity,
                avg_entry_price=(row.cost_basis / row.quantity).quantize(Decimal("0.0001")),
            )
            for row in rows
        ]

    # --- internals -------------------------------------------------------------------------------

    def _orders(self):
        orders = SimulatedOrder.objects.all()
        if self.broker_account_id:
            orders = orders.filter(broker_account_id=self.broker_account_id)
        return orders

    def _account(self) -> Account:
        if not self.broker_account_id:
            raise BrokerError("the simulator's account calls need an account: use SimulatorBroker.for_account()")
        account = Account.objects.filter(pk=self.broker_account_id).first()
        if account is None:
            raise BrokerRejected(f"no paper account {self.broker_account_id}", status=404)
        return account

    def _instrument_id(self, symbol: str) -> int:
        key = symbol.upper()
        if key not in self._instrument_ids:
            found = Instrument.objects.filter(symbol=key, is_active=True).values_list("pk", flat=True).first()
            if found is None:
                raise BrokerRejected(f"asset {symbol} is not tradable", code="asset_not_tradable", status=422)
            self._instrument_ids[key] = found
        return self._instrument_ids[key]

    def _locked(self, broker_order_id: str) -> SimulatedOrder:
        try:
            key = uuid.UUID(str(broker_order_id))
        except ValueError:
            raise OrderNotFound(f"order {broker_order_id} not found", status=404) from None
        order = self._orders().select_for_update().filter(pk=key).first()
        if order is None:
            raise OrderNotFound(f"order {broker_order_id} not found", status=404)
        return order

    @staticmethod
    def _set_session(order: SimulatedOrder, timing) -> None:
        order.session = timing.session.day
        order.session_close = timing.session.closes
        order.expire_after = timing.expire_after if order.time_in_force == "day" else None

    @staticmethod
    def _check(order: SimulatedOrder) -> None:
        try:
            book.spec_of(order)
        except ValueError as exc:
            raise BrokerRejected(str(exc), code="invalid_order", status=422) from None

    @staticmethod
    def _insert(order: SimulatedOrder) -> None:
        try:
            with transaction.atomic():
                order.save(force_insert=True)
        except IntegrityError:
            if SimulatedOrder.objects.filter(client_order_id=order.client_order_id).exists():
                raise DuplicateClientOrderId(
                    f"client_order_id {order.client_order_id} must be unique", status=422
                ) from None
            raise

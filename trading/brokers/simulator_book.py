"""The simulator's book: runs the pure matching engine (``trading.simulation``) over persisted
simulated orders and market data, and delivers the resulting trade updates.

* ``advance`` (under the simulated order's row lock): arrival against the last bar's close, then every
  newer daily bar of a session that has closed, in date order, then the clock (a DAY order whose
  session brought no bar expires at the next session's open). Each event is stored in the
  ``SimulatedEvent`` outbox in the same transaction as the state it produced.
* ``deliver`` (after commit): hands the outbox to ``settings.SIMULATOR_TRADE_UPDATE_SINK``
  (``trading.services.apply_trade_update``) one event at a time, in order, each in its own transaction
  with the event row locked, so two deliverers never apply the same event twice or out of order. A
  failing event is retried (by the periodic task) up to ``SIMULATOR_MAX_DELIVERY_ATTEMPTS`` times and
  holds back the order's later events meanwhile.

Locks: advance takes the simulated order's row; deliver takes an event row and then whatever the sink
locks (our Order, the account, positions). Cancel/replace are called with our Order locked and then
lock the simulated order. Nothing takes a simulated order while holding an event, so no cycle.
"""

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from marketdata.models import DailyBar

from .. import simulation as sim
from ..models import SimulatedEvent, SimulatedOrder
from ..models.simulation import SIMULATED_OPEN
from .base import BrokerOrder, TradeUpdate
from .simulator_clock import last_complete_session_day, session_on

logger = logging.getLogger(__name__)

SOURCE = "simulator"
EVENT_STATUS = {
    "new": "new",
    "partial_fill": "partially_filled",
    "fill": "filled",
    "canceled": "canceled",
    "expired": "expired",
    "replaced": "replaced",
}


def config() -> sim.SimConfig:
    participation = Decimal(str(settings.SIMULATOR_PARTICIPATION or "0"))
    return sim.SimConfig(
        slippage_bps=Decimal(str(settings.SIMULATOR_SLIPPAGE_BPS)),
        impact_bps=Decimal(str(settings.SIMULATOR_IMPACT_BPS)),
        participation=participation if participation > 0 else None,
        latency=dt.timedelta(milliseconds=settings.SIMULATOR_LATENCY_MS),
    )


def spec_of(order: SimulatedOrder) -> sim.OrderSpec:
    return sim.OrderSpec(
        key=str(order.pk),
        side=order.side,
        order_type=order.order_type,
        time_in_force=order.time_in_force,
        submitted_at=order.submitted_at,
        session=order.session,
        qty=order.qty,
        notional=order.notional,
        limit_price=order.limit_price,
        stop_price=order.stop_price,
        trail_price=order.trail_price,
        trail_percent=order.trail_percent,
        session_close=order.session_close,
    )


def state_of(order: SimulatedOrder) -> sim.OrderState:
    status = order.status if order.status != "accepted" else "new"
    return sim.OrderState(
        status=status,
        filled_qty=order.filled_qty,
        filled_value=order.filled_value,
        executions=order.executions,
        triggered=order.triggered,
        water_mark=order.water_mark,
        arrived=order.arrived,
        reason=order.reason,
    )


def bar_of(row: tuple) -> sim.Bar:
    day, open_, high, low, close, volume = row
    session = session_on(day)
    times = {"open_at": session.opens, "close_at": session.closes} if session else {}
    complete = None not in (open_, high, low) and low <= min(open_, close) and max(open_, close) <= high
    if not complete:  # a close-only (or inconsistent) bar is a one-point path at its close
        open_ = high = low = None
    return sim.Bar(day=day, open=open_, high=high, low=low, close=close, volume=volume, **times)


BAR_COLUMNS = ("date", "open", "high", "low", "close", "volume")


def advance(order: SimulatedOrder, *, now: dt.datetime) -> list[SimulatedEvent]:
    """Bring a locked simulated order up to date with the market and the clock; store and return events."""
    if not order.is_open:
        return []
    engine = config()
    spec, state = spec_of(order), state_of(order)
    happened: list[sim.SimEvent] = []
    if not state.arrived:
        happened.append(sim.SimEvent("new", sim.arrival_time(spec, engine)))
        last = (
            DailyBar.objects.filter(instrument_id=order.instrument_id, date__lte=order.session)
            .order_by("-date")
            .values_list("date", "close", "volume")
            .first()
        )
        quote = sim.Quote(last[1], last[2]) if last else None
        happened += sim.on_arrival(spec, state, quote, engine)
        start = order.session - dt.timedelta(days=1)
        order.last_bar_date = max(last[0], start) if last else start
    last_complete = last_complete_session_day(now)
    if state.is_open and order.last_bar_date < last_complete:
        # Only sessions that have closed: a bar of the future (or of the session in progress) has not
        # happened yet, whatever a data source says.
        bars = (
            DailyBar.objects.filter(
                instrument_id=order.instrument_id,
                date__gt=order.last_bar_date,
                date__lte=last_complete,
            )
            .order_by("date")
            .values_list(*BAR_COLUMNS)[: settings.SIMULATOR_MAX_BARS_PER_RUN]
        )
        for row in bars:
            happened += sim.on_bar(spec, state, bar_of(row), engine)
            order.last_bar_date = row[0]
            if not state.is_open:
                break
    if state.is_open and order.expire_after and now >= order.expire_after:
        happened += sim.expire(state, order.session_close or order.expire_after)
    _store(order, state, now=now)
    return _record(order, happened)


def end_by_request(order: SimulatedOrder, *, status: str, now: dt.datetime, reason: str) -> list[SimulatedEvent]:
    """Cancel (or mark replaced) a locked open order, after letting the market catch up first: a fill
    that happened before the request is honoured."""
    events = advance(order, now=now)
    if not order.is_open:
        return events
    state = state_of(order)
    happened = sim.cancel(state, now, reason)
    if status == "replaced":
        state.status = "replaced"
        happened = [sim.SimEvent("replaced", now, reason=reason)]
    _store(order, state, now=now)
    return events + _record(order, happened)


def _store(order: SimulatedOrder, state: sim.OrderState, *, now: dt.datetime) -> None:
    if state.arrived and state.status == "new":
        order.status = "new"
    elif state.status != "new":
        order.status = state.status
    order.filled_qty = state.filled_qty
    order.filled_value = state.filled_value
    order.executions = state.executions
    order.triggered = state.triggered
    order.water_mark = None if state.water_mark is None else state.water_mark.quantize(Decimal("0.000001"))
    order.arrived = state.arrived
    order.reason = state.reason[:200]
    if not order.is_open and order.ended_at is None:
        order.ended_at = now
    order.save(
        update_fields=[
            "status",
            "filled_qty",
            "filled_value",
            "executions",
            "triggered",
            "water_mark",
            "arrived",
            "reason",
            "last_bar_date",
            "ended_at",
            "updated_at",
        ]
    )


def _record(order: SimulatedOrder, happened: list[sim.SimEvent]) -> list[SimulatedEvent]:
    if not happened:
        return []
    # The order as it stood after each event: replay the fills forward from before the first one.
    fills = [event.execution for event in happened if event.execution]
    filled_qty = order.filled_qty - sum((e.qty for e in fills), Decimal(0))
    filled_value = order.filled_value - sum((e.qty * e.price for e in fills), Decimal(0))
    rows = []
    for event in happened:
        execution = event.execution
        if execution:
            filled_qty += execution.qty
            filled_value += execution.qty * execution.price
        average = (filled_value / filled_qty).quantize(Decimal("0.000001")) if filled_qty else None
        rows.append(
            SimulatedEvent(
                order=order,
                event=event.event,
                at=event.at,
                execution_id=execution.execution_id if execution else "",
                qty=execution.qty if execution else None,
                price=execution.price if execution else None,
                reference_price=execution.reference_price.quantize(Decimal("0.000001")) if execution else None,
                slippage_bps=execution.slippage_bps.quantize(Decimal("0.0001")) if execution else None,
                reason=event.reason[:200],
                order_status=EVENT_STATUS[event.event],
                filled_qty=filled_qty,
                filled_avg_price=average,
            )
        )
    return SimulatedEvent.objects.bulk_create(rows)


def broker_order(order: SimulatedOrder, *, status: str | None = None, filled_qty=None, average=None) -> BrokerOrder:
    replaced_by = ""
    if (status or order.status) == "replaced":
        successor = SimulatedOrder.objects.filter(replaces_id=order.pk).values_list("pk", flat=True).first()
        replaced_by = str(successor or "")
    return BrokerOrder(
        broker_order_id=str(order.pk),
        client_order_id=order.client_order_id,
        status=status or order.status,
        symbol=order.symbol,
        side=order.side,
        qty=order.qty,
        filled_qty=order.filled_qty if filled_qty is None else filled_qty,
        filled_avg_price=order.filled_avg_price if filled_qty is None else average,
        submitted_at=order.submitted_at,
        updated_at=order.updated_at,
        order_type=order.order_type,
        time_in_force=order.time_in_force,
        limit_price=order.limit_price,
        stop_price=order.stop_price,
        notional=order.notional,
        replaced_by=replaced_by,
        replaces=str(order.replaces_id or ""),
    )


def trade_update(event: SimulatedEvent) -> TradeUpdate:
    order = broker_order(
        event.order, status=event.order_status, filled_qty=event.filled_qty, average=event.filled_avg_price
    )
    return TradeUpdate(
        event=event.event,
        order=order,
        timestamp=event.at,
        execution_id=event.execution_id,
        price=event.price,
        qty=event.qty,
    )


def process(order_id, *, now: dt.datetime | None = None, skip_locked: bool = False) -> int:
    """Advance one simulated order (idempotent: an ended or up-to-date order produces nothing)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = SimulatedOrder.objects.select_for_update(skip_locked=skip_locked).filter(pk=order_id).first()
        if locked is None:
            return 0
        return len(advance(locked, now=now))


def deliver(order_id) -> int:
    """Hand the order's undelivered events to the sink, in order, in one transaction with those event
    rows locked (a second deliverer waits, then finds them delivered). Each event is applied in its own
    savepoint; the first failure is recorded on its event and holds back the ones after it."""
    sink = import_string(settings.SIMULATOR_TRADE_UPDATE_SINK)
    with transaction.atomic():
        pending = list(
            SimulatedEvent.objects.select_for_update(of=("self",))
            .select_related("order")
            .filter(order_id=order_id, delivered_at__isnull=True)
            .order_by("id")
        )
        delivered: list[int] = []
        for event in pending:
            if event.attempts >= settings.SIMULATOR_MAX_DELIVERY_ATTEMPTS:
                break
            try:
                with transaction.atomic():
                    sink(trade_update(event), source=SOURCE)
            except Exception as exc:
                event.attempts += 1
                event.last_error = f"{type(exc).__name__}: {exc}"[:500]
                event.save(update_fields=["attempts", "last_error"])
                logger.exception("simulator: delivering %s of order %s failed", event.event, order_id)
                break
            delivered.append(event.pk)
        if delivered:
            SimulatedEvent.objects.filter(pk__in=delivered).update(
                delivered_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
    return len(delivered)


def orders_due(*, now: dt.datetime) -> list:
    """Open simulated orders with a newer bar to meet, a DAY expiry due, or not yet arrived."""
    newer_bar = DailyBar.objects.filter(
        instrument_id=OuterRef("instrument_id"),
        date__gt=OuterRef("last_bar_date"),
        date__lte=last_complete_session_day(now),
    )
    return list(
        SimulatedOrder.objects.filter(status__in=SIMULATED_OPEN)
        .filter(Q(arrived=False) | Q(expire_after__lte=now) | Exists(newer_bar))
        .order_by("submitted_at")
        .values_list("pk", flat=True)
    )


def orders_with_undelivered_events() -> list:
    return list(
        SimulatedEvent.objects.filter(delivered_at__isnull=True, attempts__lt=settings.SIMULATOR_MAX_DELIVERY_ATTEMPTS)
        .order_by("order_id")
        .values_list("order_id", flat=True)
        .distinct()
    )

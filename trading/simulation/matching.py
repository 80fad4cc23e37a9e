"""The matching engine: one order against the quote on arrival, then against each later bar.

* **Arrival** (``on_arrival``): the order reaches the market ``config.latency`` after submission and
  meets the last known price (``Quote``). Market orders and marketable limits execute there; stops
  whose level the quote has already crossed trigger there; a trailing stop starts its water mark at the
  quote. IOC cancels what is left; FOK executes completely or not at all. OPG and CLS wait for their
  auction.
* **Bars** (``on_bar``): a resting order walks the bar's intra-bar path (``path.bar_path``) from the
  moment it arrived. Stops trigger where the path crosses their level (or at a gap's first price);
  limits execute where the path reaches them, at the limit or at a better gap price; trailing stops
  track the high-water mark (sells) or low-water mark (buys) and trigger when the price retraces by the
  trail. Once executable, the order takes at most ``participation`` times the bar's volume in that bar
  (one execution per bar); the rest waits for the next bar (partial fills). OPG orders meet only the
  open of their session, CLS orders only its close; what is left is canceled. A DAY order that is
  still open after its session's bar expires at the session's close; one whose session has no bar is
  expired by the broker's clock (``expire``).
* **Prices**: the reference price moved against the order by ``slippage_bps`` + ``impact_bps`` times
  participation, rounded to ``price_places``, never beyond the limit. Notional orders buy or sell
  ``floor(remaining notional / price)`` in fractions, so their executed value never exceeds the
  notional.

Functions mutate the ``OrderState`` they are given and return the ``SimEvent`` values that happened,
in time order. Everything is deterministic: the same inputs give the same executions and ids.
"""

import copy
import datetime as dt
from decimal import Decimal

from . import pricing
from .path import bar_path, close_point, open_point, session_times
from .types import (
    CANCELED,
    CLS,
    DAY,
    EVENT_CANCELED,
    EVENT_EXPIRED,
    EVENT_FILL,
    EVENT_PARTIAL_FILL,
    EXPIRED,
    FILLED,
    FOK,
    IOC,
    MARKET,
    OPG,
    PARTIALLY_FILLED,
    STOP,
    STOP_LIMIT,
    TRAILING_STOP,
    Bar,
    Execution,
    OrderSpec,
    OrderState,
    PathPoint,
    Quote,
    SimConfig,
    SimEvent,
)

HUNDRED = Decimal(100)


def arrival_time(spec: OrderSpec, config: SimConfig) -> dt.datetime:
    return spec.submitted_at + config.latency


def on_arrival(spec: OrderSpec, state: OrderState, quote: Quote | None, config: SimConfig) -> list[SimEvent]:
    """Meet the market once, on arrival. ``quote`` is ``None`` when no price is known at all."""
    if state.arrived or not state.is_open:
        return []
    state.arrived = True
    at = arrival_time(spec, config)
    if spec.time_in_force in (OPG, CLS):
        return []
    events: list[SimEvent] = []
    if quote is not None:
        point = [PathPoint(quote.price, at)]
        if spec.time_in_force == FOK:
            trial = copy.copy(state)
            trial_events = _match_points(spec, trial, point, quote.volume, config)
            if trial.status == FILLED:
                _copy_into(state, trial)
                events = trial_events
        else:
            events = _match_points(spec, state, point, quote.volume, config)
    if spec.time_in_force in (IOC, FOK) and state.is_open:
        reason = "no price to meet" if quote is None else f"{spec.time_in_force}: not filled on arrival"
        events.append(_end(state, CANCELED, at, reason))
    return events


def on_bar(spec: OrderSpec, state: OrderState, bar: Bar, config: SimConfig) -> list[SimEvent]:
    """Match a resting order against one bar. Bars must come in date order, each once."""
    if not state.is_open:
        return []
    if not state.arrived:
        raise ValueError("on_arrival must run before the order meets bars.")
    if bar.day < spec.session or spec.time_in_force in (IOC, FOK):
        return []
    opens, closes = session_times(bar)
    start = arrival_time(spec, config)
    tif = spec.time_in_force
    if tif == DAY and bar.day > spec.session:
        return [_end(state, EXPIRED, spec.session_close or opens, "the day order's session ended")]
    if tif in (OPG, CLS):
        auction = open_point(bar) if tif == OPG else close_point(bar)
        if auction.at < start:
            return []
        events = _match_points(spec, state, [auction], bar.volume, config)
        if state.is_open:
            name = "opening" if tif == OPG else "closing"
            events.append(_end(state, CANCELED, auction.at, f"not filled in the {name} auction"))
        return events
    events = _match_points(spec, state, clip_path(bar_path(bar), start), bar.volume, config)
    if tif == DAY and state.is_open:
        events.append(_end(state, EXPIRED, spec.session_close or closes, "the day order's session ended"))
    return events


def cancel(state: OrderState, at: dt.datetime, reason: str = "canceled on request") -> list[SimEvent]:
    return [_end(state, CANCELED, at, reason)] if state.is_open else []


def expire(state: OrderState, at: dt.datetime, reason: str = "the day order's session ended") -> list[SimEvent]:
    return [_end(state, EXPIRED, at, reason)] if state.is_open else []


def clip_path(points: list[PathPoint], start: dt.datetime) -> list[PathPoint]:
    """The part of a path from ``start`` on (the order did not exist earlier), with the price at
    ``start`` interpolated on its segment."""
    if not points or points[-1].at < start:
        return []
    if points[0].at >= start:
        return points
    for index in range(1, len(points)):
        before, after = points[index - 1], points[index]
        if before.at <= start <= after.at:
            share = _share(before.at, after.at, start)
            price = before.price + (after.price - before.price) * share
            return [PathPoint(price, start), *points[index:]]
    return []


def trailing_stop_level(spec: OrderSpec, mark: Decimal) -> Decimal:
    """Where a trailing stop stands for a water mark ``mark``."""
    if spec.trail_price is not None:
        return mark - spec.trail_price if not spec.is_buy else mark + spec.trail_price
    move = mark * spec.trail_percent / HUNDRED
    return mark - move if not spec.is_buy else mark + move


# --- internals ------------------------------------------------------------------------------------


def _match_points(
    spec: OrderSpec, state: OrderState, points: list[PathPoint], volume: int | None, config: SimConfig
) -> list[SimEvent]:
    previous = None
    for point in points:
        hit = _executable(spec, state, previous or point, point)
        if hit is not None:
            return _execute(spec, state, hit, volume, config)
        previous = point
    return []


def _executable(spec: OrderSpec, state: OrderState, a: PathPoint, b: PathPoint) -> PathPoint | None:
    """Where on the segment a→b the order first becomes executable, at which reference price."""
    start = a
    if spec.order_type in (STOP, STOP_LIMIT, TRAILING_STOP) and not state.triggered:
        trigger = _trailing_trigger(spec, state, a, b) if spec.order_type == TRAILING_STOP else _stop(spec, a, b)
        if trigger is None:
            return None
        state.triggered = True
        start = trigger
    if spec.order_type in (MARKET, STOP, TRAILING_STOP):
        return start
    return _limit(spec, start, b)


def _stop(spec: OrderSpec, a: PathPoint, b: PathPoint) -> PathPoint | None:
    level = spec.stop_price
    if spec.is_buy:
        if a.price >= level:
            return a
        return _at_level(a, b, level) if b.price >= level else None
    if a.price <= level:
        return a
    return _at_level(a, b, level) if b.price <= level else None


def _limit(spec: OrderSpec, a: PathPoint, b: PathPoint) -> PathPoint | None:
    level = spec.limit_price
    if spec.is_buy:
        if a.price <= level:
            return a
        return _at_level(a, b, level) if b.price <= level else None
    if a.price >= level:
        return a
    return _at_level(a, b, level) if b.price >= level else None


def _trailing_trigger(spec: OrderSpec, state: OrderState, a: PathPoint, b: PathPoint) -> PathPoint | None:
    """Sell: the high-water mark rises with the price and the stop trails it; the order triggers when
    the price falls to the stop. Buy: the mirror image with the low-water mark."""
    sign = -1 if spec.is_buy else 1  # compare in "sell" orientation
    mark = a.price if state.water_mark is None else state.water_mark
    mark = max(mark, a.price) if sign > 0 else min(mark, a.price)
    state.water_mark = mark
    level = trailing_stop_level(spec, mark)
    if sign * a.price <= sign * level:
        return a
    if sign * b.price > sign * a.price:  # moving away from the stop: the water mark follows
        state.water_mark = max(mark, b.price) if sign > 0 else min(mark, b.price)
        return None
    return _at_level(a, b, level) if sign * b.price <= sign * level else None


def _execute(
    spec: OrderSpec, state: OrderState, hit: PathPoint, volume: int | None, config: SimConfig
) -> list[SimEvent]:
    unit = pricing.granularity(spec, config)
    cap = pricing.participation_cap(volume, unit, config)
    if spec.qty is not None:
        qty = spec.qty - state.filled_qty
        if cap is not None:
            qty = min(qty, cap)
        if qty <= 0:
            return []
        bps = pricing.slippage_bps(qty, volume, config)
        price = pricing.execution_price(spec, hit.price, bps, config)
    else:
        remaining = spec.notional - state.filled_value
        estimate = pricing.execution_price(spec, hit.price, config.slippage_bps, config)
        qty = pricing.round_down(remaining / estimate, unit)
        if cap is not None:
            qty = min(qty, cap)
        bps = pricing.slippage_bps(qty, volume, config)
        price = pricing.execution_price(spec, hit.price, bps, config)
        qty = pricing.round_down(remaining / price, unit)
        if cap is not None:
            qty = min(qty, cap)
        if qty <= 0:
            return []
    state.filled_qty += qty
    state.filled_value += qty * price
    state.executions += 1
    if spec.qty is not None:
        done = state.filled_qty >= spec.qty
    else:
        left = spec.notional - state.filled_value
        done = left < pricing.CENT or pricing.round_down(left / price, unit) <= 0
    state.status = FILLED if done else PARTIALLY_FILLED
    execution = Execution(
        execution_id=f"{spec.key}-{state.executions}",
        qty=qty,
        price=price,
        at=hit.at,
        reference_price=hit.price,
        slippage_bps=bps,
    )
    return [SimEvent(EVENT_FILL if done else EVENT_PARTIAL_FILL, hit.at, execution=execution)]


def _end(state: OrderState, status: str, at: dt.datetime, reason: str) -> SimEvent:
    state.status = status
    state.reason = reason
    return SimEvent(EVENT_CANCELED if status == CANCELED else EVENT_EXPIRED, at, reason=reason)


def _at_level(a: PathPoint, b: PathPoint, level: Decimal) -> PathPoint:
    """The point where the straight segment a→b passes ``level`` (which lies between them)."""
    if b.price == a.price:
        return PathPoint(level, a.at)
    share = (level - a.price) / (b.price - a.price)
    return PathPoint(level, a.at + (b.at - a.at) * float(share))


def _share(start: dt.datetime, end: dt.datetime, at: dt.datetime) -> Decimal:
    total = (end - start).total_seconds()
    return Decimal(str((at - start).total_seconds() / total)) if total else Decimal(0)


def _copy_into(target: OrderState, source: OrderState) -> None:
    for name, value in vars(source).items():
        setattr(target, name, value)

"""Pre-trade risk: every check of a proposed order, evaluated without writing anything.

``evaluate_order`` is what the ticket shows before submit (each check passed or failed, with a
code, and the order's impact: cash after, weight after); ``trading.services.orders`` calls the
same function again under the account's row lock and refuses the order if any check failed, so
two orders cannot both spend the same cash.

Checks (a failed one's code in brackets):
- kill switch of the firm and of the account: HALTED refuses everything [trading_halted],
  REDUCING refuses what does not reduce a position [reducing_only]; the stricter state applies.
- restricted list (compliance.RestrictedInstrument) [restricted_instrument].
- a last price to check against [no_last_price].
- buys: buying power = cash - open buy commitments (a pending replace counts the larger of the old
  and the new order) ≥ the order's commitment [insufficient_buying_power]; sells: shares held minus
  open sells ≥ the order's shares (no short selling) [insufficient_position].
- maximum order notional [max_order_notional]; price band of limit/stop prices around the last
  price, the fat-finger check [price_band]; maximum position value after the order [max_position];
  maximum weight of the instrument in the account after the order [concentration].

A buy's commitment is its remaining shares at its ``reserve_price``: the limit price for limit and
stop-limit orders, else the last (or stop) price plus ``TRADING_MARKET_BUY_BUFFER_PERCENT``; a
notional buy commits its notional less what filled.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import timezone

from compliance.models import RestrictedInstrument
from portfolios.models import Account

from .choices import KillSwitchState, OrderSide, OrderType
from .models import Order
from .order_rules import OrderSpec
from .risk_reads import commitment, controls, holdings, open_order_totals

ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")
PRICE_QUANTUM = Decimal("0.000001")


def _setting_decimal(name: str, default: str) -> Decimal:
    return Decimal(str(getattr(settings, name, default)))


@dataclass(frozen=True)
class RiskCheck:
    name: str  # which check: kill_switch, restricted_list, last_price, buying_power, …
    passed: bool
    code: str  # "ok", or the refusal's code
    message: str
    field: str = ""


@dataclass(frozen=True)
class Impact:
    last_price: Decimal | None
    last_price_date: dt.date | None
    estimated_price: Decimal | None
    estimated_qty: Decimal | None
    estimated_notional: Decimal | None
    reserve_price: Decimal | None
    cash: Decimal
    buying_power: Decimal
    cash_after: Decimal | None
    buying_power_after: Decimal | None
    position_before: Decimal
    position_after: Decimal | None
    total_value: Decimal
    weight_before: Decimal | None
    weight_after: Decimal | None


@dataclass(frozen=True)
class RiskReport:
    checks: tuple[RiskCheck, ...]
    impact: Impact
    limits: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> list[RiskCheck]:
        return [check for check in self.checks if not check.passed]

    def as_dict(self) -> dict:
        def plain(value):
            if isinstance(value, Decimal):
                return str(value)
            return value.isoformat() if hasattr(value, "isoformat") else value

        return {
            "passed": self.passed,
            "checks": [check.__dict__ for check in self.checks],
            "impact": {name: plain(getattr(self.impact, name)) for name in self.impact.__dataclass_fields__},
            "limits": {name: plain(value) for name, value in self.limits.items()},
        }


def reserve_price(spec: OrderSpec, last_price: Decimal | None) -> Decimal | None:
    """The price a buy is committed at (module docstring); for sells, the price proceeds are estimated at."""
    if spec.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        return spec.limit_price
    if spec.side == OrderSide.SELL:
        return last_price
    base = last_price
    if spec.order_type == OrderType.STOP and spec.stop_price is not None:
        base = max(spec.stop_price, last_price or ZERO)
    if spec.order_type == OrderType.TRAILING_STOP and last_price is not None:
        base = last_price + spec.trail_price if spec.trail_price else last_price * (1 + spec.trail_percent / HUNDRED)
    if base is None:
        return None
    buffer = _setting_decimal("TRADING_MARKET_BUY_BUFFER_PERCENT", "2")
    return (base * (1 + buffer / HUNDRED)).quantize(PRICE_QUANTUM, ROUND_HALF_UP)


def evaluate_order(
    *,
    account: Account,
    instrument,
    spec: OrderSpec,
    replacing: Order | None = None,
    extra_buying_power: Decimal = ZERO,
    extra_position: Decimal = ZERO,
) -> RiskReport:
    """Every pre-trade check of ``spec`` for ``account``, and its impact; writes nothing.

    ``replacing`` is the open order a replace would supersede: its commitment counts as the larger
    of old and new. ``extra_buying_power`` adds cash expected from sells placed together (a rebalance).
    """
    firm_id = account.client.household.firm_id
    today = timezone.localdate()
    limits, kill_state, restriction = controls(account, firm_id, instrument, today)
    positions, closes = holdings(account, instrument.pk)
    last_date, last_price = closes.get(instrument.pk, (None, None))
    exclude = replacing.pk if replacing is not None else None
    buy_commitments, open_sells = open_order_totals(account, instrument.pk, exclude_pk=exclude)
    held = positions.get(instrument.pk, ZERO)
    cash = account.cash
    buying_power = cash - buy_commitments + extra_buying_power

    reserve = reserve_price(spec, last_price)
    # The expected execution price (limit price, else the last price); buys commit at ``reserve``.
    price = spec.limit_price or last_price
    if spec.qty is not None:
        qty = spec.qty
        notional = (qty * price).quantize(CENT, ROUND_HALF_UP) if price else None
    else:
        notional = spec.notional
        qty = (notional / price).quantize(Decimal("0.00000001")) if price else None
    new_commitment = (
        commitment({"side": spec.side, "notional": spec.notional, "qty": spec.qty, "reserve_price": reserve})
        if spec.side == OrderSide.BUY
        else ZERO
    )
    if replacing is not None:
        new_commitment = max(new_commitment, commitment(replacing))
    values = {pk: quantity * closes[pk][1] for pk, quantity in positions.items() if pk in closes}
    total_value = cash + sum(values.values(), ZERO)
    signed = qty if spec.side == OrderSide.BUY else -(qty or ZERO)
    position_after = held + signed if qty is not None else None
    cash_after = None
    if notional is not None:
        cash_after = cash - notional if spec.side == OrderSide.BUY else cash + notional
    value_after = position_after * last_price if position_after is not None and last_price else None
    impact = Impact(
        last_price=last_price,
        last_price_date=last_date,
        estimated_price=price,
        estimated_qty=qty,
        estimated_notional=notional,
        reserve_price=reserve,
        cash=cash,
        buying_power=buying_power,
        cash_after=cash_after,
        buying_power_after=buying_power - new_commitment if spec.side == OrderSide.BUY else buying_power,
        position_before=held,
        position_after=position_after,
        total_value=total_value,
        weight_before=(values.get(instrument.pk, ZERO) / total_value) if total_value > 0 else None,
        weight_after=(value_after / total_value) if value_after is not None and total_value > 0 else None,
    )
    checks = [
        _kill_switch_check(kill_state, spec, qty, held - open_sells),
        _restricted_check(restriction, instrument, spec),
        _last_price_check(instrument, last_price),
    ]
    if spec.side == OrderSide.BUY:
        checks.append(_buying_power_check(buying_power, new_commitment))
    else:
        checks.append(_position_check(held + extra_position - open_sells, qty, instrument))
    checks += [
        _max_notional_check(notional, limits["max_order_notional"]),
        _price_band_check(spec, last_price, limits["price_band_percent"]),
        _max_position_check(value_after, limits["max_position_notional"], spec),
        _concentration_check(impact.weight_after, limits["max_concentration_percent"], spec),
    ]
    return RiskReport(checks=tuple(checks), impact=impact, limits=limits)


def _ok(name: str, message: str) -> RiskCheck:
    return RiskCheck(name=name, passed=True, code="ok", message=message)


def _kill_switch_check(kill_state: tuple[str, str], spec, qty, available) -> RiskCheck:
    state, reason = kill_state
    if state == KillSwitchState.HALTED:
        return RiskCheck("kill_switch", False, "trading_halted", f"Trading is halted. {reason}".strip())
    if state == KillSwitchState.REDUCING:
        reduces = spec.side == OrderSide.SELL and qty is not None and qty <= available
        if not reduces:
            return RiskCheck(
                "kill_switch", False, "reducing_only", f"Only orders that reduce a position are allowed. {reason}"
            )
        return _ok("kill_switch", "Reducing only: this order reduces a position.")
    return _ok("kill_switch", "Trading is active.")


def _restricted_check(restriction: RestrictedInstrument | None, instrument, spec) -> RiskCheck:
    if restriction is not None and (
        restriction.restriction == RestrictedInstrument.NO_TRADING or spec.side == OrderSide.BUY
    ):
        message = f"{instrument.symbol} is on the restricted list ({restriction.get_restriction_display().lower()}): "
        return RiskCheck("restricted_list", False, "restricted_instrument", message + restriction.reason, "instrument")
    return _ok("restricted_list", f"{instrument.symbol} is not restricted.")


def _last_price_check(instrument, last_price) -> RiskCheck:
    if last_price is None:
        message = f"There is no price for {instrument.symbol}; the risk checks need one."
        return RiskCheck("last_price", False, "no_last_price", message, "instrument")
    return _ok("last_price", f"Last price {last_price.normalize():f}.")


def _buying_power_check(buying_power: Decimal, needed: Decimal) -> RiskCheck:
    if needed > buying_power:
        message = f"This needs {needed:,.2f}; buying power is {buying_power:,.2f}."
        return RiskCheck("buying_power", False, "insufficient_buying_power", message, "qty")
    return _ok("buying_power", f"Uses {needed:,.2f} of {buying_power:,.2f} buying power.")


def _position_check(available: Decimal, qty, instrument) -> RiskCheck:
    if qty is None or qty > available:
        message = f"Only {available.normalize():f} shares of {instrument.symbol} are available to sell."
        return RiskCheck("position", False, "insufficient_position", message, "qty")
    return _ok("position", f"{available.normalize():f} shares available to sell.")


def _max_notional_check(notional, limit) -> RiskCheck:
    if limit is not None and notional is not None and notional > limit:
        message = f"The order is worth about {notional:,.2f}; the limit is {limit:,.2f}."
        return RiskCheck("max_order_notional", False, "max_order_notional", message, "qty")
    return _ok("max_order_notional", "Within the order size limit." if limit is not None else "No order size limit.")


def _price_band_check(spec: OrderSpec, last_price, band) -> RiskCheck:
    if band is None or last_price is None:
        return _ok("price_band", "No price band.")
    for name in ("limit_price", "stop_price"):
        price = getattr(spec, name)
        if price is not None and abs(price / last_price - 1) * HUNDRED > band:
            message = (
                f"{price.normalize():f} is more than {band.normalize():f}% "
                f"from the last price {last_price.normalize():f}."
            )
            return RiskCheck("price_band", False, "price_band", message, name)
    return _ok("price_band", f"Within {band.normalize():f}% of the last price.")


def _max_position_check(value_after, limit, spec) -> RiskCheck:
    if limit is not None and spec.side == OrderSide.BUY and value_after is not None and value_after > limit:
        message = f"The position would be worth about {value_after:,.2f}; the limit is {limit:,.2f}."
        return RiskCheck("max_position", False, "max_position", message, "qty")
    return _ok("max_position", "Within the position limit." if limit is not None else "No position limit.")


def _concentration_check(weight_after, limit, spec) -> RiskCheck:
    if limit is not None and spec.side == OrderSide.BUY and weight_after is not None and weight_after * HUNDRED > limit:
        weight = weight_after * HUNDRED
        message = f"The instrument would be {weight:.1f}% of the account; the limit is {limit.normalize():f}%."
        return RiskCheck("concentration", False, "concentration", message, "qty")
    return _ok("concentration", "Within the concentration limit." if limit is not None else "No concentration limit.")

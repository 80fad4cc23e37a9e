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
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from compliance.models import RestrictedInstrument
from marketdata.selectors import latest_closes
from portfolios.models import Account, Position

from .choices import KillSwitchState, OrderSide, OrderType
from .models import OPEN_STATUSES, KillSwitch, Order, RiskLimit
from .order_rules import OrderSpec

ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")
PRICE_QUANTUM = Decimal("0.000001")

DEFAULT_LIMITS = {
    "max_order_notional": Decimal("1000000"),
    "price_band_percent": Decimal("10"),
    "max_position_notional": None,
    "max_concentration_percent": None,
}
_STRICTNESS = {KillSwitchState.ACTIVE: 0, KillSwitchState.REDUCING: 1, KillSwitchState.HALTED: 2}


def _setting_decimal(name: str, default: str) -> Decimal:
    return Decimal(str(getattr(settings, name, default)))


def default_limits() -> dict:
    configured = getattr(settings, "TRADING_RISK_DEFAULTS", {}) or {}
    return {
        name: (Decimal(str(configured[name])) if configured.get(name) is not None else None)
        if name in configured
        else value
        for name, value in DEFAULT_LIMITS.items()
    }


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


def commitment(order: Order | dict) -> Decimal:
    """The cash an open buy still holds back (zero for sells)."""
    get = order.get if isinstance(order, dict) else lambda name: getattr(order, name)
    if get("side") != OrderSide.BUY:
        return ZERO
    filled_qty = get("filled_qty") or ZERO
    if get("notional") is not None:
        spent = filled_qty * (get("filled_avg_price") or ZERO)
        return max(get("notional") - spent, ZERO)
    remaining = max(get("qty") - filled_qty, ZERO)
    return (remaining * (get("reserve_price") or ZERO)).quantize(CENT, ROUND_HALF_UP)


def _open_sell_qty(order: dict) -> Decimal:
    if order["side"] != OrderSide.SELL or order["qty"] is None:
        return ZERO
    return max(order["qty"] - (order["filled_qty"] or ZERO), ZERO)


def _grouped(orders: list[dict], amount, *, exclude_pk=None) -> Decimal:
    """Sum ``amount`` over open orders, counting an order and its pending replacement once (the larger)."""
    by_pk = {order["pk"]: order for order in orders}
    groups: dict[int, Decimal] = {}
    for order in orders:
        root = order["pk"]
        while by_pk.get(root, {}).get("replaces_id") in by_pk:
            root = by_pk[root]["replaces_id"]
        if exclude_pk is not None and exclude_pk in (order["pk"], root):
            continue
        groups[root] = max(groups.get(root, ZERO), amount(order))
    return sum(groups.values(), ZERO)


_OPEN_ROW_FIELDS = (
    "pk",
    "side",
    "qty",
    "notional",
    "filled_qty",
    "filled_avg_price",
    "reserve_price",
    "replaces_id",
    "instrument_id",
)


_PG_OPEN_TOTALS = """
WITH flagged AS (
    SELECT o.id, o.side, o.qty, o.notional, o.filled_qty, o.filled_avg_price, o.reserve_price, o.instrument_id, (
        EXISTS (SELECT 1 FROM {table} p WHERE p.id = o.replaces_id AND p.status = ANY(%(statuses)s))
        OR EXISTS (SELECT 1 FROM {table} r WHERE r.replaces_id = o.id AND r.status = ANY(%(statuses)s))
    ) AS chained
    FROM {table} o
    WHERE o.account_id = %(account)s AND o.status = ANY(%(statuses)s)
)
SELECT
    COALESCE(SUM(
        CASE WHEN notional IS NOT NULL
            THEN GREATEST(notional - filled_qty * COALESCE(filled_avg_price, 0), 0)
            ELSE ROUND(GREATEST(qty - filled_qty, 0) * COALESCE(reserve_price, 0), 2)
        END
    ) FILTER (WHERE side = %(buy)s AND NOT chained AND id IS DISTINCT FROM %(exclude)s), 0),
    COALESCE(SUM(GREATEST(qty - filled_qty, 0)) FILTER (
        WHERE side = %(sell)s AND qty IS NOT NULL AND instrument_id = %(instrument)s
        AND NOT chained AND id IS DISTINCT FROM %(exclude)s
    ), 0),
    COUNT(*) FILTER (WHERE chained)
FROM flagged
"""


def open_order_totals(account: Account, instrument_id: int, *, exclude_pk=None) -> tuple[Decimal, Decimal]:
    """The account's open buy commitments (``commitment``, summed) and its open sell shares of
    ``instrument_id``, an order and its pending replacement counting once (the larger), ``exclude_pk``'s
    group left out (the order a replace supersedes).

    On PostgreSQL one query sums them in the database, whatever the number of open orders, with the
    arithmetic of ``commitment`` (a qty buy's remainder at its reserve price rounded half up to the
    cent — ROUND of a non-negative numeric —, a notional buy's notional less what filled). Orders in a
    replace chain (only while a replace is pending) are left out of the sums and read back as rows for
    ``_grouped`` (a second query, only then). Elsewhere every open order is read and grouped in Python.
    """
    open_orders = Order.objects.filter(account=account, status__in=OPEN_STATUSES)
    if connection.vendor != "postgresql":
        return _open_totals_of(list(open_orders.values(*_OPEN_ROW_FIELDS)), instrument_id, exclude_pk)
    params = {
        "account": account.pk,
        "statuses": sorted(OPEN_STATUSES),
        "buy": OrderSide.BUY,
        "sell": OrderSide.SELL,
        "instrument": instrument_id,
        "exclude": exclude_pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(_PG_OPEN_TOTALS.format(table=connection.ops.quote_name(Order._meta.db_table)), params)
        buys, sells, chained = cursor.fetchone()
    if chained:
        chain = Exists(Order.objects.filter(pk=OuterRef("replaces_id"), status__in=OPEN_STATUSES)) | Exists(
            Order.objects.filter(replaces=OuterRef("pk"), status__in=OPEN_STATUSES)
        )
        more_buys, more_sells = _open_totals_of(
            list(open_orders.filter(chain).values(*_OPEN_ROW_FIELDS)), instrument_id, exclude_pk
        )
        buys, sells = buys + more_buys, sells + more_sells
    return buys, sells


def _open_totals_of(rows: list[dict], instrument_id: int, exclude_pk) -> tuple[Decimal, Decimal]:
    same = [row for row in rows if row["instrument_id"] == instrument_id]
    return _grouped(rows, commitment, exclude_pk=exclude_pk), _grouped(same, _open_sell_qty, exclude_pk=exclude_pk)


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


def _limits(account: Account, firm_id: int) -> dict:
    rows = RiskLimit.objects.filter(Q(account=account) | Q(firm_id=firm_id, account__isnull=True))
    return _limits_of(account, rows)


def _limits_of(account: Account, limit_rows) -> dict:
    """The defaults, overridden by the firm's row, overridden by the account's row."""
    limits = default_limits()
    rows = {row.account_id: row for row in limit_rows}
    for row in (rows.get(None), rows.get(account.pk)):
        if row is None:
            continue
        for name in DEFAULT_LIMITS:
            if getattr(row, name) is not None:
                limits[name] = getattr(row, name)
    return limits


def kill_switch_state(account: Account, firm_id: int) -> tuple[str, str]:
    """The state in force for ``account`` (the stricter of firm's and account's) and its reason."""
    return _kill_state_of(KillSwitch.objects.filter(Q(account=account) | Q(firm_id=firm_id, account__isnull=True)))


def _kill_state_of(switch_rows) -> tuple[str, str]:
    state, reason = KillSwitchState.ACTIVE, ""
    for row in switch_rows:
        if _STRICTNESS[row.state] > _STRICTNESS[state]:
            scope = "account" if row.account_id else "firm"
            state, reason = (
                row.state,
                f"The {scope} is {row.get_state_display().lower()}" + (f": {row.reason}" if row.reason else "."),
            )
    return state, reason


def _restriction(firm_id: int, instrument, today: dt.date) -> RestrictedInstrument | None:
    return (
        RestrictedInstrument.objects.filter(firm_id=firm_id, instrument=instrument, since__lte=today)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .first()
    )


_LIMIT_COLUMNS = tuple(DEFAULT_LIMITS)

_PG_CONTROLS = """
SELECT 'k', ks.account_id, ks.state, ks.reason, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric
FROM {kill} ks
WHERE ks.account_id = %(account)s OR (ks.firm_id = %(firm)s AND ks.account_id IS NULL)
UNION ALL
SELECT 'l', rl.account_id, NULL, NULL, {limit_columns}
FROM {limit} rl
WHERE rl.account_id = %(account)s OR (rl.firm_id = %(firm)s AND rl.account_id IS NULL)
UNION ALL
(SELECT 'r', NULL, ri.restriction, ri.reason, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric
 FROM {restricted} ri
 WHERE ri.firm_id = %(firm)s AND ri.instrument_id = %(instrument)s AND ri.since <= %(today)s
   AND (ri.until IS NULL OR ri.until >= %(today)s)
 ORDER BY ri.id LIMIT 1)
"""


def _controls(account: Account, firm_id: int, instrument, today: dt.date):
    """The risk limits in force, the kill-switch state (and reason) and the restriction of ``instrument``.

    On PostgreSQL one round trip reads the account's and firm's kill switches and risk limits and the
    firm's restriction of the instrument (a UNION ALL of the three reads), under the account's row lock
    like the rest of the checks; elsewhere three queries.
    """
    if connection.vendor != "postgresql":
        return (
            _limits(account, firm_id),
            kill_switch_state(account, firm_id),
            _restriction(firm_id, instrument, today),
        )
    quote = connection.ops.quote_name
    sql = _PG_CONTROLS.format(
        kill=quote(KillSwitch._meta.db_table),
        limit=quote(RiskLimit._meta.db_table),
        restricted=quote(RestrictedInstrument._meta.db_table),
        limit_columns=", ".join(f"rl.{quote(name)}" for name in _LIMIT_COLUMNS),
    )
    params = {"account": account.pk, "firm": firm_id, "instrument": instrument.pk, "today": today}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    switches, limit_rows, restriction = [], [], None
    for kind, account_id, state, reason, *limit_values in rows:
        if kind == "k":
            switches.append(KillSwitch(account_id=account_id, firm_id=firm_id, state=state, reason=reason))
        elif kind == "l":
            values = dict(zip(_LIMIT_COLUMNS, limit_values, strict=True))
            limit_rows.append(RiskLimit(account_id=account_id, firm_id=firm_id, **values))
        else:
            restriction = RestrictedInstrument(firm_id=firm_id, instrument=instrument, restriction=state, reason=reason)
    return _limits_of(account, limit_rows), _kill_state_of(switches), restriction


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
    limits, kill_state, restriction = _controls(account, firm_id, instrument, today)
    positions = {p.instrument_id: p.quantity for p in Position.objects.filter(account=account)}
    closes = latest_closes({*positions, instrument.pk})
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

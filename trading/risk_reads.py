"""What the pre-trade checks (``trading.risk``) read, in as few round trips as the database allows.

On PostgreSQL each read is one statement: the kill switches, risk limits and restriction in force
(``controls``), the positions with the latest close of each and of the order's instrument
(``holdings``), and the open orders' buy commitments and sell shares summed in the database
(``open_order_totals``). Elsewhere (SQLite, the embedded default) the same answers come from plain
ORM reads, and the tests check both paths agree.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from compliance.models import RestrictedInstrument
from marketdata.models import DailyBar
from marketdata.selectors import latest_closes
from portfolios.models import Account, Position

from .choices import KillSwitchState, OrderSide
from .models import OPEN_STATUSES, KillSwitch, Order, RiskLimit

ZERO = Decimal("0")
CENT = Decimal("0.01")

DEFAULT_LIMITS = {
    "max_order_notional": Decimal("1000000"),
    "price_band_percent": Decimal("10"),
    "max_position_notional": None,
    "max_concentration_percent": None,
}
_STRICTNESS = {KillSwitchState.ACTIVE: 0, KillSwitchState.REDUCING: 1, KillSwitchState.HALTED: 2}


def default_limits() -> dict:
    configured = getattr(settings, "TRADING_RISK_DEFAULTS", {}) or {}
    return {
        name: (Decimal(str(configured[name])) if configured.get(name) is not None else None)
        if name in configured
        else value
        for name, value in DEFAULT_LIMITS.items()
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
WITH flagged AS MATERIALIZED (
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


def controls(account: Account, firm_id: int, instrument, today: dt.date):
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


_PG_HOLDINGS = """
SELECT ids.id, ids.quantity, bar.date, bar.close
FROM (
    SELECT instrument_id, quantity FROM {position} WHERE account_id = %(account)s
    UNION ALL
    SELECT %(instrument)s::bigint, NULL::numeric
) AS ids(id, quantity)
LEFT JOIN LATERAL (
    SELECT date, close FROM {bar} WHERE instrument_id = ids.id ORDER BY date DESC LIMIT 1
) AS bar ON TRUE
"""


def holdings(account: Account, instrument_id: int) -> tuple[dict, dict]:
    """The account's positions (instrument id → quantity) and the latest close, ``(date, close)``, of
    each and of ``instrument_id`` (an instrument without any close is absent). One query on PostgreSQL."""
    if connection.vendor != "postgresql":
        positions = dict(Position.objects.filter(account=account).values_list("instrument_id", "quantity"))
        return positions, latest_closes({*positions, instrument_id})
    quote = connection.ops.quote_name
    sql = _PG_HOLDINGS.format(position=quote(Position._meta.db_table), bar=quote(DailyBar._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, {"account": account.pk, "instrument": instrument_id})
        rows = cursor.fetchall()
    positions = {pk: quantity for pk, quantity, _, _ in rows if quantity is not None}
    closes = {pk: (day, close) for pk, _, day, close in rows if close is not None}
    return positions, closes

"""Order statistics: fill rate, slippage against the arrival price, submit→accept and submit→fill
latency (p50/p95), rejection reasons — overall and by account, advisor and day.

Computed in the database, one grouped query per breakdown (constant query count whatever the number
of orders), over the orders the user may see that were entered in ``[date_from, date_to]``.

Definitions:
- fill rate = filled orders / finished orders (filled, canceled, expired, rejected). A replaced order
  is not counted: it lives on in its replacement.
- slippage (bps) = (average fill - arrival) / arrival * 10,000 for buys, the opposite sign for sells,
  so a positive figure is a cost; averaged over orders with a fill and an arrival price.
- submit→accept = accepted - entered; submit→fill = filled (completely) - entered; percentiles by
  PostgreSQL's ``percentile_cont``.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Aggregate, Avg, Case, Count, DurationField, F, FloatField, Q, Sum, When
from django.db.models.functions import Cast, TruncDate

from .choices import OrderSide, OrderStatus
from .selectors import orders_visible_to

FINISHED = (OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.REJECTED)
ADVISOR = "account__client__household__advisor"


class Percentile(Aggregate):
    """``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)`` (PostgreSQL; NULLs ignored).

    SQLite (the embedded default) has no ordered-set aggregates: there it calls ``percentile_cont(value,
    fraction)``, the same linear interpolation registered on each connection by ``register_sqlite_percentile``.
    """

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be within [0, 1]")
        super().__init__(expression, fraction=f"{float(fraction):.4f}", output_field=DurationField(), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        clone = self.copy()
        clone.template = "%(function)s(%(expressions)s, %(fraction)s)"
        return clone.as_sql(compiler, connection, **extra_context)


class _PercentileCont:
    """PostgreSQL's ``percentile_cont`` as a SQLite aggregate: linear interpolation between closest ranks."""

    def __init__(self):
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value, fraction):
        if value is not None:
            self.values.append(value)
            self.fraction = fraction

    def finalize(self):
        if not self.values:
            return None
        ordered = sorted(self.values)
        rank = (len(ordered) - 1) * self.fraction
        low = int(rank)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def register_sqlite_percentile(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("PERCENTILE_CONT", 2, _PercentileCont)


def _slippage_bps():
    arrival = Cast("arrival_price", FloatField())
    fill = Cast("filled_avg_price", FloatField())
    signed = Case(
        When(side=OrderSide.BUY, then=(fill - arrival) / arrival * 10000.0),
        default=(arrival - fill) / arrival * 10000.0,
        output_field=FloatField(),
    )
    return Avg(signed, filter=Q(filled_avg_price__isnull=False, arrival_price__gt=0, filled_qty__gt=0))


def _measures() -> dict:
    accept = F("accepted_at") - F("created_at")
    fill = F("filled_at") - F("created_at")
    return {
        "orders": Count("id"),
        "finished": Count("id", filter=Q(status__in=FINISHED)),
        "filled": Count("id", filter=Q(status=OrderStatus.FILLED)),
        "rejected": Count("id", filter=Q(status=OrderStatus.REJECTED)),
        "filled_notional": Sum(F("filled_qty") * F("filled_avg_price"), filter=Q(filled_qty__gt=0)),
        "slippage_bps": _slippage_bps(),
        "accept_p50": Percentile(accept, 0.5),
        "accept_p95": Percentile(accept, 0.95),
        "fill_p50": Percentile(fill, 0.5, filter=Q(status=OrderStatus.FILLED)),
        "fill_p95": Percentile(fill, 0.95, filter=Q(status=OrderStatus.FILLED)),
    }


def _ms(value: dt.timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() * 1000, 1)


@dataclass(frozen=True)
class Row:
    key: object
    label: str
    orders: int
    finished: int
    filled: int
    rejected: int
    fill_rate: float | None  # percent
    filled_notional: Decimal
    slippage_bps: float | None
    accept_p50_ms: float | None
    accept_p95_ms: float | None
    fill_p50_ms: float | None
    fill_p95_ms: float | None

    def as_dict(self) -> dict:
        data = dict(self.__dict__)
        data["key"] = self.key.isoformat() if hasattr(self.key, "isoformat") else self.key
        data["filled_notional"] = str(self.filled_notional)
        return data


def _row(key, label: str, values: dict) -> Row:
    finished = values["finished"]
    slippage = values["slippage_bps"]
    return Row(
        key=key,
        label=label,
        orders=values["orders"],
        finished=finished,
        filled=values["filled"],
        rejected=values["rejected"],
        fill_rate=round(100 * values["filled"] / finished, 2) if finished else None,
        filled_notional=(values["filled_notional"] or Decimal("0")).quantize(Decimal("0.01")),
        slippage_bps=None if slippage is None else round(slippage, 2),
        accept_p50_ms=_ms(values["accept_p50"]),
        accept_p95_ms=_ms(values["accept_p95"]),
        fill_p50_ms=_ms(values["fill_p50"]),
        fill_p95_ms=_ms(values["fill_p95"]),
    )


def _person(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username or "—"


@dataclass(frozen=True)
class OrderStatistics:
    date_from: dt.date | None
    date_to: dt.date | None
    total: Row
    by_account: list[Row]
    by_advisor: list[Row]
    by_day: list[Row]
    rejection_reasons: list[dict]

    def as_dict(self) -> dict:
        return {
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "total": self.total.as_dict(),
            "by_account": [row.as_dict() for row in self.by_account],
            "by_advisor": [row.as_dict() for row in self.by_advisor],
            "by_day": [row.as_dict() for row in self.by_day],
            "rejection_reasons": self.rejection_reasons,
        }


def order_statistics(user, *, date_from: dt.date | None = None, date_to: dt.date | None = None) -> OrderStatistics:
    """Five queries whatever the number of orders."""
    orders = orders_visible_to(user)
    if date_from:
        orders = orders.filter(created_at__date__gte=date_from)
    if date_to:
        orders = orders.filter(created_at__date__lte=date_to)
    measures = _measures()
    total = _row("all", "All orders", orders.aggregate(**measures))
    by_account = [
        _row(values["account_id"], values["account__name"], values)
        for values in orders.values("account_id", "account__name")
        .annotate(**measures)
        .order_by("account__name", "account_id")
    ]
    advisor_fields = (f"{ADVISOR}_id", f"{ADVISOR}__first_name", f"{ADVISOR}__last_name", f"{ADVISOR}__username")
    by_advisor = [
        _row(values[advisor_fields[0]], _person(*(values[name] or "" for name in advisor_fields[1:])), values)
        for values in orders.values(*advisor_fields).annotate(**measures).order_by(*advisor_fields[2:0:-1])
    ]
    by_day = [
        _row(values["day"], values["day"].isoformat(), values)
        for values in orders.annotate(day=TruncDate("created_at")).values("day").annotate(**measures).order_by("day")
    ]
    reasons = (
        orders.filter(status=OrderStatus.REJECTED)
        .values("reject_reason", "last_error_code")
        .annotate(count=Count("id"))
        .order_by("-count", "reject_reason")
    )
    rejection_reasons = [
        {
            "reason": row["reject_reason"] or "(no reason given)",
            "code": row["last_error_code"],
            "count": row["count"],
        }
        for row in reasons
    ]
    return OrderStatistics(date_from, date_to, total, by_account, by_advisor, by_day, rejection_reasons)

"""Reads of instruments and prices. Prices are public data: every signed-in user may read them."""

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.db.models import CharField, FloatField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast

from .models import DailyBar, Instrument, ProviderStatus

# Columns of price_rows, in order.
PRICE_COLUMNS = ("date", "open", "high", "low", "close", "adj_close", "volume")


def instruments_visible_to(user) -> QuerySet[Instrument]:
    if not user.is_authenticated or not user.is_active:
        return Instrument.objects.none()
    return Instrument.objects.all()


# One index probe per instrument returning date and close together; the ORM's two correlated
# subqueries probe twice and cost about eight times as much for 500 instruments.
_PG_LATEST_CLOSES = """
SELECT ids.id, bar.date, bar.close
FROM unnest(%s::bigint[]) AS ids(id)
CROSS JOIN LATERAL (
    SELECT date, close FROM marketdata_dailybar
    WHERE instrument_id = ids.id AND date <= %s
    ORDER BY date DESC LIMIT 1
) AS bar
"""


def latest_closes(instrument_ids: Iterable[int], *, as_of: dt.date | None = None) -> dict[int, tuple[dt.date, Decimal]]:
    """The last as-traded close on or before ``as_of`` (any date if omitted) per instrument, in one query."""
    ids = list(set(instrument_ids))
    if not ids:
        return {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_PG_LATEST_CLOSES, [ids, as_of or dt.date.max])
            return {pk: (day, close) for pk, day, close in cursor.fetchall()}
    bars = DailyBar.objects.filter(instrument_id=OuterRef("pk"))
    if as_of is not None:
        bars = bars.filter(date__lte=as_of)
    last = bars.order_by("-date")
    rows = (
        Instrument.objects.filter(pk__in=ids)
        .annotate(last_date=Subquery(last.values("date")[:1]), last_close=Subquery(last.values("close")[:1]))
        .values_list("pk", "last_date", "last_close")
    )
    return {pk: (day, close) for pk, day, close in rows if close is not None}


def close_history(
    instrument_ids: Iterable[int], *, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet:
    """``(instrument_id, date, close)`` rows ordered by instrument then date, for bulk valuation."""
    bars = DailyBar.objects.filter(instrument_id__in=list(set(instrument_ids)))
    if start is not None:
        bars = bars.filter(date__gte=start)
    if end is not None:
        bars = bars.filter(date__lte=end)
    return bars.order_by("instrument_id", "date").values_list("instrument_id", "date", "close")


def price_rows(instrument_id: int, *, start: dt.date, end: dt.date) -> list[tuple]:
    """``[date, open, high, low, close, adj_close, volume]`` per session, oldest first, ready for JSON.

    Dates come back as ISO text and prices as floats (six decimals at most are stored) straight
    from the database: 8,000 rows serialise in a few milliseconds, where Decimal and date objects
    would each need a Python call in the JSON encoder.
    """
    floats = {name: Cast(name, FloatField()) for name in ("open", "high", "low", "close", "adj_close")}
    return list(
        DailyBar.objects.filter(instrument_id=instrument_id, date__gte=start, date__lte=end)
        .order_by("date")
        .annotate(day=Cast("date", CharField()), **{f"{name}_f": value for name, value in floats.items()})
        .values_list("day", "open_f", "high_f", "low_f", "close_f", "adj_close_f", "volume")
    )


# PostgreSQL writes the JSON rows itself: one string back instead of 8,000 rows each parsed into
# Python objects and encoded again (about half the time of a 30-year history). trim_scale drops the
# stored trailing zeros (125.674000 -> 125.674), so numbers read as they were published.
_PG_PRICE_ROWS_JSON = """
SELECT string_agg(
    concat('["', date, '",', coalesce(trim_scale(open)::text, 'null'), ',', coalesce(trim_scale(high)::text, 'null'),
           ',', coalesce(trim_scale(low)::text, 'null'), ',', trim_scale(close)::text, ',',
           trim_scale(adj_close)::text, ',', coalesce(volume::text, 'null'), ']'),
    ',' ORDER BY date)
FROM marketdata_dailybar WHERE instrument_id = %s AND date >= %s AND date <= %s
"""


def price_rows_json(instrument_id: int, *, start: dt.date, end: dt.date) -> str:
    """``price_rows`` as a JSON array, text ready to send."""
    if connection.vendor != "postgresql":
        return json.dumps(price_rows(instrument_id, start=start, end=end), separators=(",", ":"))
    with connection.cursor() as cursor:
        cursor.execute(_PG_PRICE_ROWS_JSON, [instrument_id, start, end])
        rows = cursor.fetchone()[0]
    return f"[{rows or ''}]"


def last_bar_date(instrument_id: int) -> dt.date | None:
    return DailyBar.objects.filter(instrument_id=instrument_id).order_by("-date").values_list("date", flat=True).first()


def provider_statuses() -> QuerySet[ProviderStatus]:
    """Every price provider's circuit breaker, for the operators' dashboard and admin."""
    return ProviderStatus.objects.order_by("name")

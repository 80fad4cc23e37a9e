"""Reads of instruments and prices. Prices are public data: every signed-in user may read them."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery

from .models import DailyBar, Instrument


def instruments_visible_to(user) -> QuerySet[Instrument]:
    if not user.is_authenticated or not user.is_active:
        return Instrument.objects.none()
    return Instrument.objects.all()


def latest_closes(instrument_ids: Iterable[int], *, as_of: dt.date | None = None) -> dict[int, tuple[dt.date, Decimal]]:
    """The last as-traded close on or before ``as_of`` (today if omitted) per instrument, in one query."""
    ids = list(set(instrument_ids))
    if not ids:
        return {}
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

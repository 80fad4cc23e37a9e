"""An account's materialised value history, for charts and the API.

Ranges count back from the account's last valued day, not from today: bundled historical data
ends years ago and a "1M" chart must still show a month.
"""

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import FloatField, QuerySet
from django.db.models.functions import Cast

from ..models import Account, AccountValue

RANGES = ("1M", "3M", "6M", "YTD", "1Y", "3Y", "5Y", "10Y", "MAX")
DEFAULT_RANGE = "1Y"
_MONTHS = {"1M": 1, "3M": 3, "6M": 6, "1Y": 12, "3Y": 36, "5Y": 60, "10Y": 120}


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    month = month_index + 1
    # The 31st of a month without one becomes the last day of that month.
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def range_start(range_key: str, last_day: dt.date) -> dt.date | None:
    """First day of ``range_key`` ending on ``last_day``; ``None`` for MAX (everything)."""
    if range_key == "MAX":
        return None
    if range_key == "YTD":
        return dt.date(last_day.year, 1, 1)
    return _months_before(last_day, _MONTHS[range_key])


def value_history(account: Account, *, start: dt.date | None = None, end: dt.date | None = None) -> QuerySet:
    """The account's daily values between ``start`` and ``end`` (inclusive), oldest first."""
    values = AccountValue.objects.filter(account=account)
    if start is not None:
        values = values.filter(date__gte=start)
    if end is not None:
        values = values.filter(date__lte=end)
    return values.order_by("date")


@dataclass(frozen=True)
class ValueSeries:
    range_key: str
    points: list[tuple[dt.date, float]]

    @property
    def first(self) -> float | None:
        return self.points[0][1] if self.points else None

    @property
    def last(self) -> float | None:
        return self.points[-1][1] if self.points else None


def value_series(account: Account, range_key: str = DEFAULT_RANGE) -> ValueSeries:
    """(date, total value) points of one range, as floats for drawing; two indexed queries."""
    if range_key not in RANGES:
        range_key = DEFAULT_RANGE
    last_day = AccountValue.objects.filter(account=account).order_by("-date").values_list("date", flat=True).first()
    if last_day is None:
        return ValueSeries(range_key, [])
    # Floats straight from the database: drawing needs no Decimal, and 2,500 conversions show.
    rows = value_history(account, start=range_start(range_key, last_day)).values_list(
        "date", Cast("total_value", FloatField())
    )
    return ValueSeries(range_key, list(rows))

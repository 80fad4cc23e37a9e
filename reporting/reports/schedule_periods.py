"""Which period a scheduled report covers, and when celery-beat runs it.

A schedule reports on the **last complete** month, quarter or year: the latest one whose last session
is on or before the subject's last valued day (values land after the close, so a quarter ending on
Friday the 30th is complete once that Friday is valued). An account opened inside that period is
measured from its first value. The beat entry runs at 06:00 (``TIME_ZONE``) on the 2nd day after each
period ends, leaving a day for the last valuation to land; the task itself is idempotent, so a
manual or repeated run produces nothing new.
"""

import calendar
import datetime as dt
from dataclasses import dataclass

from marketdata.calendar import session_on_or_before

from .choices import PERIOD_MONTHS, ReportFrequency

RUN_HOUR = 6
RUN_DAY_OF_MONTH = 2


@dataclass(frozen=True)
class ScheduledPeriod:
    start: dt.date  # first calendar day
    end: dt.date  # last calendar day
    label: str


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _label(frequency: str, start: dt.date) -> str:
    if frequency == ReportFrequency.MONTHLY:
        return f"{start:%B %Y}"
    if frequency == ReportFrequency.QUARTERLY:
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return f"Year {start.year}"


def period_containing(frequency: str, day: dt.date) -> ScheduledPeriod:
    months = PERIOD_MONTHS[frequency]
    first_month = ((day.month - 1) // months) * months + 1
    start = dt.date(day.year, first_month, 1)
    end = _month_end(day.year, first_month + months - 1)
    return ScheduledPeriod(start, end, _label(frequency, start))


def last_complete_period(frequency: str, last_valued: dt.date) -> ScheduledPeriod:
    """The latest period of ``frequency`` whose last session is on or before ``last_valued``."""
    period = period_containing(frequency, last_valued)
    if session_on_or_before(period.end) <= last_valued:
        return period
    return period_containing(frequency, period.start - dt.timedelta(days=1))


def crontab_fields(frequency: str) -> dict:
    """django-celery-beat CrontabSchedule fields for ``frequency`` (minute, hour, day, month)."""
    months = {
        ReportFrequency.MONTHLY: "*",
        ReportFrequency.QUARTERLY: "1,4,7,10",
        ReportFrequency.ANNUALLY: "1",
    }[frequency]
    return {
        "minute": "0",
        "hour": str(RUN_HOUR),
        "day_of_week": "*",
        "day_of_month": str(RUN_DAY_OF_MONTH),
        "month_of_year": months,
    }

"""The NYSE trading calendar (exchange_calendars' XNYS): sessions, holidays and early closes.

Never ``weekday() < 5``: Good Friday, Juneteenth and the rest are holidays too.
"""

import datetime as dt
from functools import lru_cache

import exchange_calendars
import pandas as pd

CALENDAR_NAME = "XNYS"
# The calendar is built once per process over a range covering every dataset we ship.
FIRST_SESSION = "1990-01-01"


@lru_cache(maxsize=1)
def _calendar():
    return exchange_calendars.get_calendar(CALENDAR_NAME, start=FIRST_SESSION)


def is_session(day: dt.date) -> bool:
    calendar = _calendar()
    timestamp = pd.Timestamp(day)
    if not calendar.first_session <= timestamp <= calendar.last_session:
        raise ValueError(f"{day} is outside the trading calendar ({calendar.first_session.date()} onwards).")
    return bool(calendar.is_session(timestamp))


def sessions_in_range(start: dt.date, end: dt.date) -> list[dt.date]:
    calendar = _calendar()
    start_ts = max(pd.Timestamp(start), calendar.first_session)
    end_ts = min(pd.Timestamp(end), calendar.last_session)
    if start_ts > end_ts:
        return []
    return [session.date() for session in calendar.sessions_in_range(start_ts, end_ts)]


def previous_session(day: dt.date) -> dt.date:
    """The last session strictly before ``day``."""
    calendar = _calendar()
    return calendar.date_to_session(pd.Timestamp(day) - pd.Timedelta(days=1), direction="previous").date()


def session_on_or_before(day: dt.date) -> dt.date:
    return _calendar().date_to_session(pd.Timestamp(day), direction="previous").date()


def session_on_or_after(day: dt.date) -> dt.date:
    return _calendar().date_to_session(pd.Timestamp(day), direction="next").date()


def within_calendar(day: dt.date) -> bool:
    calendar = _calendar()
    return calendar.first_session.date() <= day <= calendar.last_session.date()

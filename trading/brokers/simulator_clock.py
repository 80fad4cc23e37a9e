"""The simulator's trading calendar: which session an order first trades in, and session times.

XNYS from exchange_calendars, read once per process into sorted open/close times so the submit path
looks a session up by bisection (microseconds) instead of asking the calendar each time.
"""

import bisect
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import exchange_calendars

NEW_YORK = ZoneInfo("America/New_York")
FIRST_SESSION = "1990-01-01"


@dataclass(frozen=True)
class Session:
    day: dt.date
    opens: dt.datetime
    closes: dt.datetime


@dataclass(frozen=True)
class OrderSession:
    """``session`` the order first trades in; ``closes`` its close (a DAY order's end); ``expire_after``
    the next session's open, when a DAY order whose session brought no bar is expired."""

    session: Session
    expire_after: dt.datetime


@lru_cache(maxsize=1)
def _schedule() -> tuple[list[dt.date], list[dt.datetime], list[dt.datetime]]:
    calendar = exchange_calendars.get_calendar("XNYS", start=FIRST_SESSION)
    schedule = calendar.schedule
    days = [ts.date() for ts in schedule.index]
    opens = [ts.to_pydatetime() for ts in schedule["open"]]
    closes = [ts.to_pydatetime() for ts in schedule["close"]]
    return days, opens, closes


def session_on(day: dt.date) -> Session | None:
    days, opens, closes = _schedule()
    index = bisect.bisect_left(days, day)
    if index < len(days) and days[index] == day:
        return Session(day, opens[index], closes[index])
    return None


def _session_at(index: int) -> Session:
    days, opens, closes = _schedule()
    if index >= len(days):
        raise ValueError("the trading calendar ends before the next session.")
    return Session(days[index], opens[index], closes[index])


def order_session(time_in_force: str, now: dt.datetime) -> OrderSession:
    """OPG: the next session whose open is still ahead. Others: the session in progress, or the next one."""
    _, opens, closes = _schedule()
    index = bisect.bisect_right(opens, now) if time_in_force == "opg" else bisect.bisect_right(closes, now)
    session = _session_at(index)
    return OrderSession(session=session, expire_after=_session_at(index + 1).opens)


def last_complete_session_day(now: dt.datetime) -> dt.date:
    """The last session that has closed by ``now``: bars after it describe what has not happened yet."""
    _, _, closes = _schedule()
    index = bisect.bisect_right(closes, now) - 1
    if index < 0:
        raise ValueError("now is before the trading calendar starts.")
    return _session_at(index).day

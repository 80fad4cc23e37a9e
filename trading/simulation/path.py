"""A daily bar turned into the path the price is assumed to have taken through the session.

The documented intra-bar path: open → the extreme nearer the open → the other extreme → close, with
the price moving in straight lines between those four points, evenly spaced in time from the session's
open to its close. When the open is exactly as far from the high as from the low, the low comes first
(the conservative choice for buy orders' triggers and limits alike: it is the order most bars take,
and a test pins it). Points that repeat the previous price are dropped. A bar with only a close is a
one-point path at the close time. Between two points the price passes through every value in between,
so a limit or stop inside a segment is met exactly at its level (see ``matching``).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from .types import Bar, PathPoint

NEW_YORK = ZoneInfo("America/New_York")
REGULAR_OPEN = dt.time(9, 30)
REGULAR_CLOSE = dt.time(16, 0)


def session_times(bar: Bar) -> tuple[dt.datetime, dt.datetime]:
    opens = bar.open_at or dt.datetime.combine(bar.day, REGULAR_OPEN, tzinfo=NEW_YORK)
    closes = bar.close_at or dt.datetime.combine(bar.day, REGULAR_CLOSE, tzinfo=NEW_YORK)
    if closes <= opens:
        raise ValueError(f"bar {bar.day}: the session closes ({closes}) before it opens ({opens}).")
    return opens, closes


def bar_path(bar: Bar) -> list[PathPoint]:
    opens, closes = session_times(bar)
    if bar.open is None or bar.high is None or bar.low is None:
        return [PathPoint(bar.close, closes)]
    if not bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high:
        raise ValueError(f"bar {bar.day}: open and close must lie within low..high.")
    extremes = (bar.high, bar.low) if bar.high - bar.open < bar.open - bar.low else (bar.low, bar.high)
    prices = (bar.open, *extremes, bar.close)
    step = (closes - opens) / 3
    points: list[PathPoint] = []
    for index, price in enumerate(prices):
        at = closes if index == 3 else opens + step * index
        if points and points[-1].price == price:
            continue  # a flat stretch has nothing to cross
        points.append(PathPoint(price, at))
    return points


def open_point(bar: Bar) -> PathPoint:
    """The opening auction: the open (the close when the bar has no open)."""
    opens, closes = session_times(bar)
    return PathPoint(bar.open, opens) if bar.open is not None else PathPoint(bar.close, closes)


def close_point(bar: Bar) -> PathPoint:
    """The closing auction."""
    return PathPoint(bar.close, session_times(bar)[1])

"""Reporting periods (MTD, QTD, YTD, 1Y, 3Y, 5Y, since inception, custom) as dates on the XNYS calendar.

A period covers the close of its **base** session through the close of its **end** session: the
starting value is the close of the last session before the period's first calendar day (a year to
date starts from the last close of the previous year), so every day inside the period contributes
its return exactly once and adjacent periods chain.

Periods count back from the as-of day, which is the last valued day of the history (bundled
prices end years before today) unless an earlier ``end`` is asked for. A period starting before
the history's first value (its inception) is refused with ``period_before_inception`` rather than
shortened in silence; one whose first session *is* the inception day starts from that day's close,
because there is no earlier value to start from (the working says so).
"""

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import TextChoices

from marketdata.calendar import previous_session, session_on_or_before, sessions_in_range
from valuepartner.errors import DomainError


class PeriodKey(TextChoices):
    MTD = "MTD", "Month to date"
    QTD = "QTD", "Quarter to date"
    YTD = "YTD", "Year to date"
    ONE_YEAR = "1Y", "One year"
    THREE_YEARS = "3Y", "Three years"
    FIVE_YEARS = "5Y", "Five years"
    INCEPTION = "ITD", "Since inception"
    CUSTOM = "custom", "Custom range"


_TRAILING_YEARS = {PeriodKey.ONE_YEAR: 1, PeriodKey.THREE_YEARS: 3, PeriodKey.FIVE_YEARS: 5}


class PeriodError(DomainError):
    """A period that cannot be measured on this history (400, with the field to correct)."""


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: dt.date  # first calendar day the period covers
    end: dt.date  # last session, at whose close the ending value is read
    base: dt.date  # session at whose close the starting value is read
    notes: tuple[str, ...] = ()


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier; 29 February becomes the 28th in a common year."""
    year = day.year - years
    return dt.date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def period_start(key: str, as_of: dt.date, inception: dt.date) -> dt.date:
    """First calendar day of a standard period ending on ``as_of``.

    Trailing years start the day after the same date ``n`` years earlier, so 1Y to 2022-03-31 is
    measured from the close of 2021-03-31 (or the session before it).
    """
    if key == PeriodKey.MTD:
        return as_of.replace(day=1)
    if key == PeriodKey.QTD:
        return dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    if key == PeriodKey.YTD:
        return dt.date(as_of.year, 1, 1)
    if key in _TRAILING_YEARS:
        return years_before(as_of, _TRAILING_YEARS[key]) + dt.timedelta(days=1)
    if key == PeriodKey.INCEPTION:
        return inception
    raise ValueError(f"{key!r} has no standard start.")


def resolve_period(
    key: str,
    *,
    inception: dt.date,
    last_valued: dt.date,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Period:
    """The base and end sessions of ``key`` on a history valued from ``inception`` to ``last_valued``.

    ``end`` (any period) is the as-of day; it defaults to ``last_valued`` and is cut back to it
    (with a note) when later. ``start`` is required for, and only read by, ``custom``. Raises
    PeriodError: ``invalid`` (unknown key, missing or reversed dates), ``period_before_inception``
    and ``empty_period`` (no session after the base).
    """
    if key not in PeriodKey.values:
        raise PeriodError("invalid", f"Unknown period {key!r}.", fields={"period": ["Choose a listed period."]})
    label = PeriodKey(key).label
    notes: list[str] = []
    as_of = end or last_valued
    if as_of > last_valued:
        notes.append(f"Values run through {last_valued.isoformat()}; the period ends there.")
        as_of = last_valued
    if as_of < inception:
        raise PeriodError(
            "period_before_inception",
            f"The history starts on {inception.isoformat()}; the period ends before that.",
            fields={"end": [f"Choose a day on or after {inception.isoformat()}."]},
        )
    as_of = session_on_or_before(as_of)

    if key == PeriodKey.CUSTOM:
        if start is None:
            raise PeriodError("invalid", "A custom range needs a start.", fields={"start": ["This field is required."]})
        if start > as_of:
            raise PeriodError(
                "invalid", "The start is after the end.", fields={"start": ["Choose a day on or before the end."]}
            )
        first_day = start
    else:
        first_day = period_start(key, as_of, inception)

    base = previous_session(first_day)
    if base < inception:
        # No earlier close to start from: allowed only when nothing of the period precedes inception.
        if sessions_in_range(first_day, inception - dt.timedelta(days=1)):
            field = "start" if key == PeriodKey.CUSTOM else "period"
            raise PeriodError(
                "period_before_inception",
                f"{label} starts on {first_day.isoformat()}, before the first value on {inception.isoformat()}.",
                fields={field: [f"Choose since inception or a range starting on or after {inception.isoformat()}."]},
            )
        base = inception
        if key != PeriodKey.INCEPTION:
            notes.append(f"The first value is on {inception.isoformat()}; the period is measured from that close.")
    if base >= as_of:
        raise PeriodError(
            "empty_period",
            f"{label} holds no session after its starting value on {base.isoformat()}.",
            fields={"period": ["Choose a longer period."]},
        )
    return Period(key=key, label=label, start=first_day, end=as_of, base=base, notes=tuple(notes))

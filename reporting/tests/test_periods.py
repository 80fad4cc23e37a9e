"""Reporting periods resolved to base and end sessions on the real NYSE calendar."""

import datetime as dt

import pytest

from reporting.periods import PeriodError, resolve_period, years_before

LONG_AGO = dt.date(2015, 1, 2)
AS_OF = dt.date(2022, 3, 31)  # a Thursday


@pytest.mark.parametrize(
    ("key", "start", "base"),
    [
        ("MTD", dt.date(2022, 3, 1), dt.date(2022, 2, 28)),
        ("QTD", dt.date(2022, 1, 1), dt.date(2021, 12, 31)),
        ("YTD", dt.date(2022, 1, 1), dt.date(2021, 12, 31)),
        ("1Y", dt.date(2021, 4, 1), dt.date(2021, 3, 31)),
        # 31 March 2019 was a Sunday: the starting value is Friday's close.
        ("3Y", dt.date(2019, 4, 1), dt.date(2019, 3, 29)),
        ("5Y", dt.date(2017, 4, 1), dt.date(2017, 3, 31)),
        ("ITD", LONG_AGO, LONG_AGO),
    ],
)
def test_standard_periods_start_from_the_close_before_their_first_day(key, start, base):
    """Each standard period ends on the last valued day and starts from the last close before its first day."""
    period = resolve_period(key, inception=LONG_AGO, last_valued=AS_OF)

    assert (period.start, period.base, period.end) == (start, base, AS_OF)
    assert period.notes == ()


def test_custom_range_on_sessions():
    """A custom range from Monday to a Saturday: base is the Friday before, the end snaps back to Friday."""
    period = resolve_period(
        "custom", inception=LONG_AGO, last_valued=AS_OF, start=dt.date(2022, 1, 10), end=dt.date(2022, 1, 15)
    )

    assert (period.base, period.end) == (dt.date(2022, 1, 7), dt.date(2022, 1, 14))


def test_as_of_on_a_holiday_snaps_to_the_previous_session():
    """Good Friday 2023 is no session: a YTD as of that day ends on Thursday's close."""
    period = resolve_period("YTD", inception=LONG_AGO, last_valued=dt.date(2023, 6, 30), end=dt.date(2023, 4, 7))

    assert (period.base, period.end) == (dt.date(2022, 12, 30), dt.date(2023, 4, 6))


def test_end_after_the_history_is_cut_back_with_a_note():
    """Asking for an end after the last value measures to the last value and says so."""
    period = resolve_period("MTD", inception=LONG_AGO, last_valued=AS_OF, end=dt.date(2022, 5, 31))

    assert period.end == AS_OF
    assert period.notes == ("Values run through 2022-03-31; the period ends there.",)


def test_period_starting_on_the_inception_session_starts_from_its_close():
    """YTD 2022 for an account first valued on 3 January 2022 (the first session) is measured from that close."""
    inception = dt.date(2022, 1, 3)

    period = resolve_period("YTD", inception=inception, last_valued=AS_OF)

    assert period.base == inception
    assert "first value is on 2022-01-03" in period.notes[0]


@pytest.mark.parametrize(
    ("key", "inception", "field"),
    [
        ("MTD", dt.date(2022, 3, 2), "period"),
        ("3Y", dt.date(2021, 6, 1), "period"),
        ("5Y", dt.date(2019, 1, 2), "period"),
    ],
)
def test_period_before_inception_is_refused(key, inception, field):
    """A period with sessions before the first value is refused, not silently shortened."""
    with pytest.raises(PeriodError) as error:
        resolve_period(key, inception=inception, last_valued=AS_OF)

    assert error.value.code == "period_before_inception"
    assert field in error.value.fields


def test_custom_start_before_inception_names_the_start_field():
    """The error of a custom range points at its start."""
    with pytest.raises(PeriodError) as error:
        resolve_period("custom", inception=dt.date(2022, 1, 3), last_valued=AS_OF, start=dt.date(2021, 12, 1))

    assert error.value.code == "period_before_inception"
    assert list(error.value.fields) == ["start"]


def test_end_before_inception_is_refused():
    """An as-of day before the first value has nothing to measure."""
    with pytest.raises(PeriodError) as error:
        resolve_period("MTD", inception=dt.date(2022, 1, 3), last_valued=AS_OF, end=dt.date(2021, 12, 31))

    assert error.value.code == "period_before_inception"
    assert list(error.value.fields) == ["end"]


@pytest.mark.parametrize(
    ("key", "start", "field"),
    [("custom", None, "start"), ("custom", dt.date(2022, 4, 1), "start"), ("10Y", None, "period")],
)
def test_invalid_requests(key, start, field):
    """A custom range without a start or starting after its end, and an unknown period, are invalid."""
    with pytest.raises(PeriodError) as error:
        resolve_period(key, inception=LONG_AGO, last_valued=AS_OF, start=start)

    assert error.value.code == "invalid"
    assert field in error.value.fields


def test_since_inception_on_the_inception_day_is_empty():
    """On the first valued day there is no session after the starting value yet."""
    with pytest.raises(PeriodError) as error:
        resolve_period("ITD", inception=AS_OF, last_valued=AS_OF)

    assert error.value.code == "empty_period"


def test_trailing_year_from_a_leap_day():
    """29 February minus a year is 28 February; 1Y to 2024-02-29 starts from the close of 2023-02-28."""
    assert years_before(dt.date(2024, 2, 29), 1) == dt.date(2023, 2, 28)

    period = resolve_period("1Y", inception=LONG_AGO, last_valued=dt.date(2024, 2, 29))

    assert (period.start, period.base) == (dt.date(2023, 3, 1), dt.date(2023, 2, 28))

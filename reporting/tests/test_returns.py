"""The return measures on hand-computed histories, and their working."""

import datetime as dt

import numpy as np
import pytest
import pyxirr

from reporting.history import MovedEvent, ValueHistory, align_events, combine
from reporting.returns import ReturnsError, daily_returns, measure

# Real NYSE sessions: Monday 3 January 2022 onwards.
D = [dt.date(2022, 1, 3), dt.date(2022, 1, 4), dt.date(2022, 1, 5), dt.date(2022, 1, 6), dt.date(2022, 1, 7)]


def history(dates, values, flows=None, fees=None) -> ValueHistory:
    size = len(dates)
    return ValueHistory(
        np.array(dates, dtype="datetime64[D]"),
        np.array(values, dtype=float),
        np.array(flows if flows is not None else [0.0] * size, dtype=float),
        np.array(fees if fees is not None else [0.0] * size, dtype=float),
    )


def npv(cash_flows, rate) -> float:
    first = cash_flows[0][0]
    return sum(amount / (1 + rate) ** ((day - first).days / 365) for day, amount in cash_flows)


def test_no_flows_every_measure_is_the_growth_of_the_value():
    """Without flows TWR, Modified Dietz and simple return are all end / start - 1."""
    result = measure(history(D[:3], [100, 110, 121]), base=D[0], end=D[2])

    assert result.twr == pytest.approx(0.21, abs=1e-12)
    assert result.simple == pytest.approx(0.21, abs=1e-12)
    assert result.modified_dietz == pytest.approx(0.21, abs=1e-12)
    assert result.mwr_period == pytest.approx(0.21, abs=1e-9)
    assert [row.return_ for row in result.working.sub_periods] == [pytest.approx(0.21)]


def test_deposit_mid_period_twr_differs_from_simple_return():
    """A deposit at the close of day 1 (+10 % day, then -10 %): TWR -1 %, simple -11 %, Dietz -11/150."""
    # Base 100; day 1 the market gains 10 % (110) and 100 arrives at the close (210); day 2 it loses 10 %.
    result = measure(history(D[:3], [100, 210, 189], [0, 100, 0]), base=D[0], end=D[2])

    assert result.twr == pytest.approx(1.10 * 0.90 - 1, abs=1e-12)
    assert result.simple == pytest.approx((189 - 100 - 100) / 100, abs=1e-12)
    # Two calendar days, the flow one day in: weight (2 - 1) / 2.
    assert result.modified_dietz == pytest.approx(-11 / (100 + 0.5 * 100), abs=1e-12)
    assert result.net_flows == 100
    assert result.gain == pytest.approx(-11)
    assert [(row.start_value, row.flow, row.end_value) for row in result.working.sub_periods] == [
        (100, 100, 210),
        (210, 0, 189),
    ]
    assert [row.return_ for row in result.working.sub_periods] == [pytest.approx(0.10), pytest.approx(-0.10)]
    assert result.working.sub_periods[-1].cumulative_return == pytest.approx(result.twr)
    assert [(flow.date, flow.amount, flow.weight) for flow in result.working.dietz_flows] == [(D[1], 100, 0.5)]


def test_money_weighted_return_is_the_xirr_of_the_investors_cash_flows():
    """MWR: start value and deposits paid in, end value received; pyxirr agrees and the NPV is zero."""
    result = measure(history(D[:3], [100, 210, 189], [0, 100, 0]), base=D[0], end=D[2])

    cash_flows = [(D[0], -100.0), (D[1], -100.0), (D[2], 189.0)]
    assert result.working.xirr_cash_flows == cash_flows
    assert result.mwr_annualized == pytest.approx(pyxirr.xirr([d for d, _ in cash_flows], [a for _, a in cash_flows]))
    assert npv(cash_flows, result.mwr_annualized) == pytest.approx(0, abs=1e-7)
    assert result.mwr_period == pytest.approx((1 + result.mwr_annualized) ** (2 / 365) - 1)


def test_withdrawal_leaves_at_the_end_of_its_day():
    """A 500 withdrawal at the close of a +10 % day: r = (600 + 500) / 1000 - 1 = 10 %."""
    result = measure(history(D[:2], [1000, 600], [0, -500]), base=D[0], end=D[1])

    assert result.twr == pytest.approx(0.10, abs=1e-12)
    assert result.simple == pytest.approx(0.10, abs=1e-12)
    assert result.working.xirr_cash_flows == [(D[0], -1000.0), (D[1], 1100.0)]


def test_twr_ignores_the_size_of_flows_where_mwr_does_not():
    """Same market path (+10 %, -10 %), a small and a large deposit after day 1: TWR equal, MWR not."""
    small = measure(history(D[:3], [100, 120, 108], [0, 10, 0]), base=D[0], end=D[2])
    large = measure(history(D[:3], [100, 1110, 999], [0, 1000, 0]), base=D[0], end=D[2])

    assert small.twr == pytest.approx(large.twr, abs=1e-12)
    assert large.mwr_period < small.mwr_period


def test_net_and_gross_of_fees():
    """A 10 fee on day 1 (no market move), +5 % on day 2: net TWR 3.95 %, gross 5 % (fee added back)."""
    data = history(D[:3], [1000, 990, 1039.5], fees=[0, -10, 0])

    net = measure(data, base=D[0], end=D[2])
    gross = measure(data, base=D[0], end=D[2], gross=True)

    assert net.twr == pytest.approx(0.0395, abs=1e-12)
    assert gross.twr == pytest.approx(0.05, abs=1e-12)
    assert net.simple == pytest.approx(0.0395, abs=1e-12)
    assert gross.simple == pytest.approx(0.0495, abs=1e-12)
    assert net.gain == pytest.approx(39.5) and gross.gain == pytest.approx(49.5)
    assert net.fees == gross.fees == -10
    # Net: the fee is a loss inside one sub-period; gross: it ends a sub-period like a withdrawal.
    assert [(row.fees, row.return_) for row in net.working.sub_periods] == [(-10, pytest.approx(0.0395))]
    assert [(row.fees, row.return_) for row in gross.working.sub_periods] == [
        (-10, pytest.approx(0.0)),
        (0, pytest.approx(0.05)),
    ]
    assert gross.working.xirr_cash_flows == [(D[0], -1000.0), (D[1], 10.0), (D[2], 1039.5)]


def test_emptied_account_chains_over_days_without_invested_value():
    """Everything withdrawn, then re-deposited: the empty days count as 0 % and the working says so."""
    data = history(D, [1000, 0, 0, 500, 550], [0, -1100, 0, 500, 0])

    result = measure(data, base=D[0], end=D[4])

    assert result.twr == pytest.approx(1.1 * 1.1 - 1, abs=1e-12)
    assert result.simple == pytest.approx((550 - 1000 + 600) / 1000)
    assert any("2 session(s) started with no invested value" in note for note in result.working.notes)
    assert result.working.sub_periods[-1].cumulative_return == pytest.approx(result.twr)


def test_zero_starting_value_gives_no_number_rather_than_a_wrong_one():
    """From a zero base, simple and Dietz are None with a reason, and a gain the TWR cannot see is reported."""
    result = measure(history(D[:2], [0, 1005], [0, 1000]), base=D[0], end=D[1])

    assert result.twr == 0
    assert result.simple is None
    assert result.modified_dietz is None
    assert result.mwr_annualized is None and result.mwr_period is None
    notes = " ".join(result.working.notes)
    assert "5.00 gained on them is left out" in notes
    assert "starting value is zero" in notes
    assert "no internal rate of return" in notes


def test_bad_periods_are_refused_with_codes():
    """No history, a base before the first value and a period without a session after the base are errors."""
    data = history(D[1:3], [100, 101])

    with pytest.raises(ReturnsError) as empty:
        measure(ValueHistory.empty(), base=D[0], end=D[1])
    with pytest.raises(ReturnsError) as before:
        measure(data, base=D[0], end=D[2])
    with pytest.raises(ReturnsError) as no_days:
        measure(data, base=D[2], end=D[2])

    assert (empty.value.code, before.value.code, no_days.value.code) == (
        "no_history",
        "period_before_inception",
        "empty_period",
    )


def test_annualised_figures_only_for_a_year_or_more():
    """Over 2 years without flows annualised TWR equals the XIRR; under a year there is no annualised TWR."""
    start, end = dt.date(2020, 1, 2), dt.date(2022, 1, 3)
    long = measure(history([start, end], [100, 150]), base=start, end=end)
    short = measure(history(D[:2], [100, 101]), base=D[0], end=D[1])

    days = (end - start).days
    assert long.twr_annualized == pytest.approx(1.5 ** (365 / days) - 1, abs=1e-12)
    assert long.mwr_annualized == pytest.approx(long.twr_annualized, abs=1e-9)
    assert short.twr_annualized is None
    assert short.mwr_period == pytest.approx(0.01, abs=1e-9)


def test_sub_periods_chain_to_the_daily_twr_on_a_random_history():
    """On 500 random days with 40 flows and fees, sub-periods obey their formula and chain to the daily TWR."""
    rng = np.random.default_rng(7)
    dates = np.arange(np.datetime64("2015-01-02"), np.datetime64("2015-01-02") + 500)
    flows = np.where(rng.random(500) < 0.08, np.round(rng.normal(0, 2000, 500), 2), 0.0)
    flows[0] = 0
    fees = np.where(rng.random(500) < 0.05, -np.round(rng.uniform(1, 50, 500), 2), 0.0)
    fees[0] = 0
    values = np.empty(500)
    values[0] = 100_000
    for t in range(1, 500):
        values[t] = round(values[t - 1] * (1 + rng.normal(0.0003, 0.01)) + flows[t] + fees[t], 2)
    data = ValueHistory(dates, values, flows, fees)

    for gross in (False, True):
        result = measure(data, base=dates[0].astype(dt.date), end=dates[-1].astype(dt.date), gross=gross)
        loop = 1.0
        for t in range(1, 500):
            flow = flows[t] + (fees[t] if gross else 0.0)
            loop *= (values[t] - flow) / values[t - 1]
        rows = result.working.sub_periods

        assert result.twr == pytest.approx(loop - 1, rel=1e-12)
        assert np.prod([1 + row.return_ for row in rows]) - 1 == pytest.approx(result.twr, rel=1e-12)
        for row in rows:
            fee_flow = row.fees if gross else 0.0
            expected = (row.end_value - row.flow - fee_flow) / row.start_value - 1
            assert row.return_ == pytest.approx(expected, rel=1e-9, abs=1e-12)
        assert len(rows) == 1 + np.count_nonzero(flows + (fees if gross else 0))
        cash_flows = result.working.xirr_cash_flows
        assert npv(cash_flows, result.mwr_annualized) == pytest.approx(0, abs=1e-4)


def test_daily_returns_follow_the_end_of_day_convention():
    """r_t = (V_t - F_t) / V_(t-1) - 1, and 0 on a day that starts with nothing invested."""
    returns = daily_returns(np.array([100.0, 150.0, 0.0, 20.0]), np.array([40.0, -150.0, 20.0]))

    assert returns.tolist() == [pytest.approx(0.10), pytest.approx(0.0), 0.0]


def test_align_events_moves_a_weekend_flow_to_the_next_session():
    """A Saturday deposit counts on Monday and is listed as moved; one after the history is left out."""
    friday, saturday, monday = dt.date(2022, 1, 7), dt.date(2022, 1, 8), dt.date(2022, 1, 10)
    dates = np.array([friday, monday], dtype="datetime64[D]")

    totals, moved = align_events(
        dates,
        [(friday, "deposit", 100.0), (saturday, "deposit", 250.0), (dt.date(2022, 1, 11), "fee", -5.0)],
    )

    assert totals.tolist() == [100.0, 250.0]
    assert [(event.kind, event.dated, event.counted_on, event.amount) for event in moved] == [
        ("deposit", saturday, monday, 250.0)
    ]


def test_moved_flows_inside_the_period_reach_the_working():
    """The working lists moved flows counted inside the period, not those counted on the base day or after."""
    moved = [
        MovedEvent("deposit", dt.date(2022, 1, 1), D[0], 1.0),
        MovedEvent("deposit", dt.date(2022, 1, 2), D[1], 2.0),
        MovedEvent("withdrawal", dt.date(2022, 1, 9), dt.date(2022, 1, 10), -3.0),
    ]

    result = measure(history(D[:3], [100, 103, 104], [0, 2, 0]), base=D[0], end=D[2], moved=moved)

    assert [event.amount for event in result.working.moved] == [2.0]


def test_combine_sums_by_date_and_stops_at_the_common_end():
    """Two accounts opened and valued on different days: sums by date, zero before opening, cut at the shorter end."""
    first = history(D[:3], [100, 110, 120], [100, 0, 0])
    second = history(D[1:4], [50, 55, 60], [50, 0, 0], [0, -1, 0])

    combined, cut_on = combine([first, second])

    assert combined.dates.astype(dt.date).tolist() == D[:3]
    assert combined.values.tolist() == [100, 160, 175]
    assert combined.flows.tolist() == [100, 50, 0]
    assert combined.fees.tolist() == [0, 0, -1]
    assert cut_on == D[2]
    assert combine([first])[1] is None
    assert len(combine([])[0]) == 0


def test_history_rejects_unsorted_dates_and_non_finite_values():
    """A history must be ordered and finite: a NaN would otherwise spread silently through every measure."""
    with pytest.raises(ValueError):
        history([D[1], D[0]], [1, 2])
    with pytest.raises(ValueError):
        history(D[:2], [1, float("nan")])


def test_inception_is_the_first_day_with_a_value():
    """Leading zero values (a day before the first deposit settles) are not the inception."""
    assert history(D[:3], [0, 0, 5]).inception == D[2]
    assert history(D[:2], [0, 0]).inception is None

"""The realised-gains report and its wash-sale rule on hand-built ledgers (no database)."""

import datetime as dt
from decimal import Decimal
from itertools import count

from reporting.tax import realised_gains
from reporting.tax_types import PurchaseInput, ReliefInput

D = Decimal
_ids = count(1)


def purchase(lot_id, on, quantity, *, account=1, instrument=1, taxable=True):
    return PurchaseInput(
        lot_id=lot_id,
        transaction_id=next(_ids),
        account_id=account,
        instrument_id=instrument,
        acquired_on=on,
        quantity=D(quantity),
        taxable=taxable,
    )


def relief(lot_id, acquired_on, sold_on, quantity, proceeds, cost, *, account=1, transaction=None, **values):
    """A sale of ``quantity`` shares of lot ``lot_id``; the term is the ledger's (held more than a year)."""
    anniversary = acquired_on.replace(year=acquired_on.year + 1)
    return ReliefInput(
        relief_id=next(_ids),
        transaction_id=transaction or next(_ids),
        account_id=account,
        instrument_id=values.pop("instrument", 1),
        symbol=values.pop("symbol", "ACME"),
        lot_id=lot_id,
        lot_acquired_on=acquired_on,
        closed_on=sold_on,
        quantity=D(quantity),
        proceeds=D(proceeds),
        cost_basis=D(cost),
        term="long" if sold_on > anniversary else "short",
        **values,
    )


JAN_3 = dt.date(2023, 1, 3)
MAR_1 = dt.date(2023, 3, 1)


def test_loss_without_a_purchase_in_the_window_is_recognised_in_full():
    """No purchase within 30 days either side: the whole loss counts, nothing is disallowed."""
    lot = purchase(1, JAN_3, "100")
    late = purchase(2, MAR_1 + dt.timedelta(days=31), "100")
    sale = relief(1, JAN_3, MAR_1, "100", "4000.00", "5000.00")

    report = realised_gains([sale], [lot, late], year=2023)

    (row,) = report.rows
    assert (row.gain, row.disallowed_loss, row.recognised_gain) == (D("-1000.00"), D("0"), D("-1000.00"))
    assert row.wash_sales == ()
    assert report.wash_sales == ()
    assert report.totals["short"].recognised_gain == D("-1000.00")
    assert report.totals["long"].rows == 0


def test_full_wash_sale_moves_the_loss_into_the_replacement_basis_and_holding_period():
    """100 sold at a loss, 100 bought back 14 days later: the loss is disallowed and added to the new lot's cost."""
    first = purchase(1, JAN_3, "100")
    replacement = purchase(2, dt.date(2023, 3, 15), "100")
    loss_sale = relief(1, JAN_3, MAR_1, "100", "4000.00", "5000.00")
    later_sale = relief(2, dt.date(2023, 3, 15), dt.date(2023, 6, 1), "100", "4500.00", "4200.00")

    report = realised_gains([loss_sale, later_sale], [first, replacement], year=2023)

    washed, replacement_row = report.rows
    assert (washed.gain, washed.disallowed_loss, washed.recognised_gain) == (D("-1000.00"), D("1000.00"), D("0.00"))
    (match,) = washed.wash_sales
    assert (match.replacement_lot_id, match.quantity, match.basis_adjustment) == (2, D("100"), D("1000.00"))
    assert match.holding_days_added == (MAR_1 - JAN_3).days
    # The replacement carries the 1,000 and the 57 days the first lot was held.
    assert replacement_row.adjustment == D("1000.00")
    assert replacement_row.adjusted_cost == D("5200.00")
    assert replacement_row.gain == D("-700.00")
    assert replacement_row.acquired_on == dt.date(2023, 3, 15) - dt.timedelta(days=57)
    assert replacement_row.lot_acquired_on == dt.date(2023, 3, 15)
    assert report.totals["short"].recognised_gain == D("-700.00")
    assert report.totals["all"].disallowed_loss == D("1000.00")
    assert report.wash_sales == (match,)


def test_tacked_holding_period_can_turn_a_short_term_sale_long_term():
    """Replacement shares held 53 days inherit 332 days: their sale is long-term though the ledger says short."""
    bought = dt.date(2022, 1, 3)
    sold = dt.date(2022, 12, 1)
    replaced = dt.date(2022, 12, 10)
    later = dt.date(2023, 2, 1)
    sales = [
        relief(1, bought, sold, "10", "800.00", "1000.00"),
        relief(2, replaced, later, "10", "900.00", "820.00"),
    ]

    report = realised_gains(sales, [purchase(1, bought, "10"), purchase(2, replaced, "10")], year=2023)

    (row,) = report.rows
    assert sales[1].term == "short"
    assert row.term == "long"
    assert row.acquired_on == replaced - dt.timedelta(days=(sold - bought).days)
    assert (row.adjustment, row.gain) == (D("200.00"), D("-120.00"))
    assert report.totals["long"].gain == D("-120.00")
    assert report.totals["short"].rows == 0


def test_partial_replacement_disallows_the_loss_in_proportion():
    """40 shares bought back against 100 sold: 40 % of the loss is disallowed, the rest is recognised."""
    sale = relief(1, JAN_3, MAR_1, "100", "4000.00", "5000.00")
    replacement = purchase(2, dt.date(2023, 3, 20), "40")

    report = realised_gains([sale], [purchase(1, JAN_3, "100"), replacement], year=2023)

    (row,) = report.rows
    assert (row.disallowed_loss, row.recognised_gain) == (D("400.00"), D("-600.00"))
    (match,) = row.wash_sales
    assert (match.quantity, match.disallowed_loss, match.basis_adjustment) == (D("40"), D("400.00"), D("400.00"))


def test_partial_sale_of_a_larger_replacement_lot_takes_the_adjusted_shares_first():
    """150 bought back against 100 washed: selling 50 of them carries half the adjustment, the next 100 the rest."""
    loss_sale = relief(1, JAN_3, MAR_1, "100", "4000.00", "5000.00")
    on = dt.date(2023, 3, 10)
    first_part = relief(2, on, dt.date(2023, 8, 1), "50", "2500.00", "2000.00")
    rest = relief(2, on, dt.date(2023, 9, 1), "100", "5000.00", "4000.00")
    purchases = [purchase(1, JAN_3, "100"), purchase(2, on, "150")]

    report = realised_gains([loss_sale, first_part, rest], purchases, year=2023)

    _, first_row, *rest_rows = report.rows
    assert (first_row.quantity, first_row.adjustment) == (D("50"), D("500.00"))
    # The last 100 shares: 50 still carrying 500 of adjustment (tacked), then 50 fresh ones.
    assert [(row.quantity, row.adjustment, row.acquired_on < on) for row in rest_rows] == [
        (D("50"), D("500.00"), True),
        (D("50"), D("0"), False),
    ]
    assert sum(row.proceeds for row in rest_rows) == D("5000.00")
    assert sum(row.cost_basis for row in rest_rows) == D("4000.00")


def test_purchase_within_30_days_before_the_sale_washes_it():
    """A second lot bought 9 days before the first lot is sold at a loss is a replacement."""
    early = purchase(1, JAN_3, "100")
    before = purchase(2, dt.date(2023, 2, 20), "100")
    sale = relief(1, JAN_3, MAR_1, "100", "4000.00", "5000.00")

    (row,) = realised_gains([sale], [early, before], year=2023).rows

    assert row.disallowed_loss == D("1000.00")
    assert row.wash_sales[0].replacement_lot_id == 2


def test_rest_of_the_same_lot_is_not_a_replacement():
    """Selling half a lot at a loss within 30 days of buying it: the other half is not replacement stock."""
    lot = purchase(1, dt.date(2023, 2, 1), "100")
    sale = relief(1, dt.date(2023, 2, 1), dt.date(2023, 2, 15), "50", "2000.00", "2500.00")

    (row,) = realised_gains([sale], [lot], year=2023).rows

    assert (row.disallowed_loss, row.recognised_gain) == (D("0"), D("-500.00"))


def test_shares_sold_before_the_loss_sale_are_not_replacements():
    """A lot bought in the window but gone before the loss sale does not wash it."""
    gone = purchase(2, dt.date(2023, 2, 10), "50")
    sales = [
        relief(2, dt.date(2023, 2, 10), dt.date(2023, 2, 20), "50", "2600.00", "2500.00"),
        relief(1, JAN_3, MAR_1, "100", "4000.00", "5000.00"),
    ]

    report = realised_gains(sales, [purchase(1, JAN_3, "100"), gone], year=2023)

    assert [row.disallowed_loss for row in report.rows] == [D("0"), D("0")]


def test_a_sale_at_a_gain_is_never_washed_and_leaves_the_purchase_free():
    """A gain with a purchase in the window stays a gain; that purchase can still wash a later loss."""
    purchases = [purchase(1, JAN_3, "100"), purchase(2, dt.date(2023, 3, 5), "100"), purchase(3, JAN_3, "100")]
    gain_sale = relief(1, JAN_3, MAR_1, "100", "6000.00", "5000.00")
    loss_sale = relief(3, JAN_3, dt.date(2023, 3, 10), "100", "4500.00", "5000.00")

    gain_row, loss_row = realised_gains([gain_sale, loss_sale], purchases, year=2023).rows

    assert (gain_row.gain, gain_row.disallowed_loss, gain_row.wash_sales) == (D("1000.00"), D("0"), ())
    assert loss_row.disallowed_loss == D("500.00")
    assert loss_row.wash_sales[0].replacement_lot_id == 2


def test_each_replacement_share_washes_only_one_loss_share_in_date_order():
    """Two loss sales, one replacement lot of 100: the earlier sale gets it, the later loss stands."""
    replacement = purchase(3, dt.date(2023, 3, 5), "100")
    first = relief(1, JAN_3, MAR_1, "100", "4000.00", "5000.00")
    second = relief(2, JAN_3, dt.date(2023, 3, 3), "100", "4000.00", "5000.00")
    purchases = [purchase(1, JAN_3, "100"), purchase(2, JAN_3, "100"), replacement]

    report = realised_gains([second, first], purchases, year=2023)

    assert [(row.sold_on, row.disallowed_loss) for row in report.rows] == [
        (MAR_1, D("1000.00")),
        (dt.date(2023, 3, 3), D("0")),
    ]


def test_replacement_in_an_ira_disallows_the_loss_without_adjusting_basis():
    """Bought back in an IRA: the loss is lost for good (Rev. Rul. 2008-5), nothing is added to basis."""
    ira = purchase(2, dt.date(2023, 3, 10), "100", account=2, taxable=False)
    sale = relief(1, JAN_3, MAR_1, "100", "4000.00", "5000.00")

    report = realised_gains([sale], [purchase(1, JAN_3, "100"), ira], year=2023, account_ids=[1])

    (row,) = report.rows
    assert row.disallowed_loss == D("1000.00")
    (match,) = row.wash_sales
    assert (match.replacement_account_id, match.basis_adjustment, match.holding_days_added) == (2, D("0"), 0)


def test_losses_inside_an_ira_are_not_washed():
    """A sale in a tax-advantaged account is listed as it is: its loss is not deductible to begin with."""
    sale = relief(1, JAN_3, MAR_1, "100", "4000.00", "5000.00", taxable=False)

    (row,) = realised_gains([sale], [purchase(1, JAN_3, "100"), purchase(2, MAR_1, "100")], year=2023).rows

    assert (row.taxable, row.disallowed_loss, row.recognised_gain) == (False, D("0"), D("-1000.00"))


def test_transfers_out_are_not_listed_but_take_their_shares():
    """A transfer out realises nothing and is not a row; the shares it moves cannot replace a later loss sale."""
    moved = purchase(2, dt.date(2023, 2, 20), "100")
    sales = [
        relief(2, dt.date(2023, 2, 20), dt.date(2023, 2, 24), "100", "5000.00", "5000.00", is_sale=False),
        relief(1, JAN_3, MAR_1, "100", "4000.00", "5000.00"),
    ]

    (row,) = realised_gains(sales, [purchase(1, JAN_3, "100"), moved], year=2023).rows

    assert (row.lot_id, row.disallowed_loss) == (1, D("0"))


def test_december_loss_washed_by_january_purchase_is_reported_in_its_own_year():
    """The sale's year shows the disallowed loss; the next year shows the replacement's adjusted sale."""
    dec = dt.date(2023, 12, 20)
    jan = dt.date(2024, 1, 10)
    sales = [
        relief(1, JAN_3, dec, "100", "4000.00", "5000.00"),
        relief(2, jan, dt.date(2024, 6, 3), "100", "4000.00", "4100.00"),
    ]
    purchases = [purchase(1, JAN_3, "100"), purchase(2, jan, "100")]

    year_2023 = realised_gains(sales, purchases, year=2023)
    year_2024 = realised_gains(sales, purchases, year=2024)

    assert [row.sold_on for row in year_2023.rows] == [dec]
    assert year_2023.totals["all"].disallowed_loss == D("1000.00")
    assert len(year_2023.wash_sales) == 1
    (row,) = year_2024.rows
    assert (row.adjustment, row.gain) == (D("1000.00"), D("-1100.00"))
    assert year_2024.wash_sales == ()


def test_split_between_sale_and_purchase_is_compared_in_todays_units():
    """100 shares sold before a 2-for-1 split are 200 of today's units: 200 bought back wash all of the loss."""
    sale = relief(1, JAN_3, MAR_1, "100", "4000.00", "5000.00", units_per_share=D("2"))
    replacement = purchase(2, dt.date(2023, 3, 10), "200")

    (row,) = realised_gains([sale], [purchase(1, JAN_3, "200"), replacement], year=2023).rows

    assert row.disallowed_loss == D("1000.00")
    assert row.wash_sales[0].quantity == D("100")


def test_account_filter_keeps_other_accounts_out_of_rows_and_totals():
    """Rows and totals cover only the requested accounts; wash sales touching them are still listed."""
    sales = [
        relief(1, JAN_3, MAR_1, "100", "4000.00", "5000.00", account=1),
        relief(3, JAN_3, MAR_1, "10", "900.00", "500.00", account=2),
    ]
    purchases = [purchase(1, JAN_3, "100"), purchase(3, JAN_3, "10", account=2), purchase(2, MAR_1, "100", account=2)]

    report = realised_gains(sales, purchases, year=2023, account_ids=[2])

    assert [row.account_id for row in report.rows] == [2]
    assert report.totals["all"].gain == D("400.00")
    (match,) = report.wash_sales
    assert (match.sale_account_id, match.replacement_account_id) == (1, 2)

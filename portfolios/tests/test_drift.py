"""Drift of accounts from their models: rows, bands, asset classes, and the dashboard's out-of-band list."""

from decimal import Decimal as D

import pytest

from portfolios.selectors import accounts_out_of_band, drift_for

from .model_fixtures import account_for, buy, deposit, instrument, model_for

pytestmark = pytest.mark.django_db


def test_drift_rows_follow_the_model_with_cash_and_unmodelled_holdings(advisor):
    """Each target, each holding outside the model and cash get a row with target, actual and difference."""
    aaa, bbb, zzz = instrument("AAA", "10"), instrument("BBB", "10"), instrument("ZZZ", "10")
    account = account_for(advisor, model=model_for(advisor, {aaa: "0.5", bbb: "0.4"}, cash_weight="0.1"))
    deposit(account, "1000")
    buy(account, aaa, "60", "10")
    buy(account, bbb, "30", "10")
    buy(account, zzz, "5", "10")
    account.refresh_from_db()

    report = drift_for(account)

    rows = {row.label: row for row in report.rows}
    assert report.total_value == D("1000")
    assert (rows["AAA"].actual_weight, rows["AAA"].difference) == (D("0.6"), D("0.1"))
    assert rows["AAA"].out_of_band
    assert not rows["ZZZ"].in_model and rows["ZZZ"].out_of_band
    assert rows["Cash"].actual_weight == D("0.05")
    assert report.max_abs_drift == D("0.1")


def test_asset_class_row_sums_the_classs_holdings(advisor):
    """An asset-class target is one row whose actual weight is all holdings of that class together."""
    b1 = instrument("BND1", "10", asset_class="fixed_income")
    b2 = instrument("BND2", "10", asset_class="fixed_income")
    account = account_for(advisor, model=model_for(advisor, {"fixed_income": "1"}))
    deposit(account, "1000")
    buy(account, b1, "70", "10")
    buy(account, b2, "30", "10")
    account.refresh_from_db()

    report = drift_for(account)

    assert [(row.label, row.actual_weight, row.out_of_band) for row in report.rows] == [
        ("Fixed income (asset class)", D("1"), False),
        ("Cash", D("0"), False),
    ]


def test_accounts_out_of_band_lists_only_drifted_accounts_in_scope(advisor, other_advisor):
    """The dashboard list holds the user's out-of-band accounts, largest drift first, nobody else's."""
    aaa, bbb = instrument("AAA", "10"), instrument("BBB", "10")
    model = model_for(advisor, {aaa: "0.5", bbb: "0.5"}, absolute_band="0.05", relative_band="0")
    drifted, far, fine = (account_for(advisor, model=model) for _ in range(3))
    for account, (a, b) in ((drifted, ("58", "42")), (far, ("90", "10")), (fine, ("51", "49"))):
        deposit(account, "1000")
        buy(account, aaa, a, "10")
        buy(account, bbb, b, "10")
    theirs = account_for(other_advisor, model=model)
    deposit(theirs, "1000")
    buy(theirs, aaa, "100", "10")

    found = accounts_out_of_band(advisor)

    assert [(account.pk, drift) for account, drift in found] == [(far.pk, D("0.4")), (drifted.pk, D("0.08"))]


def test_drift_costs_the_same_queries_for_many_accounts(advisor, django_assert_max_num_queries):
    """accounts_out_of_band reads accounts, positions, targets and closes once each, whatever the count."""
    aaa = instrument("AAA", "10")
    model = model_for(advisor, {aaa: "0.5"}, cash_weight="0.5")
    for _ in range(6):
        account = account_for(advisor, model=model)
        deposit(account, "100")

    with django_assert_max_num_queries(6):
        accounts_out_of_band(advisor)

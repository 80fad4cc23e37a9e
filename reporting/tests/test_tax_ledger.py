"""The realised-gains report read from real ledgers: household-wide wash sales, splits, scoping, query count."""

import datetime as dt
from decimal import Decimal

import pytest

from marketdata.tests.factories import InstrumentFactory
from portfolios.choices import AccountType
from portfolios.models import LotRelief
from portfolios.selectors import accounts_visible_to
from portfolios.tests.factories import ClientFactory
from reporting.selectors_tax import account_realised_gains, household_realised_gains
from reporting.tests.tax_support import (
    BOUGHT,
    REPLACED,
    SOLD,
    buy,
    funded_account,
    household_client,
    sell,
    split,
    washed_account,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def acme(db):
    return InstrumentFactory(symbol="ACME")


def test_wash_sale_on_a_recorded_ledger(advisor, acme):
    """The ledger's reliefs come through unchanged; the report adds the 1,000 disallowed and carried over."""
    account = washed_account(advisor, acme)

    tax = account_realised_gains(advisor, account, year=2023)

    reliefs = list(LotRelief.objects.filter(lot__account=account).order_by("closed_on"))
    loss, resold = tax.report.rows
    assert [(row.proceeds, row.cost_basis) for row in (loss, resold)] == [(r.proceeds, r.cost_basis) for r in reliefs]
    assert (loss.gain, loss.disallowed_loss, loss.recognised_gain) == (D("-1000.00"), D("1000.00"), D("0.00"))
    assert (resold.adjustment, resold.gain, resold.recognised_gain) == (D("1000.00"), D("-700.00"), D("-700.00"))
    assert resold.acquired_on == REPLACED - (SOLD - BOUGHT)
    assert tax.report.totals["short"].recognised_gain == D("-700.00")
    assert tax.years[0] >= 2023 and 2023 in tax.years
    assert not tax.tax_deferred


def test_other_years_and_empty_years(advisor, acme):
    """A year without sales is an empty report with zero totals, not an error."""
    account = washed_account(advisor, acme)

    tax = account_realised_gains(advisor, account, year=2022)

    assert tax.report.rows == ()
    assert tax.report.totals["all"].recognised_gain == 0


def test_spouse_ira_purchase_washes_the_loss_without_basis_adjustment(advisor, acme):
    """A buy in another household account (a spouse's IRA) within 30 days disallows the loss for good."""
    taxable = funded_account(household_client(advisor))
    spouse = ClientFactory(household=taxable.client.household)
    ira = funded_account(spouse, AccountType.IRA)
    buy(taxable, acme, "100", "50", BOUGHT)
    sell(taxable, acme, "100", "40", SOLD)
    buy(ira, acme, "100", "41", dt.date(2023, 3, 10))

    (row,) = account_realised_gains(advisor, taxable, year=2023).report.rows

    assert row.disallowed_loss == D("1000.00")
    (match,) = row.wash_sales
    assert (match.replacement_account_id, match.basis_adjustment) == (ira.pk, D("0"))


def test_purchases_in_another_household_do_not_wash(advisor, acme):
    """The wash-sale scope is the household: a stranger's purchase of the same stock changes nothing."""
    account = funded_account(household_client(advisor))
    stranger = funded_account(household_client(advisor))
    buy(account, acme, "100", "50", BOUGHT)
    sell(account, acme, "100", "40", SOLD)
    buy(stranger, acme, "100", "41", dt.date(2023, 3, 10))

    (row,) = account_realised_gains(advisor, account, year=2023).report.rows

    assert (row.disallowed_loss, row.recognised_gain) == (D("0"), D("-1000.00"))


def test_split_between_loss_sale_and_repurchase(advisor, acme):
    """100 sold before a 2-for-1 split, 200 bought after it: the whole loss is washed."""
    seller = funded_account(household_client(advisor))
    holder = funded_account(ClientFactory(household=seller.client.household))
    buy(seller, acme, "100", "50", BOUGHT)
    buy(holder, acme, "10", "50", BOUGHT)
    sell(seller, acme, "100", "40", SOLD)
    split(holder, acme, 2, 1, dt.date(2023, 3, 6))
    buy(holder, acme, "200", "21", dt.date(2023, 3, 10))

    (row,) = account_realised_gains(advisor, seller, year=2023).report.rows

    assert row.disallowed_loss == D("1000.00")
    assert row.wash_sales[0].quantity == D("100")


def test_ira_account_report_is_tax_deferred(advisor, acme):
    """An IRA's sales are listed but flagged as not taxed, and their losses are not washed."""
    ira = funded_account(household_client(advisor), AccountType.ROTH_IRA)
    buy(ira, acme, "100", "50", BOUGHT)
    sell(ira, acme, "100", "40", SOLD)
    buy(ira, acme, "100", "41", dt.date(2023, 3, 10))

    tax = account_realised_gains(advisor, ira, year=2023)

    assert tax.tax_deferred
    (row,) = tax.report.rows
    assert (row.taxable, row.disallowed_loss) == (False, D("0"))


def test_household_report_covers_only_accounts_the_user_sees(advisor, client_user, acme):
    """A client's household report lists their own accounts; the spouse's stays out but still washes."""
    own = funded_account(household_client(advisor, user=client_user))
    spouse_account = funded_account(ClientFactory(household=own.client.household))
    buy(own, acme, "100", "50", BOUGHT)
    sell(own, acme, "100", "40", SOLD)
    buy(spouse_account, acme, "10", "60", BOUGHT)
    sell(spouse_account, acme, "10", "41", SOLD)
    buy(spouse_account, acme, "100", "41", dt.date(2023, 3, 10))

    client_tax = household_realised_gains(client_user, own.client.household, year=2023)
    advisor_tax = household_realised_gains(advisor, own.client.household, year=2023)

    assert {row.account_id for row in client_tax.report.rows} == {own.pk}
    assert client_tax.report.rows[0].disallowed_loss == D("1000.00")
    assert spouse_account.pk not in client_tax.account_names
    assert {row.account_id for row in advisor_tax.report.rows} == {own.pk, spouse_account.pk}


def test_query_count_does_not_grow_with_history(advisor, acme, django_assert_num_queries):
    """Five queries for a year's report, however many sales and purchases the household recorded."""
    account = washed_account(advisor, acme)
    for day in (dt.date(2023, 7, 3), dt.date(2023, 8, 1), dt.date(2023, 9, 1)):
        buy(account, acme, "10", "45", day)
        sell(account, acme, "10", "44", day + dt.timedelta(days=14))
    account = accounts_visible_to(advisor).get(pk=account.pk)

    with django_assert_num_queries(5):
        tax = account_realised_gains(advisor, account, year=2023)

    assert len(tax.report.rows) == 5

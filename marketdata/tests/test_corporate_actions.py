"""Corporate actions are stored as supplied, after validation; nothing is inferred from prices."""

import datetime as dt
from decimal import Decimal

import pytest

from compliance.models import AuditEvent
from marketdata.choices import CorporateActionKind
from marketdata.errors import MarketDataError
from marketdata.services import record_corporate_action
from marketdata.tests.factories import InstrumentFactory

pytestmark = pytest.mark.django_db
SESSION = dt.date(2024, 6, 10)


def test_a_split_and_a_dividend_are_recorded_and_audited(operator):
    """A 4-for-1 split and a cash dividend are stored with the acting user in the audit trail."""
    instrument = InstrumentFactory(symbol="NVDA")

    split = record_corporate_action(
        actor=operator,
        instrument=instrument,
        kind=CorporateActionKind.SPLIT,
        ex_date=SESSION,
        ratio_numerator=4,
        ratio_denominator=1,
    )
    dividend = record_corporate_action(
        instrument=instrument, kind=CorporateActionKind.CASH_DIVIDEND, ex_date=SESSION, cash_amount=Decimal("0.01")
    )

    assert (split.ratio_numerator, split.ratio_denominator, dividend.cash_amount) == (4, 1, Decimal("0.01"))
    event = AuditEvent.objects.get(action="marketdata.corporate_action_recorded", object_id=str(split.pk))
    assert event.actor_id == operator.pk


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "split", "ratio_numerator": 0, "ratio_denominator": 1}, "ratio_numerator"),
        ({"kind": "split", "ratio_numerator": 2, "ratio_denominator": None}, "ratio_denominator"),
        ({"kind": "split", "ratio_numerator": 2, "ratio_denominator": 2}, "ratio_numerator"),
        ({"kind": "cash_dividend", "cash_amount": Decimal("0")}, "cash_amount"),
        ({"kind": "cash_dividend", "cash_amount": Decimal("-0.5")}, "cash_amount"),
        ({"kind": "cash_dividend", "cash_amount": Decimal("1"), "ex_date": dt.date(2024, 6, 8)}, "ex_date"),
        ({"kind": "cash_dividend", "cash_amount": Decimal("1"), "pay_date": dt.date(2024, 6, 1)}, "pay_date"),
        ({"kind": "merger"}, "kind"),
    ],
)
def test_invalid_actions_are_refused_with_a_field_error(fields, field):
    """Non-positive ratios or amounts, 1:1 splits, non-session ex-dates and early pay dates are refused."""
    arguments = {"instrument": InstrumentFactory(), "ex_date": SESSION, **fields}

    with pytest.raises(MarketDataError) as raised:
        record_corporate_action(**arguments)

    assert raised.value.code == "invalid"
    assert field in raised.value.fields


def test_the_same_action_twice_is_a_duplicate():
    """One action per instrument, kind and ex-date: a second is refused with code duplicate."""
    instrument = InstrumentFactory()
    record_corporate_action(instrument=instrument, kind="cash_dividend", ex_date=SESSION, cash_amount=Decimal("1"))

    with pytest.raises(MarketDataError) as raised:
        record_corporate_action(instrument=instrument, kind="cash_dividend", ex_date=SESSION, cash_amount=Decimal("2"))

    assert raised.value.code == "duplicate"

"""``open_order_totals`` (one aggregate query) counts exactly what ``_grouped`` counts over every open row."""

from decimal import Decimal as D

import pytest

from trading.models import OPEN_STATUSES, Order
from trading.risk_reads import _grouped, _open_sell_qty, commitment, open_order_totals
from trading.tests.factories import funded_account, priced_instrument
from trading.tests.scoping import order_in_book

pytestmark = pytest.mark.django_db


def reference(account, instrument_id, exclude_pk=None):
    rows = list(
        Order.objects.filter(account=account, status__in=OPEN_STATUSES).values(
            "pk",
            "side",
            "qty",
            "notional",
            "filled_qty",
            "filled_avg_price",
            "reserve_price",
            "replaces_id",
            "instrument_id",
        )
    )
    sells = [row for row in rows if row["instrument_id"] == instrument_id]
    return _grouped(rows, commitment, exclude_pk=exclude_pk), _grouped(sells, _open_sell_qty, exclude_pk=exclude_pk)


def test_totals_match_the_row_by_row_reference(advisor):
    account = funded_account(advisor=advisor, cash="100000")
    acme, other = priced_instrument("ACME", "100"), priced_instrument("OTHR", "20")
    book = {"account": account, "instrument": acme}
    order_in_book(advisor, **book, qty=D("3"), reserve_price=D("101.123457"))  # 303.370371 → 303.37
    order_in_book(
        advisor, **book, qty=D("7"), filled_qty=D("2.5"), reserve_price=D("33.335"), status="partially_filled"
    )
    order_in_book(
        advisor,
        **book,
        qty=None,
        notional=D("1000.00"),
        order_type="market",
        limit_price=None,
        reserve_price=None,
        filled_qty=D("4"),
        filled_avg_price=D("99.5"),
        status="partially_filled",
    )
    order_in_book(advisor, **book, status="filled")  # closed: not counted
    order_in_book(advisor, **book, side="sell", qty=D("4"), filled_qty=D("1"), reserve_price=None)
    order_in_book(advisor, account=account, instrument=other, side="sell", qty=D("9"), reserve_price=None)
    old = order_in_book(advisor, **book, qty=D("10"), reserve_price=D("90"), status="pending_replace")
    new = order_in_book(advisor, **book, qty=D("12"), reserve_price=D("80"), replaces=old)  # 960 > 900: counted once
    old_sell = order_in_book(advisor, **book, side="sell", qty=D("2"), reserve_price=None, status="pending_replace")
    order_in_book(advisor, **book, side="sell", qty=D("3"), reserve_price=None, replaces=old_sell)

    for exclude in (None, old.pk, new.pk, old_sell.pk):
        assert open_order_totals(account, acme.pk, exclude_pk=exclude) == reference(account, acme.pk, exclude)
    buys, sells = open_order_totals(account, acme.pk)
    assert buys == D("303.37") + D("150.01") + D("602.00") + D("960.00")
    assert sells == D("3") + D("3")
    assert open_order_totals(account, other.pk)[1] == D("9")


def test_no_open_orders_is_zero(advisor):
    account = funded_account(advisor=advisor)
    assert open_order_totals(account, priced_instrument("ACME").pk) == (D("0"), D("0"))

"""Order field rules and the pre-trade risk checks."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from compliance.models import RestrictedInstrument
from portfolios.services import record_transaction
from trading.errors import TradingError
from trading.models import KillSwitch, RiskLimit
from trading.order_rules import clean_order
from trading.risk import evaluate_order
from trading.tests.factories import funded_account, priced_instrument

D = Decimal


def errors_of(**values):
    values = {"side": "buy", "order_type": "market", "time_in_force": "day", "qty": "1", **values}
    with pytest.raises(TradingError) as error:
        clean_order(**values)
    assert error.value.code == "invalid_order"
    return error.value.fields


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"order_type": "limit"}, "limit_price"),
        ({"order_type": "limit", "limit_price": "0"}, "limit_price"),
        ({"order_type": "limit", "limit_price": "-5"}, "limit_price"),
        ({"order_type": "limit", "limit_price": "12.345"}, "limit_price"),
        ({"order_type": "stop"}, "stop_price"),
        ({"order_type": "stop_limit", "stop_price": "10"}, "limit_price"),
        ({"order_type": "market", "limit_price": "10"}, "limit_price"),
        ({"order_type": "trailing_stop"}, "trail_price"),
        ({"order_type": "trailing_stop", "trail_price": "1", "trail_percent": "2"}, "trail_price"),
        ({"order_type": "trailing_stop", "trail_percent": "100"}, "trail_percent"),
        ({"order_type": "trailing_stop", "trail_percent": "2", "time_in_force": "ioc"}, "time_in_force"),
        ({"order_type": "market", "trail_price": "1"}, "trail_price"),
        ({"qty": None}, "qty"),
        ({"qty": "1", "notional": "100"}, "notional"),
        ({"qty": None, "notional": "100", "order_type": "limit", "limit_price": "5"}, "notional"),
        ({"qty": None, "notional": "100", "time_in_force": "gtc"}, "notional"),
        ({"qty": "1.5", "time_in_force": "gtc"}, "qty"),
        ({"qty": "0"}, "qty"),
        ({"qty": "abc"}, "qty"),
        ({"qty": "NaN"}, "qty"),
        ({"side": "short"}, "side"),
        ({"order_type": "iceberg"}, "order_type"),
        ({"time_in_force": "gtd"}, "time_in_force"),
        ({"order_type": "stop", "stop_price": "5", "time_in_force": "opg"}, "time_in_force"),
        ({"expires_at": timezone.now() + dt.timedelta(days=1)}, "expires_at"),
        ({"time_in_force": "gtc", "expires_at": timezone.now() - dt.timedelta(days=1)}, "expires_at"),
    ],
)
def test_field_rules(values, field):
    assert field in errors_of(**values)


def test_valid_orders_are_typed():
    spec = clean_order(side="SELL", order_type="stop_limit", time_in_force="gtc", qty=3, stop_price="9.5",
                       limit_price="0.9999")  # fmt: skip
    assert spec.side == "sell" and spec.qty == D("3") and spec.limit_price == D("0.9999")
    notional = clean_order(side="buy", order_type="market", time_in_force="day", notional="250.50")
    assert notional.notional == D("250.50") and notional.qty is None
    trailing = clean_order(side="sell", order_type="trailing_stop", time_in_force="gtc", qty=1, trail_percent="1.5")
    assert trailing.trail_percent == D("1.5")


@pytest.fixture
def account(advisor):
    return funded_account(advisor=advisor, cash="10000")


@pytest.fixture
def acme(db):
    return priced_instrument("ACME", "100")


def check(account, instrument, **values):
    values = {"side": "buy", "order_type": "market", "time_in_force": "day", "qty": "1", **values}
    report = evaluate_order(account=account, instrument=instrument, spec=clean_order(**values))
    return report, {c.name: c for c in report.checks}


@pytest.mark.django_db
def test_a_passing_order_shows_every_check_and_its_impact(account, acme):
    report, checks = check(account, acme, qty="10")
    assert report.passed and set(checks) == {
        "kill_switch", "restricted_list", "last_price", "buying_power", "max_order_notional", "price_band",
        "max_position", "concentration",
    }  # fmt: skip
    assert report.impact.cash_after == D("9000.00") and report.impact.weight_after == D("0.1")
    assert report.impact.buying_power == D("10000") and report.impact.reserve_price == D("102")
    assert report.as_dict()["impact"]["cash_after"] == "9000.00"


@pytest.mark.django_db
def test_each_refusal_has_its_code(account, acme, advisor):
    assert check(account, acme, qty="99")[1]["buying_power"].code == "insufficient_buying_power"
    assert check(account, acme, side="sell")[1]["position"].code == "insufficient_position"
    assert check(account, acme, order_type="limit", limit_price="150")[1]["price_band"].code == "price_band"
    RiskLimit.objects.create(firm=advisor.firm, max_order_notional=500, max_concentration_percent=5)
    _, checks = check(account, acme, order_type="limit", limit_price="100", qty="6")
    assert checks["max_order_notional"].code == "max_order_notional"
    assert checks["concentration"].code == "concentration"
    RiskLimit.objects.create(firm=advisor.firm, account=account, max_order_notional=100_000, max_position_notional=300)
    _, checks = check(account, acme, qty="4")
    assert checks["max_order_notional"].passed and checks["max_position"].code == "max_position"
    RestrictedInstrument.objects.create(firm=advisor.firm, instrument=acme, reason="MNPI", since=dt.date(2020, 1, 1))
    assert check(account, acme)[1]["restricted_list"].code == "restricted_instrument"
    nothing = priced_instrument("NOPX", "1")
    nothing.bars.all().delete()
    assert check(account, nothing)[1]["last_price"].code == "no_last_price"


@pytest.mark.django_db
def test_kill_switches_halted_and_reducing(account, acme, advisor):
    record_transaction(account=account, kind="buy", trade_date=dt.date(2024, 1, 2), actor=None, instrument=acme,
                       quantity=5, price=100)  # fmt: skip
    switch = KillSwitch.objects.create(firm=advisor.firm, state="reducing")
    assert check(account, acme)[1]["kill_switch"].code == "reducing_only"
    assert check(account, acme, side="sell", qty="5")[0].passed
    assert check(account, acme, side="sell", qty="6")[1]["kill_switch"].code == "reducing_only"
    KillSwitch.objects.create(firm=advisor.firm, account=account, state="halted", reason="client request")
    report, checks = check(account, acme, side="sell", qty="1")
    assert checks["kill_switch"].code == "trading_halted" and "client request" in checks["kill_switch"].message
    switch.state = "active"
    switch.save()
    assert not report.passed

"""Idempotency-Key replays found by the insert's unique constraint, or before a refusal."""

from decimal import Decimal as D

import pytest

from trading.errors import RiskRejected, TradingError
from trading.models import Order
from trading.services import submit_order
from trading.tests.factories import funded_account, priced_instrument

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(advisor):
    return funded_account(advisor=advisor, cash="1100")


@pytest.fixture(autouse=True)
def acme(db):
    return priced_instrument("ACME", close="100")


def buy(account, advisor, qty="10", **fields):
    return submit_order(account=account, actor=advisor, side="buy", symbol="ACME", qty=D(qty), **fields)


def test_a_retry_after_the_cash_was_spent_returns_the_first_order(account, advisor):
    first = buy(account, advisor, idempotency_key="spend-it")  # commits ~1,020 of 1,100
    with pytest.raises(RiskRejected):
        buy(account, advisor, idempotency_key="another")  # a new order: refused
    again = buy(account, advisor, idempotency_key="spend-it")
    assert again.pk == first.pk and again.idempotent_replay
    assert Order.objects.count() == 1


def test_a_retry_after_the_account_closed_returns_the_first_order(account, advisor):
    first = buy(account, advisor, qty="1", idempotency_key="before-closing")
    account.is_active = False
    account.save(update_fields=["is_active"])
    assert buy(account, advisor, qty="1", idempotency_key="before-closing").pk == first.pk
    with pytest.raises(TradingError) as error:
        buy(account, advisor, qty="1", idempotency_key="after-closing")
    assert error.value.code == "inactive_account"


def test_a_replay_never_answers_outside_the_scope(account, advisor, other_advisor):
    buy(account, advisor, qty="1", idempotency_key="mine")
    with pytest.raises(TradingError) as error:
        submit_order(account=account, actor=other_advisor, side="buy", symbol="ACME", qty=D(1), idempotency_key="mine")
    assert error.value.code == "not_found"

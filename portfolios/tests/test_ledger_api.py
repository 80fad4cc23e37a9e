"""Transactions and lots over the API: reads per role, filters, paging, recording and its errors."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import AdvisorFactory
from marketdata.tests.factories import InstrumentFactory
from portfolios.models import Transaction
from portfolios.tests.ledger_support import SATURDAY, SESSIONS, account_of, buy, deposit, record, sell, snapshot

pytestmark = pytest.mark.django_db


def api_as(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return api


def transactions_url(account) -> str:
    return reverse("api:account-transactions", kwargs={"account_pk": account.pk})


def lots_url(account) -> str:
    return reverse("api:account-lots", kwargs={"account_pk": account.pk})


@pytest.fixture
def acme(db):
    return InstrumentFactory(symbol="ACME")


@pytest.fixture
def account(advisor, acme):
    account = account_of(advisor)
    deposit(account, "1000.00")
    buy(account, acme, "10", "20", SESSIONS[1])
    buy(account, acme, "5", "30", SESSIONS[2])
    sell(account, acme, "10", "25", SESSIONS[3])
    return account


def test_list_is_newest_first_and_paginated(advisor, account):
    """Transactions come newest first with symbol and signed amount, in pages."""
    response = api_as(advisor).get(transactions_url(account), {"page_size": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [(row["kind"], row["symbol"], row["amount"]) for row in body["results"]] == [
        ("sell", "ACME", "250.00"),
        ("buy", "ACME", "-150.00"),
    ]


def test_list_filters_by_kind_symbol_and_dates(advisor, account):
    """kind, symbol and the date range narrow the list; a bad kind is a 400 field error."""
    api = api_as(advisor)

    def kinds(**params):
        return [row["kind"] for row in api.get(transactions_url(account), params).json()["results"]]

    assert kinds(kind="buy") == ["buy", "buy"]
    assert kinds(symbol="acme") == ["sell", "buy", "buy"]
    assert kinds(start=SESSIONS[1].isoformat(), end=SESSIONS[2].isoformat()) == ["buy", "buy"]
    response = api.get(transactions_url(account), {"kind": "gift"})
    assert response.status_code == 400
    assert "kind" in response.json()["error"]["fields"]


def test_compliance_and_the_owning_client_read_but_cannot_record(account, compliance_officer, client_user):
    """Compliance (firm-wide) and the account's own client read the ledger; recording is a 403 for both."""
    account.client.user = client_user
    account.client.save(update_fields=["user"])
    payload = {"kind": "deposit", "trade_date": SESSIONS[4].isoformat(), "amount": "1.00"}
    for user in (compliance_officer, client_user):
        api = api_as(user)
        assert api.get(transactions_url(account)).status_code == 200
        assert api.get(lots_url(account)).status_code == 200
        response = api.post(transactions_url(account), payload, format="json")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    assert Transaction.objects.filter(account=account).count() == 4


def test_other_books_are_404(account, firm):
    """An advisor outside the book neither sees nor writes the account's ledger."""
    api = api_as(AdvisorFactory(firm=firm))

    assert api.get(transactions_url(account)).status_code == 404
    assert api.post(transactions_url(account), {}, format="json").status_code == 404
    assert api.get(lots_url(account)).status_code == 404


def test_record_a_buy_by_symbol(advisor, account):
    """POST records through the service and answers 201 with the stored transaction."""
    payload = {
        "kind": "buy",
        "trade_date": SESSIONS[4].isoformat(),
        "symbol": "ACME",
        "quantity": "2",
        "price": "10.5",
        "fees": "1.00",
        "external_id": "fill-1",
    }

    response = api_as(advisor).post(transactions_url(account), payload, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "-22.00"
    assert Transaction.objects.get(external_id="fill-1").created_by == advisor


def test_record_a_specific_lot_sell(advisor, account):
    """lot_selection names lots by id; the stored selection keeps quantities as strings."""
    lot = account.lots.filter(remaining_quantity__gt=0).get()
    payload = {
        "kind": "sell",
        "trade_date": SESSIONS[4].isoformat(),
        "symbol": "ACME",
        "quantity": "2",
        "price": "31",
        "lot_selection": [{"lot": lot.pk, "quantity": "2"}],
    }

    response = api_as(advisor).post(transactions_url(account), payload, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["lot_relief_method"] == "specific"
    assert response.json()["lot_selection"] == [{"lot": lot.pk, "quantity": "2.00000000"}]


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"kind": "buy", "symbol": "ACME", "quantity": "-1", "price": "10"}, "invalid_quantity", "quantity"),
        ({"kind": "buy", "symbol": "ACME", "quantity": "0", "price": "10"}, "invalid_quantity", "quantity"),
        ({"kind": "buy", "symbol": "ACME", "quantity": "1", "price": "0"}, "invalid_price", "price"),
        ({"kind": "sell", "symbol": "ACME", "quantity": "6", "price": "10"}, "insufficient_quantity", "quantity"),
        ({"kind": "buy", "symbol": "NOPE", "quantity": "1", "price": "10"}, "unknown_instrument", "instrument"),
        (
            {"kind": "buy", "symbol": "ACME", "quantity": "1", "price": "10", "trade_date": SATURDAY.isoformat()},
            "not_a_session",
            "trade_date",
        ),
        ({"kind": "deposit", "amount": "5.00", "external_id": "dup"}, "duplicate", "external_id"),
        ({"kind": "buy", "symbol": "ACME", "quantity": "1.123456789", "price": "10"}, "invalid", "quantity"),
    ],
    ids=["negative", "zero", "price", "oversell", "unknown", "saturday", "duplicate", "too-precise"],
)
def test_bad_input_is_a_400_with_code_and_field_and_writes_nothing(advisor, account, payload, code, field):
    """Each bad input of the issue answers in the project's error format and leaves the ledger unchanged."""
    record(account, "deposit", SESSIONS[4], amount=Decimal("1.00"), external_id="dup")
    before = snapshot(account)
    payload = {"trade_date": SESSIONS[4].isoformat(), **payload}

    response = api_as(advisor).post(transactions_url(account), payload, format="json")

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], field in error["fields"]) == (code, True), error
    assert snapshot(account) == before


def test_lots_open_only_by_default(advisor, account):
    """Open lots by default; open_only=false adds the closed ones."""
    api = api_as(advisor)

    open_rows = api.get(lots_url(account)).json()["results"]
    all_rows = api.get(lots_url(account), {"open_only": "false"}).json()["results"]

    assert [(row["symbol"], row["remaining_quantity"]) for row in open_rows] == [("ACME", "5.00000000")]
    assert len(all_rows) == 2
    assert Decimal(all_rows[0]["remaining_quantity"]) == 0

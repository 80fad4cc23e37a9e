"""Order API against PostgreSQL with the in-test ScriptedBroker: submit (Idempotency-Key), field and
risk errors, scoping of list and detail, cancel (DELETE) and replace (PATCH), and the OpenAPI schema."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from trading.models import Order
from trading.tests.factories import funded_account, priced_instrument, scripted_brokers
from trading.tests.scoping import order_in_book

pytestmark = pytest.mark.django_db
LIST = reverse("api:order-list")


@pytest.fixture(autouse=True)
def brokers():
    with scripted_brokers() as broker:
        yield broker


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


@pytest.fixture
def account(advisor):
    return funded_account(advisor=advisor, cash="10000")


@pytest.fixture
def acme(db):
    return priced_instrument("ACME", "100")


def body(account, **fields):
    return {"account": account.pk, "symbol": "acme", "side": "buy", "qty": "10", **fields}


def test_submit_enters_the_order_and_dispatches_it_after_commit(
    advisor, account, acme, brokers, django_capture_on_commit_callbacks
):
    """201 with the queued order; after commit the dispatch sends it once and it is accepted."""
    with django_capture_on_commit_callbacks(execute=True):
        response = api(advisor).post(LIST, body(account, note="Core position"), format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "queued" and data["symbol"] == "ACME" and data["qty"] == "10.00000000"
    assert data["source"] == "api" and data["placed_by"] == advisor.pk and data["recommended_by"] == advisor.pk
    order = Order.objects.get(pk=data["id"])
    assert order.status == "accepted" and brokers.calls == [("submit", order.client_order_id)]


def test_same_idempotency_key_and_body_returns_the_same_order_and_another_body_is_409(advisor, account, acme):
    client = api(advisor)

    first = client.post(LIST, body(account), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(LIST, body(account), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = client.post(LIST, body(account, qty="11"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert Order.objects.filter(account=account).count() == 1


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"order_type": "limit"}, "invalid_order", "limit_price"),
        ({"qty": None, "notional": None}, "invalid_order", "qty"),
        ({"symbol": "NOPE"}, "invalid_order", "symbol"),
        ({"side": "short"}, "invalid", "side"),
        ({"qty": "1000"}, "insufficient_buying_power", "qty"),
        ({"order_type": "limit", "limit_price": "150"}, "price_band", "limit_price"),
    ],
)
def test_bad_orders_are_400_with_field_errors(advisor, account, acme, fields, code, field):
    """Field rules and pre-trade risk both answer 400 with a stable code and the offending field."""
    response = api(advisor).post(LIST, body(account, **fields), format="json")

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert field in error["fields"], error
    assert not Order.objects.exists()


def test_another_books_account_is_a_field_error_and_reading_roles_are_refused(
    advisor, other_advisor, compliance_officer, acme
):
    theirs = funded_account(advisor=other_advisor)

    response = api(advisor).post(LIST, body(theirs), format="json")
    refused = api(compliance_officer).post(LIST, body(theirs), format="json")

    assert response.status_code == 400 and response.json()["error"]["fields"] == {"account": ["No such account."]}
    assert refused.status_code == 403
    assert not Order.objects.exists()


def test_list_is_scoped_and_filtered(advisor, other_advisor, compliance_officer, account):
    mine = order_in_book(advisor, account=account)
    filled = order_in_book(advisor, account=account, status="filled", side="sell")
    theirs = order_in_book(other_advisor)

    def ids(user, **params):
        response = api(user).get(LIST, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(advisor) == {mine.pk, filled.pk}
    assert ids(compliance_officer) == {mine.pk, filled.pk, theirs.pk}
    assert ids(advisor, status="open") == {mine.pk}
    assert ids(advisor, status="closed") == {filled.pk}
    assert ids(advisor, side="sell") == {filled.pk}
    assert ids(advisor, symbol=mine.instrument.symbol.lower()) == {mine.pk}
    assert ids(advisor, account=account.pk + 1000) == set()
    bad = api(advisor).get(LIST, {"status": "bogus"})
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]


def test_detail_has_memorandum_history_and_fills(advisor, account, acme, brokers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = api(advisor).post(LIST, body(account, discretionary=True), format="json").json()
    order = Order.objects.get(pk=created["id"])
    from trading.services import apply_trade_update

    apply_trade_update(
        brokers.update(order.client_order_id, "fill", qty=Decimal("10"), price=Decimal("100.5"), execution_id="x1"),
        source="test",
    )

    data = api(advisor).get(reverse("api:order-detail", args=[order.pk])).json()

    assert data["status"] == "filled" and data["discretionary"] is True and data["filled_avg_price"] == "100.500000"
    assert [(step["from_status"], step["to_status"]) for step in data["transitions"]] == [
        ("", "queued"),
        ("queued", "accepted"),
        ("accepted", "filled"),
    ]
    assert data["transitions"][0]["actor"] == (advisor.get_full_name() or advisor.username)
    assert [(fill["execution_id"], fill["qty"]) for fill in data["fills"]] == [("x1", "10.00000000")]
    assert data["fills"][0]["transaction"] is not None


def test_delete_cancels_and_patch_replaces(advisor, account, acme, brokers, django_capture_on_commit_callbacks):
    client = api(advisor)
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(LIST, body(account, qty="1"), format="json").json()  # accepted after commit
        kept = client.post(LIST, body(account, qty="2"), format="json").json()
    url = reverse("api:order-detail", args=[queued["id"]])

    canceled = client.delete(url, {"reason": "Client changed their mind"}, format="json")
    again = client.delete(url, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        replaced = client.patch(reverse("api:order-detail", args=[kept["id"]]), {"qty": "3"}, format="json")
    nothing = client.patch(reverse("api:order-detail", args=[kept["id"]]), {}, format="json")

    assert canceled.status_code == 200 and canceled.json()["status"] == "pending_cancel"
    assert again.status_code == 200 and again.json()["status"] == "pending_cancel"
    assert canceled.json()["transitions"][-1]["details"] == {"reason": "Client changed their mind"}
    assert replaced.status_code == 201, replaced.content
    assert replaced.json()["replaces"] == kept["id"] and replaced.json()["qty"] == "3.00000000"
    assert nothing.status_code in (400, 409)


def test_cancel_of_a_filled_order_is_409_and_reading_roles_get_403(advisor, compliance_officer, account):
    order = order_in_book(advisor, account=account, status="filled")
    url = reverse("api:order-detail", args=[order.pk])

    assert api(compliance_officer).delete(url).status_code == 403
    response = api(advisor).delete(url)

    assert response.status_code == 409 and response.json()["error"]["code"] == "order_not_open"


def test_schema_documents_the_order_endpoints(advisor):
    schema = APIClient().get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]

    assert {"get", "post"} <= set(paths["/api/v1/orders/"])
    assert {"get", "delete", "patch"} <= set(paths["/api/v1/orders/{id}/"])
    assert "get" in paths["/api/v1/orders/statistics/"]
    assert any(p["name"] == "Idempotency-Key" for p in paths["/api/v1/orders/"]["post"]["parameters"])

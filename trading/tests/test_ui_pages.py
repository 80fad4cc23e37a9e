"""Trading pages: the ticket's preview shows impact and every coded risk check, submit enters the
order, the blotter filters and paginates, the order page shows the memorandum, fills and history and
cancels/replaces, and reading roles cannot trade."""

from decimal import Decimal

import pytest
from django.urls import reverse

from trading.models import Order
from trading.services import apply_trade_update
from trading.tests.factories import funded_account, priced_instrument, scripted_brokers
from trading.tests.scoping import order_in_book

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def brokers():
    with scripted_brokers() as broker:
        yield broker


@pytest.fixture
def account(advisor):
    return funded_account(advisor=advisor, cash="10000")


@pytest.fixture
def acme(db):
    return priced_instrument("ACME", "100")


def ticket(account, **fields):
    return {
        "account": account.pk,
        "symbol": "acme",
        "side": "buy",
        "order_type": "market",
        "time_in_force": "day",
        "qty": "10",
        **fields,
    }


def test_preview_shows_cash_and_weight_after_and_each_risk_check(client, advisor, account, acme):
    client.force_login(advisor)

    html = client.post(reverse("trading:ticket-preview"), ticket(account), HTTP_HX_REQUEST="true").content.decode()

    assert "All pre-trade checks pass." in html
    # 10 shares at the last close of 100 out of 10,000 cash: 9,000 left, 10 % of the account.
    assert 'id="cash-after">9000.00<' in html and 'id="weight-after">10.00 %<' in html
    for name in ("kill_switch", "restricted_list", "last_price", "buying_power", "max_order_notional", "price_band"):
        assert f'data-check="{name}"' in html
    assert not Order.objects.exists()  # a preview writes nothing


def test_preview_names_the_failed_check_and_field_errors(client, advisor, account, acme):
    client.force_login(advisor)

    refused = client.post(reverse("trading:ticket-preview"), ticket(account, qty="500")).content.decode()
    invalid = client.post(reverse("trading:ticket-preview"), ticket(account, order_type="limit")).content.decode()

    assert "1 check would refuse this order." in refused
    assert 'data-check="buying_power" data-code="insufficient_buying_power"' in refused
    assert 'data-code="invalid_order"' in invalid and "limit_price" in invalid


def test_submit_enters_the_order_and_shows_its_page(client, advisor, account, acme):
    client.force_login(advisor)
    form = client.get(reverse("trading:ticket"), {"account": account.pk, "symbol": "ACME"})
    key = form.context["form"].initial["idempotency_key"]

    response = client.post(reverse("trading:ticket"), ticket(account, idempotency_key=key, note="Rebuild core"))
    twice = client.post(reverse("trading:ticket"), ticket(account, idempotency_key=key, note="Rebuild core"))

    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("trading:order-detail", args=[order.pk])
    assert twice["Location"] == response["Location"]  # a double submit enters one order
    assert order.source == "ticket" and order.note == "Rebuild core" and order.placed_by == advisor


def test_submit_refused_by_risk_shows_the_error_on_the_field(client, advisor, account, acme):
    client.force_login(advisor)

    response = client.post(reverse("trading:ticket"), ticket(account, qty="500"))

    assert response.status_code == 400
    assert response.context["form"].errors["qty"]
    assert not Order.objects.exists()


def test_reading_roles_cannot_open_the_ticket(client, compliance_officer):
    client.force_login(compliance_officer)

    assert client.get(reverse("trading:ticket")).status_code == 403


def test_blotter_filters_paginates_and_is_scoped(client, advisor, other_advisor, account):
    mine = order_in_book(advisor, account=account)
    done = order_in_book(advisor, account=account, status="canceled")
    theirs = order_in_book(other_advisor)
    client.force_login(advisor)

    shown = client.get(reverse("trading:blotter")).context["orders"]
    open_only = client.get(reverse("trading:blotter"), {"status": "open"}).context["orders"]
    rows = client.get(reverse("trading:blotter"), {"fragment": "rows"}, HTTP_HX_REQUEST="true")

    assert {order.pk for order in shown} == {mine.pk, done.pk}
    assert [order.pk for order in open_only] == [mine.pk]
    assert theirs.instrument.symbol not in rows.content.decode()
    assert rows.templates[0].name == "trading/blotter_rows.html"


def test_blotter_costs_the_same_queries_for_many_rows(client, advisor, account, django_assert_max_num_queries):
    for _ in range(3):
        order_in_book(advisor, account=account)
    client.force_login(advisor)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("trading:blotter"))
    for _ in range(20):
        order_in_book(advisor, account=account)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("trading:blotter"))


def test_order_page_shows_memorandum_fills_and_history(client, advisor, account, acme, brokers):
    client.force_login(advisor)
    client.post(reverse("trading:ticket"), ticket(account, discretionary="on"))
    order = Order.objects.get()
    from trading.services import dispatch_order

    dispatch_order(order.pk)
    order.refresh_from_db()
    apply_trade_update(
        brokers.update(order.client_order_id, "fill", qty=Decimal("10"), price=Decimal("100.1"), execution_id="e-1"),
        source="test",
    )

    html = client.get(reverse("trading:order-detail", args=[order.pk])).content.decode()
    live = client.get(
        reverse("trading:order-detail", args=[order.pk]), {"fragment": "live"}, HTTP_HX_REQUEST="true"
    ).content.decode()

    assert 'id="discretionary">Yes<' in html and "Order memorandum" in html
    assert order.client_order_id in html and "Paper simulator" in html
    assert 'data-to="queued"' in html and 'data-to="accepted"' in html and 'data-to="filled"' in html
    assert "e-1" in html and "Booked (transaction" in html
    assert 'data-status="filled"' in live and "Order memorandum" not in live
    assert 'id="cancel-form"' not in html  # a filled order cannot be canceled


def test_order_page_cancels_and_replaces(client, advisor, account, acme):
    client.force_login(advisor)
    client.post(reverse("trading:ticket"), ticket(account, qty="2"))
    first = Order.objects.get()
    from trading.services import dispatch_order

    dispatch_order(first.pk)
    url = reverse("trading:order-detail", args=[first.pk])
    assert 'id="replace-form"' in client.get(url).content.decode()

    replaced = client.post(url, {"action": "replace", "replace-qty": "3"})
    new = Order.objects.get(replaces=first)
    canceled = client.post(url, {"action": "cancel", "cancel-reason": "Wrong account"})
    empty = client.post(reverse("trading:order-detail", args=[new.pk]), {"action": "replace"})

    assert replaced["Location"] == reverse("trading:order-detail", args=[new.pk])
    assert canceled.status_code == 302
    first.refresh_from_db()
    assert first.status in ("pending_cancel", "pending_replace")
    assert empty.status_code == 400 and "order cannot be replaced." in empty.content.decode()


def test_reading_roles_see_orders_but_cannot_change_them(client, advisor, compliance_officer, account):
    order = order_in_book(advisor, account=account)
    client.force_login(compliance_officer)
    url = reverse("trading:order-detail", args=[order.pk])

    page = client.get(url).content.decode()

    assert 'id="cancel-form"' not in page
    assert client.post(url, {"action": "cancel"}).status_code == 403

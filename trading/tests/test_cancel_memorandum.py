"""The cancel request stays in the order memorandum when the broker's ``canceled`` arrives first.

Committed transactions (``transaction=True``) and the real paper simulator with Celery eager, as in
production: the simulator ends the order inside ``cancel_order``'s broker call and its ``canceled``
update is applied at once, before ``cancel_order`` stores its request. Who asked and why must still be
in the state history (and the API's) and in the audit trail.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from compliance.models import AuditEvent
from trading.services import cancel_order
from trading.tests.factories import funded_account, gtc_limit_buy, priced_instrument

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def simulator(settings):
    settings.TRADING_BROKERS = {}  # the real simulator for paper accounts
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from trading.brokers.registry import clear_cache

    clear_cache()
    yield
    clear_cache()


def resting_limit(advisor):
    account = funded_account(advisor=advisor, cash="10000")
    priced_instrument("ACME", close="100")
    order = gtc_limit_buy(account, advisor, qty="5", limit="95")
    order.refresh_from_db()
    assert order.status == "new", "the simulator accepted it and it rests below the market"
    return order


def test_cancel_confirmed_before_the_request_is_stored_keeps_who_and_why(advisor):
    order = resting_limit(advisor)

    cancel_order(order=order, actor=advisor, reason="Client changed their mind")

    order.refresh_from_db()
    assert order.status == "canceled" and order.cancel_requested_at is not None
    history = list(order.transitions.order_by("id").values_list("from_status", "to_status", "cause", "actor_id"))
    # The broker's news came first (no pending_cancel step), then the request itself is noted.
    assert history[-2] == ("new", "canceled", "trade_update", None)
    assert history[-1] == ("canceled", "canceled", "cancel_request", advisor.pk)
    noted = order.transitions.order_by("id").last()
    assert noted.details["reason"] == "Client changed their mind"
    assert noted.details["status_when_requested"] == "new"
    assert noted.details["requested_at"] <= noted.at.isoformat()
    event = AuditEvent.objects.get(action="order.cancel_request", object_id=str(order.pk))
    assert event.actor_id == advisor.pk and event.metadata["reason"] == "Client changed their mind"
    assert event.metadata["cause"] == "cancel_request"

    detail = APIClient()
    detail.force_authenticate(advisor)
    steps = detail.get(reverse("api:order-detail", args=[order.pk])).json()["transitions"]
    assert steps[-1]["cause"] == "cancel_request" and steps[-1]["details"]["reason"] == "Client changed their mind"
    assert steps[-1]["actor"] == (advisor.get_full_name() or advisor.username)


def test_order_page_shows_who_canceled_and_why(advisor, client):
    order = resting_limit(advisor)
    cancel_order(order=order, actor=advisor, reason="Wrong account")

    client.force_login(advisor)
    page = client.get(reverse("trading:order-detail", args=[order.pk]))

    assert page.status_code == 200
    history = page.content.decode().split('id="history"', 1)[1]
    assert "Cancel requested" in history and "Wrong account" in history
    assert (advisor.get_full_name() or advisor.username) in history

"""Live order streams on the in-memory channel layer (``make run``'s embedded default): news from the
Celery worker cannot reach the web process there, so the streams look for changed orders themselves —
in the user's scope, like the broadcasts."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from accounts.tests.factories import AdvisorFactory, FirmFactory
from trading import consumers
from trading.models import Order
from trading.routing import websocket_urlpatterns
from trading.tests.scoping import order_in_book

pytestmark = pytest.mark.django_db(transaction=True)
IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@database_sync_to_async
def changed_elsewhere(order, status):
    """A change made in another process: no signal, no broadcast reaches this one."""
    Order.objects.filter(pk=order.pk).update(status=status, updated_at=timezone.now())


def test_streams_poll_for_changes_in_scope_when_the_layer_is_in_memory(settings, monkeypatch):
    settings.CHANNEL_LAYERS = IN_MEMORY
    monkeypatch.setattr(consumers, "POLL_SECONDS", 0.05)
    firm = FirmFactory()
    advisor, stranger = AdvisorFactory(firm=firm), AdvisorFactory(firm=firm)
    mine, theirs = order_in_book(advisor), order_in_book(stranger)
    app = URLRouter(websocket_urlpatterns)

    async def scenario():
        blotter = WebsocketCommunicator(app, "/ws/orders/")
        blotter.scope["user"] = advisor
        one_order = WebsocketCommunicator(app, f"/ws/orders/{mine.pk}/")
        one_order.scope["user"] = advisor
        assert (await blotter.connect(timeout=3))[0] and (await one_order.connect(timeout=3))[0]

        await changed_elsewhere(theirs, "filled")
        await changed_elsewhere(mine, "filled")

        news = await blotter.receive_json_from(timeout=3)
        assert (news["order"]["id"], news["order"]["status"]) == (mine.pk, "filled")
        assert (await one_order.receive_json_from(timeout=3))["order"]["id"] == mine.pk
        assert await blotter.receive_nothing(timeout=0.3), "another book's order reached the advisor"
        await blotter.disconnect()
        await one_order.disconnect()

    async_to_sync(scenario)()

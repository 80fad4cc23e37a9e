"""Live order streams through the channel layer: the blotter stream delivers the user's book's order
changes and nothing of another book; the per-order stream refuses another advisor's order; anonymous
sockets are refused. Changes are made through the services and committed (transactional tests), so
the broadcast runs exactly as in production: signal after commit → channel layer → consumer."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from accounts.tests.factories import AdvisorFactory, ComplianceFactory, FirmFactory, OperatorFactory
from trading import broadcast
from trading.consumers import NOT_FOUND, NOT_SIGNED_IN
from trading.routing import websocket_urlpatterns
from trading.services import cancel_order
from trading.tests.scoping import order_in_book

pytestmark = pytest.mark.django_db(transaction=True)
APP = URLRouter(websocket_urlpatterns)


async def connect(path: str, user):
    communicator = WebsocketCommunicator(APP, path)
    communicator.scope["user"] = user
    connected, code = await communicator.connect(timeout=3)
    return communicator, connected, code


@database_sync_to_async
def cancel(order, actor):
    cancel_order(order=order, actor=actor, reason="test")
    broadcast.flush()


def run(scenario):
    async_to_sync(scenario)()


def test_blotter_delivers_own_book_changes_and_never_another_books():
    firm = FirmFactory()
    advisor, stranger = AdvisorFactory(firm=firm), AdvisorFactory(firm=firm)
    compliance = ComplianceFactory(firm=firm)
    outsider = OperatorFactory(firm=FirmFactory())
    mine, theirs = order_in_book(advisor), order_in_book(stranger)

    async def scenario():
        own, ok_own, _ = await connect("/ws/orders/", advisor)
        firm_wide, ok_firm, _ = await connect("/ws/orders/", compliance)
        other_firm, ok_other, _ = await connect("/ws/orders/", outsider)
        assert ok_own and ok_firm and ok_other
        await cancel(theirs, stranger)  # another book's order changes first …
        await cancel(mine, advisor)  # … then the advisor's own
        first = await own.receive_json_from(timeout=3)
        assert first["order"]["id"] == mine.pk, "another book's order reached the advisor"
        assert first["order"]["status"] == "canceled" and first["event"] == "transition"
        assert first["order"]["url"] == f"/orders/{mine.pk}/"
        seen = {(await firm_wide.receive_json_from(timeout=3))["order"]["id"] for _ in range(2)}
        assert seen == {mine.pk, theirs.pk}
        assert await own.receive_nothing(timeout=0.3)
        assert await other_firm.receive_nothing(timeout=0.3)
        for communicator in (own, firm_wide, other_firm):
            await communicator.disconnect()

    run(scenario)


def test_order_stream_refuses_another_advisors_order_and_streams_its_own():
    firm = FirmFactory()
    advisor, stranger = AdvisorFactory(firm=firm), AdvisorFactory(firm=firm)
    mine, theirs = order_in_book(advisor), order_in_book(stranger)

    async def scenario():
        _, refused, code = await connect(f"/ws/orders/{theirs.pk}/", advisor)
        assert (refused, code) == (False, NOT_FOUND)
        _, anonymous, anonymous_code = await connect(f"/ws/orders/{mine.pk}/", AnonymousUser())
        assert (anonymous, anonymous_code) == (False, NOT_SIGNED_IN)
        stream, connected, _ = await connect(f"/ws/orders/{mine.pk}/", advisor)
        assert connected
        await cancel(theirs, stranger)
        await cancel(mine, advisor)
        message = await stream.receive_json_from(timeout=3)
        assert message["order"]["id"] == mine.pk and message["order"]["status"] == "canceled"
        assert await stream.receive_nothing(timeout=0.3)
        await stream.disconnect()

    run(scenario)


def test_anonymous_blotter_is_refused():
    async def scenario():
        _, connected, code = await connect("/ws/orders/", AnonymousUser())
        assert (connected, code) == (False, NOT_SIGNED_IN)

    run(scenario)


def test_an_unreachable_channel_layer_never_breaks_the_write(settings, caplog):
    """Live news is best effort: with Redis unreachable the cancel still commits, and the failure is logged."""
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}
    }
    advisor = AdvisorFactory(firm=FirmFactory())
    order = order_in_book(advisor)

    cancel_order(order=order, actor=advisor, reason="layer down")
    broadcast.flush(timeout=10)

    order.refresh_from_db()
    assert order.status == "canceled"
    assert "order broadcast failed" in caplog.text

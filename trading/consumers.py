"""Live order streams (Channels): the blotter's ``ws/orders/`` and one order's ``ws/orders/<id>/``.

Thin, per the house style: authenticate in ``connect``, join only groups the user may see, and
re-read the order in the user's scope for every event before forwarding it (``trading.payloads``
holds the shapes). Close codes: 4401 not signed in, 4404 no such order in the user's scope.

With the in-memory channel layer (the embedded default of ``make run``) news sent by the Celery
worker, where fills are booked, cannot reach this process; the streams then look for changed orders
themselves every ``POLL_SECONDS`` instead, with the same scoping and the same payloads.
"""

import asyncio
import datetime as dt

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import InMemoryChannelLayer
from django.utils import timezone

from accounts.choices import Role
from accounts.selectors import book_advisor_ids
from portfolios.selectors import accounts_visible_to

from .payloads import account_group, advisor_group, firm_group, order_group, order_payload
from .selectors import orders_visible_to

NOT_SIGNED_IN = 4401
NOT_FOUND = 4404
POLL_SECONDS = 2.0
POLL_BATCH = 50


@database_sync_to_async
def _blotter_groups(user) -> list[str]:
    if user.firm_id is None:
        return []
    if user.role in (Role.OPERATOR, Role.COMPLIANCE):
        return [firm_group(user.firm_id)]
    if user.role == Role.ADVISOR:
        return [advisor_group(advisor_id) for advisor_id in sorted(book_advisor_ids(user))]
    return [account_group(pk) for pk in accounts_visible_to(user).values_list("pk", flat=True)]


@database_sync_to_async
def _visible_payload(user, order_id: int, event: str) -> dict | None:
    order = orders_visible_to(user).select_related("account", "instrument").filter(pk=order_id).first()
    return None if order is None else order_payload(order, event=event)


@database_sync_to_async
def _changed_since(user, order_id: int | None, since: dt.datetime) -> tuple[list[dict], dt.datetime]:
    orders = orders_visible_to(user).select_related("account", "instrument").filter(updated_at__gt=since)
    if order_id is not None:
        orders = orders.filter(pk=order_id)
    changed = list(orders.order_by("updated_at", "pk")[:POLL_BATCH])
    latest = changed[-1].updated_at if changed else since
    return [order_payload(order, event="changed") for order in changed], latest


@database_sync_to_async
def _can_see(user, order_id: int) -> bool:
    return orders_visible_to(user).filter(pk=order_id).exists()


class _OrderStream(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]
    # The one order a stream is about; None for every order the user may see.
    order_id: int | None = None
    poller: asyncio.Task | None = None

    async def join(self, groups: list[str]) -> None:
        self.groups_joined = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        if isinstance(self.channel_layer, InMemoryChannelLayer):
            self.poller = asyncio.create_task(self.poll_changes(since=timezone.now()))

    async def poll_changes(self, *, since: dt.datetime) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            payloads, since = await _changed_since(self.scope["user"], self.order_id, since)
            for payload in payloads:
                await self.send_json(payload)

    async def disconnect(self, code) -> None:
        if self.poller is not None:
            self.poller.cancel()
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def order_changed(self, message: dict) -> None:
        payload = await _visible_payload(self.scope["user"], message["order_id"], message.get("event", ""))
        if payload is not None:
            await self.send_json(payload)

    async def receive_json(self, content, **kwargs) -> None:
        """The streams are one-way; anything a browser sends is ignored."""


class BlotterConsumer(_OrderStream):
    """Every order the user may see, as it changes."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=NOT_SIGNED_IN)
            return
        await self.join(await _blotter_groups(user))
        await self.accept()


class OrderConsumer(_OrderStream):
    """One order's changes; another book's order is refused."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=NOT_SIGNED_IN)
            return
        self.order_id = int(self.scope["url_route"]["kwargs"]["pk"])
        if not await _can_see(user, self.order_id):
            await self.close(code=NOT_FOUND)
            return
        await self.join([order_group(self.order_id)])
        await self.accept()

"""Live order news: after every committed transition or fill (``trading.signals.order_changed``) a
small message goes to the groups of the streams that may show the order — its firm (operators,
compliance), its household's advisor (that book's advisors), its account (clients) and the order's
own stream. The message carries ids only; each consumer re-reads the order in its user's scope.

Sending must never slow or break the write that caused it: the signal handler only hands the ids
to a sender thread, which looks up the groups (one query) and passes the message to one event loop
thread per process that keeps its channel-layer connection open (a send costs ~0.6 ms there, against
~7 ms through ``async_to_sync``, which opens a connection per call). Failures are logged, never
raised. ``flush()`` waits until what was handed over is sent (tests, management commands).
"""

import asyncio
import contextlib
import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import close_old_connections
from django.dispatch import receiver

from portfolios.models import Account

from .payloads import account_group, advisor_group, broadcast_message, firm_group, order_group
from .signals import order_changed

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_state: dict = {"pid": None, "loop": None, "sender": None, "pending": set()}


def _started() -> dict:
    """This process's sending loop and sender thread (new ones after a fork: a child has no threads)."""
    with _lock:
        if _state["pid"] != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="order-broadcast-loop", daemon=True).start()
            sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="order-broadcast")
            _state.update(pid=os.getpid(), loop=loop, sender=sender, pending=set())
        return _state


def _loop() -> asyncio.AbstractEventLoop:
    return _started()["loop"]


def _sender() -> ThreadPoolExecutor:
    return _started()["sender"]


def groups_for(*, order_id: int, account_id: int, firm_id: int) -> list[str]:
    advisor_id = Account.objects.filter(pk=account_id).values_list("client__household__advisor_id", flat=True).first()
    groups = [firm_group(firm_id), account_group(account_id), order_group(order_id)]
    if advisor_id:
        groups.append(advisor_group(advisor_id))
    return groups


async def _send(layer, groups: list[str], message: dict) -> None:
    await asyncio.gather(*(layer.group_send(group, message) for group in groups))


def _done(future: Future) -> None:
    _state["pending"].discard(future)
    error = future.exception()
    if error is not None:
        logger.warning("order broadcast failed: %s", error)


def broadcast(*, order_id: int, account_id: int, firm_id: int, event: str) -> None:
    """Hand the news of ``order_id`` to the sender without waiting for it."""
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer):
        # The in-memory layer (development without Redis) lives in the server's own loop: send now.
        from asgiref.sync import async_to_sync

        try:
            groups = groups_for(order_id=order_id, account_id=account_id, firm_id=firm_id)
            async_to_sync(_send)(layer, groups, broadcast_message(order_id=order_id, event=event))
        except Exception:
            logger.exception("order broadcast failed for order %s", order_id)
        return
    try:
        future = _sender().submit(_deliver, layer, order_id, account_id, firm_id, event)
    except RuntimeError:  # the interpreter is shutting down
        logger.warning("order broadcast dropped for order %s", order_id)
        return
    _state["pending"].add(future)
    future.add_done_callback(_done)


def _deliver(layer, order_id: int, account_id: int, firm_id: int, event: str) -> None:
    """On the sender thread: find the groups (one query, off the request's path) and send."""
    try:
        groups = groups_for(order_id=order_id, account_id=account_id, firm_id=firm_id)
    finally:
        close_old_connections()
    message = broadcast_message(order_id=order_id, event=event)
    asyncio.run_coroutine_threadsafe(_send(layer, groups, message), _loop()).result(timeout=10)


def flush(timeout: float = 5) -> None:
    """Wait until every message handed over so far is sent (or failed)."""
    for future in list(_state["pending"]):
        with contextlib.suppress(Exception):  # already logged by _done
            future.result(timeout)


@receiver(order_changed, dispatch_uid="trading.broadcast")
def on_order_changed(sender, *, order_id, account_id, firm_id, event="transition", **kwargs) -> None:
    broadcast(order_id=order_id, account_id=account_id, firm_id=firm_id, event=event)

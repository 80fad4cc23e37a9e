"""Alpaca's ``trade_updates`` stream → ``trading.services.apply_trade_update``, one event at a time.

alpaca-py's ``TradingStream`` (``url_override`` from ``ALPACA_STREAM_URL``) keeps the WebSocket up and
reconnects with exponential backoff and jitter. Each event becomes a ``base.TradeUpdate`` with exact
decimals (the stream runs with ``raw_data=True``: the SDK's own event model would turn prices into
floats) and is applied in order, in a worker thread, by the one service every broker uses.

The worker's health (running, connected, last event, counts) is kept in the cache for operators:
``stream_status()``; a worker that stopped heart-beating for three heartbeats (``HEARTBEAT_SECONDS``) is not running.

Alpaca does not replay events missed while disconnected, so every (re)connection calls ``on_connect``:
by default it starts the reconciliation with the broker, which repairs what the gap hid. A bad event is
logged and counted but does not stop the stream; the reconciliation repairs that order too.
"""

import asyncio
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

from alpaca.trading.models import Order as AlpacaOrder
from alpaca.trading.stream import TradingStream
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, close_old_connections, connections

from trading.brokers.alpaca import broker_order_from_alpaca
from trading.brokers.base import TradeUpdate

logger = logging.getLogger(__name__)
SOURCE = "alpaca_stream"
DATABASE_RETRIES = 3
STATUS_KEY = "trading:alpaca_stream:status"
HEARTBEAT_SECONDS = 15.0


@dataclass(frozen=True)
class StreamStatus:
    running: bool
    connected: bool
    alive_at: dt.datetime | None = None
    connected_at: dt.datetime | None = None
    last_event_at: dt.datetime | None = None
    connections: int = 0
    received: int = 0
    applied: int = 0
    failed: int = 0


def stream_status(now: dt.datetime | None = None) -> StreamStatus:
    """What the operator dashboard shows about the trade_updates worker."""
    data = cache.get(STATUS_KEY)
    if not data:
        return StreamStatus(running=False, connected=False)
    now = now or dt.datetime.now(dt.UTC)
    running = data["running"] and now - data["alive_at"] < dt.timedelta(seconds=3 * HEARTBEAT_SECONDS)
    return StreamStatus(**{**data, "running": running, "connected": running and data["connected"]})


def _decimal(value) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def trade_update_from_message(data: dict) -> TradeUpdate:
    """The ``data`` of one ``trade_updates`` message → ``TradeUpdate``. Raises ValueError/KeyError if unreadable."""
    timestamp = dt.datetime.fromisoformat(str(data["timestamp"]).replace("Z", "+00:00"))
    if timestamp.tzinfo is None:
        raise ValueError("trade update timestamp has no time zone")
    return TradeUpdate(
        event=str(data["event"]),
        order=broker_order_from_alpaca(AlpacaOrder(**data["order"])),
        timestamp=timestamp,
        execution_id=str(data.get("execution_id") or ""),
        price=_decimal(data.get("price")),
        qty=_decimal(data.get("qty")),
        position_qty=_decimal(data.get("position_qty")),
    )


def _apply_trade_update(update: TradeUpdate, *, source: str):
    from trading.services import apply_trade_update

    return apply_trade_update(update, source=source)


def _reconcile_after_connect() -> None:
    from trading.tasks import reconcile_task

    reconcile_task.delay("alpaca")


class _Stream(TradingStream):
    """TradingStream that reports each successful (re)connection."""

    def __init__(self, *args, on_connect: Callable[[], None], **kwargs):
        super().__init__(*args, **kwargs)
        self._on_connect = on_connect

    async def _start_ws(self):
        await super()._start_ws()
        await self._on_connect()


class TradeStreamWorker:
    def __init__(
        self,
        *,
        api_key: str,
        secret_key: str,
        url: str,
        apply: Callable[..., object] = _apply_trade_update,
        on_connect: Callable[[], None] = _reconcile_after_connect,
        min_backoff: float = 1.0,
        max_backoff: float = 30.0,
    ):
        self.apply = apply
        self.on_connect = on_connect
        self.received = self.applied = self.failed = self.connections = 0
        self.stream = _Stream(api_key, secret_key, raw_data=True, url_override=url or None, on_connect=self._connected)
        self.stream._reconnect_min_backoff = min_backoff
        self.stream._reconnect_max_backoff = max_backoff
        self.stream.subscribe_trade_updates(self._handle)
        self._stopped = threading.Event()
        self._connected_at: dt.datetime | None = None
        self._last_event_at: dt.datetime | None = None

    @classmethod
    def from_settings(cls, **overrides) -> "TradeStreamWorker":
        options = {
            "api_key": settings.ALPACA_API_KEY,
            "secret_key": settings.ALPACA_SECRET_KEY,
            "url": settings.ALPACA_STREAM_URL,
        }
        return cls(**{**options, **overrides})

    # --- running ------------------------------------------------------------------------------
    def run(self) -> None:
        """Block, streaming and reconnecting, until ``stop()``.

        Database work happens in one thread of our own (updates stay in order, the event loop never
        blocks on the database); its connection is closed when the stream stops.
        """
        self._stopped.clear()
        self._database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trade-updates")
        beating = threading.Event()
        heartbeat = threading.Thread(target=self._heartbeat, args=(beating,), name="trade-updates-heartbeat")
        heartbeat.start()
        try:
            self.stream.run()
        finally:
            self._database.submit(connections.close_all).result()
            self._database.shutdown()
            beating.set()
            heartbeat.join()
            self._report(running=False)
            self._stopped.set()

    def _heartbeat(self, stop: threading.Event) -> None:
        self._report()
        while not stop.wait(HEARTBEAT_SECONDS):
            self._report()

    def _report(self, *, running: bool = True) -> None:
        status = StreamStatus(
            running=running,
            connected=running and bool(self.stream._running),
            alive_at=dt.datetime.now(dt.UTC),
            connected_at=self._connected_at,
            last_event_at=self._last_event_at,
            connections=self.connections,
            received=self.received,
            applied=self.applied,
            failed=self.failed,
        )
        try:
            cache.set(STATUS_KEY, status.__dict__, timeout=None)
        except Exception:  # health reporting must never stop the stream
            logger.warning("could not record the trade_updates worker's status", exc_info=True)

    async def _in_database_thread(self, function, *args):
        return await asyncio.get_running_loop().run_in_executor(self._database, function, *args)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop from another thread: ask the SDK to stop and cut the socket so it need not wait for a frame."""
        deadline = time.monotonic() + timeout
        while self.stream._loop is None and time.monotonic() < deadline and not self._stopped.is_set():
            time.sleep(0.01)  # run() has not started its loop yet
        loop = self.stream._loop
        if loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(self._stop(), loop).result(timeout)
        self._stopped.wait(max(0.0, deadline - time.monotonic()))

    async def _stop(self) -> None:
        await self.stream.stop_ws()
        await self.stream.close()

    # --- events ---------------------------------------------------------------------------------
    async def _connected(self) -> None:
        self.connections += 1
        self._connected_at = dt.datetime.now(dt.UTC)
        await self._in_database_thread(self._report)
        logger.info("trade_updates stream connected (connection %d)", self.connections)
        try:
            await self._in_database_thread(self.on_connect)
        except Exception:
            logger.exception("catching up after the trade_updates connection failed")

    async def _handle(self, message: dict) -> None:
        self.received += 1
        self._last_event_at = dt.datetime.now(dt.UTC)
        try:
            update = trade_update_from_message(message.get("data") or {})
        except (KeyError, TypeError, ValueError):
            self.failed += 1
            logger.warning("unreadable trade update skipped: %.500r", message)
            return
        await self._in_database_thread(self._apply, update)
        await self._in_database_thread(self._report)

    def _apply(self, update: TradeUpdate) -> None:
        for attempt in range(1, DATABASE_RETRIES + 1):
            try:
                close_old_connections()
                self.apply(update, source=SOURCE)
            except (OperationalError, InterfaceError):
                logger.warning("database unavailable applying %s (attempt %d)", update.event, attempt)
                time.sleep(0.05 * 2**attempt)
                continue
            except Exception:
                self.failed += 1
                logger.exception("trade update %s for %s not applied", update.event, update.order.client_order_id)
                return
            self.applied += 1
            return
        self.failed += 1
        logger.error("trade update %s for %s lost to the database", update.event, update.order.client_order_id)

"""A loopback stand-in for Alpaca's trading API, spoken to by the real alpaca-py clients.

REST (JSON, ``APCA-API-KEY-ID``/``APCA-API-SECRET-KEY`` headers) on a threaded HTTP server:
``POST/GET /v2/orders``, ``GET/PATCH/DELETE /v2/orders/{id}``, ``GET /v2/orders:by_client_order_id``,
``GET /v2/account`` and ``GET /v2/positions``. The ``trade_updates`` WebSocket (``/stream``) answers
``authenticate`` and ``listen`` as Alpaca does and then pushes events in binary frames.

The order book (``fake_alpaca_book.AlpacaBook``) behaves as Alpaca does: a duplicate
``client_order_id`` is a 422 (code 40010001); an order is answered as ``accepted`` and a ``new``
event follows; cancel and replace answer at once and finish later (``pending_cancel`` /
``pending_replace`` first), so with ``hold_pending=True`` a test can make a fill win the race before
``complete_pending`` — the cancel is then rejected (``order_cancel_rejected``) or the replace refused
(``order_replace_rejected``, the replacement ``rejected``).

Faults are chosen per request: a queue (``fail_next``) or a rule (``fault_rule``). A fault is an HTTP
status (answer it without processing), ``"timeout"`` (stall past the client's timeout, unprocessed),
``"drop"`` (close without answering, unprocessed), or ``"accept_then_504"``, ``"accept_then_timeout"``,
``"accept_then_drop"`` (the request takes effect, then the answer fails).
"""

import contextlib
import itertools
import json
import queue
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from websockets.sync.server import serve as serve_websocket

from trading.tests.fake_alpaca_book import AlpacaBook, FakeRefusal

API_KEY = "test-key"
SECRET_KEY = "test-secret"


class FakeAlpacaTrading(AlpacaBook):
    def __init__(self, *, cash: Decimal = Decimal("1000000"), stall_seconds: float = 0.3, hold_pending: bool = False):
        super().__init__(cash=cash, hold_pending=hold_pending)
        self.stall_seconds = stall_seconds
        self.calls: list[dict] = []
        self.faults: deque = deque()
        self.fault_rule: Callable[[dict], object] | None = None
        self._outbox: queue.Queue = queue.Queue()
        self._listeners: set = set()
        self._listening = threading.Condition()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._http.daemon_threads = True
        self._http.handle_error = lambda request, client_address: None  # injected drops are not errors
        self._ws = serve_websocket(self._stream_session, "127.0.0.1", 0)
        self._threads = [
            threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True),
            threading.Thread(target=self._ws.serve_forever, daemon=True),
            threading.Thread(target=self._broadcast, daemon=True),
        ]

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._http.server_address
        return f"http://{host}:{port}"

    @property
    def stream_url(self) -> str:
        host, port = self._ws.socket.getsockname()[:2]
        return f"ws://{host}:{port}/stream"

    def start(self) -> "FakeAlpacaTrading":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._outbox.put(None)
        self._http.shutdown()
        self._http.server_close()
        self.drop_stream()
        self._ws.shutdown()

    # --- faults --------------------------------------------------------------------------------
    def fail_next(self, *faults) -> None:
        with self._lock:
            self.faults.extend(faults)

    def fail_every_other(self, faults: list, *, methods: tuple[str, ...] | None = None) -> None:
        """Fail every second matching request, cycling through ``faults``."""
        counter, cycle = itertools.count(), itertools.cycle(faults)

        def rule(call: dict):
            if methods and call["method"] not in methods:
                return None
            return next(cycle) if next(counter) % 2 == 1 else None

        self.fault_rule = rule

    def _choose_fault(self, call: dict):
        with self._lock:
            if self.faults:
                return self.faults.popleft()
            return self.fault_rule(call) if self.fault_rule else None

    # --- what tests look at ----------------------------------------------------------------
    def _publish(self, message: dict) -> None:
        self._outbox.put(message)

    def post_attempts(self) -> int:
        with self._lock:
            return sum(1 for call in self.calls if call["method"] == "POST" and call["path"] == "/v2/orders")

    def wait_for_listeners(self, count: int = 1, timeout: float = 5.0) -> None:
        with self._listening:
            if not self._listening.wait_for(lambda: len(self._listeners) >= count, timeout):
                raise TimeoutError(f"{len(self._listeners)} trade_updates listeners, expected {count}")

    def drop_stream(self) -> None:
        """Close every trade_updates connection, as a network failure would."""
        with self._listening:
            listeners, self._listeners = list(self._listeners), set()
        for connection in listeners:
            with contextlib.suppress(OSError):  # abrupt: no close frame, like a cut cable
                connection.socket.shutdown(socket.SHUT_RDWR)

    # --- HTTP ----------------------------------------------------------------------------------
    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's session expects
            disable_nagle_algorithm = True  # headers and body go out at once, no delayed-ACK stalls

            def log_message(self, *args):
                pass

            def _send(self, status: int, body) -> None:
                payload = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _drop(self) -> None:
                self.close_connection = True
                self.connection.close()

            def _serve(self, method: str) -> None:
                parsed = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw, parse_float=Decimal) if raw else {}
                call = {"method": method, "path": parsed.path, "body": body}
                fault = fake._choose_fault(call)
                call["fault"] = fault
                with fake._lock:
                    fake.calls.append(call)
                if fault == "drop":
                    return self._drop()
                if fault == "timeout":
                    time.sleep(fake.stall_seconds)
                    return self._drop()
                if isinstance(fault, int):
                    return self._send(fault, {"code": fault * 100000, "message": f"injected {fault}"})
                if (self.headers.get("APCA-API-KEY-ID"), self.headers.get("APCA-API-SECRET-KEY")) != (
                    API_KEY,
                    SECRET_KEY,
                ):
                    return self._send(401, {"code": 40110000, "message": "request is not authorized"})
                try:
                    with fake._lock:
                        status, answer = fake.route(method, parsed.path, parse_qs(parsed.query), body)
                except FakeRefusal as refusal:
                    status, answer = refusal.status, {"code": refusal.code, "message": refusal.message}
                call["status"] = status
                if fault == "accept_then_504":
                    return self._send(504, {"code": 50400000, "message": "gateway timeout"})
                if fault == "accept_then_timeout":
                    time.sleep(fake.stall_seconds)
                    return self._drop()
                if fault == "accept_then_drop":
                    return self._drop()
                self._send(status, answer)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def do_PATCH(self):
                self._serve("PATCH")

            def do_DELETE(self):
                self._serve("DELETE")

        return Handler

    # --- trade_updates WebSocket -----------------------------------------------------------------
    def _stream_session(self, connection) -> None:
        try:
            message = json.loads(connection.recv(timeout=5))
            data = message.get("data", {})
            authorized = message.get("action") == "authenticate" and (data.get("key_id"), data.get("secret_key")) == (
                API_KEY,
                SECRET_KEY,
            )
            status = "authorized" if authorized else "unauthorized"
            answer = {"stream": "authorization", "data": {"action": "authenticate", "status": status}}
            connection.send(json.dumps(answer).encode())
            if not authorized:
                return connection.close()
            while True:
                message = json.loads(connection.recv())
                if message.get("action") == "listen":
                    streams = [name for name in message["data"]["streams"] if name == "trade_updates"]
                    reply = {"stream": "listening", "data": {"streams": streams}}
                    with self._listening:
                        connection.send(json.dumps(reply).encode())
                        if streams:
                            self._listeners.add(connection)
                        self._listening.notify_all()
        except Exception:  # the client went away; nothing to clean but our set
            with self._listening:
                self._listeners.discard(connection)

    def _broadcast(self) -> None:
        while (message := self._outbox.get()) is not None:
            frame = json.dumps(message).encode()
            with self._listening:
                for connection in list(self._listeners):
                    try:
                        connection.send(frame)
                    except Exception:
                        self._listeners.discard(connection)


@pytest.fixture
def fake_alpaca_trading():
    fake = FakeAlpacaTrading().start()
    yield fake
    fake.stop()


@pytest.fixture
def alpaca_settings(settings, fake_alpaca_trading):
    """Point the Alpaca adapter and stream at the fake, with timeouts short enough for injected stalls."""
    settings.ALPACA_API_KEY = API_KEY
    settings.ALPACA_SECRET_KEY = SECRET_KEY
    settings.ALPACA_TRADING_URL = fake_alpaca_trading.url
    settings.ALPACA_STREAM_URL = fake_alpaca_trading.stream_url
    settings.ALPACA_CONNECT_TIMEOUT_SECONDS = 1.0
    settings.ALPACA_READ_TIMEOUT_SECONDS = 0.1
    return settings

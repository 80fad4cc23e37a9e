"""A loopback stand-in for Alpaca's market data API, spoken to by the real alpaca-py client.

Serves ``GET /v2/stocks/bars`` as Alpaca does: ``{"bars": {symbol: [{t,o,h,l,c,v,n,vw}, ...]},
"next_page_token": ...}``, with the bars of all requested symbols paginated together (symbol, then
time) ``page_size`` at a time. ``adjustment=all`` answers from ``adjusted`` when given. Faults are
queued per request: an HTTP status (429, 500, ...), ``"timeout"`` (answer after ``delay`` seconds)
or ``"drop"`` (close the connection without answering).
"""

import base64
import json
import threading
import time
from collections import deque
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo


def daily_bar(day: str, open_: float, high: float, low: float, close: float, volume: int) -> dict:
    """One daily bar in Alpaca's JSON: stamped at midnight New York time, in UTC (04:00Z or 05:00Z)."""
    midnight = datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=ZoneInfo("America/New_York"))
    stamp = midnight.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"t": stamp, "o": open_, "h": high, "l": low, "c": close, "v": volume, "n": 1000, "vw": close}


class FakeAlpaca:
    def __init__(self, *, page_size: int = 10_000, delay: float = 0.5):
        self.bars: dict[str, list[dict]] = {}
        self.adjusted: dict[str, list[dict]] = {}
        self.page_size = page_size
        self.delay = delay
        self.faults: deque = deque()
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # A dropped connection is a fault we inject on purpose, not an error worth a traceback.
        self._server.handle_error = lambda request, client_address: None
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address
        return f"http://{host}:{port}"

    def start(self) -> "FakeAlpaca":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, *faults) -> None:
        with self._lock:
            self.faults.extend(faults)

    def _next_fault(self):
        with self._lock:
            return self.faults.popleft() if self.faults else None

    def _answer(self, query: dict) -> dict:
        symbols = sorted(query.get("symbols", [""])[0].split(","))
        source = self.adjusted if query.get("adjustment", ["raw"])[0] == "all" and self.adjusted else self.bars
        start, end = query.get("start", [""])[0][:10], query.get("end", ["9999"])[0][:10]
        flat = [
            (symbol, bar)
            for symbol in symbols
            for bar in source.get(symbol, [])
            if (not start or bar["t"][:10] >= start) and bar["t"][:10] <= end
        ]
        token = query.get("page_token", [None])[0]
        offset = int(base64.b64decode(token)) if token else 0
        limit = min(int(query.get("limit", [self.page_size])[0]), self.page_size)
        page = flat[offset : offset + limit]
        bars: dict[str, list[dict]] = {}
        for symbol, bar in page:
            bars.setdefault(symbol, []).append(bar)
        following = offset + limit
        next_token = base64.b64encode(str(following).encode()).decode() if following < len(flat) else None
        return {"bars": bars, "next_page_token": next_token, "currency": "USD"}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: dict) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                parsed = urlparse(self.path)
                query = parse_qs(parsed.query)
                with fake._lock:
                    fake.requests.append({"path": parsed.path, "query": query, "headers": dict(self.headers)})
                fault = fake._next_fault()
                if fault == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault == "timeout":
                    time.sleep(fake.delay)  # the fake server stalling; the client times out first
                if isinstance(fault, int):
                    self._send(fault, {"code": fault * 1000, "message": f"injected {fault}"})
                    return
                if parsed.path != "/v2/stocks/bars":
                    self._send(404, {"code": 40410000, "message": "endpoint not found"})
                    return
                if self.headers.get("APCA-API-KEY-ID") != "test-key":
                    self._send(401, {"code": 40110000, "message": "request is not authorized"})
                    return
                self._send(200, fake._answer(query))

        return Handler

"""WebSocket routes of every app, gathered in one list for asgi.py."""

from trading.routing import websocket_urlpatterns as trading_websockets

websocket_urlpatterns: list = [*trading_websockets]

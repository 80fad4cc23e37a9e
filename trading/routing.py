"""WebSocket routes of trading (gathered by valuepartner.routing)."""

from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/orders/", consumers.BlotterConsumer.as_asgi()),
    path("ws/orders/<int:pk>/", consumers.OrderConsumer.as_asgi()),
]

from channels.security.websocket import WebsocketDenier
from django.urls import path, re_path

from .consumers import ChatConsumer

websocket_urlpatterns = [
    path("channel/", ChatConsumer.as_asgi()),
    # Any other socket path is refused (HTTP 403) rather than left to fail in the router.
    re_path(r"", WebsocketDenier.as_asgi()),
]

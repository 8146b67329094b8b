"""
Test-only controls, enabled by WS_TEST_CONTROL (404 otherwise; never on in production):

- `POST /__control/kick {"user": "<username>"}` closes every socket of that user with 4012 (kicked)
  (through the channel layer, so on every worker);
- `GET /__stats` answers the counters of metrics.py and the number of requests per API path.
"""
import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from . import metrics
from .groups import user_group

COUNTED_PATHS = ("/api/token/", "/api/token/refresh/", "/api/token/blacklist/", "/ws_ticket")


def _request_key(path):
    return f"requests:{path}"


class RequestCountMiddleware:
    """Counts requests to the API paths the end-to-end tests reason about."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.WS_TEST_CONTROL and request.path in COUNTED_PATHS:
            metrics.count(_request_key(request.path))
        return self.get_response(request)


def _require_control():
    if not settings.WS_TEST_CONTROL:
        raise Http404()


@require_POST
def kick(request):
    _require_control()
    try:
        username = json.loads(request.body)["user"]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "bad_request"}, status=400)
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        return JsonResponse({"error": "unknown_user"}, status=404)
    async_to_sync(get_channel_layer().group_send)(user_group(user.pk), {"type": "socket.kick"})
    metrics.count("kicks")
    return JsonResponse({"kicked": username})


@require_GET
def stats(request):
    _require_control()
    counters = metrics.snapshot(extra_keys=[_request_key(p) for p in COUNTED_PATHS])
    requests = {p: counters.pop(_request_key(p)) for p in COUNTED_PATHS}
    return JsonResponse({**counters, "requests": requests})

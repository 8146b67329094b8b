"""
Counters the end-to-end tests read from GET /__stats (only with WS_TEST_CONTROL). They live in the
cache, so they add up across worker processes that share it. Swap for your metrics library.
"""
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache

PREFIX = "ws-stats:"
NAMES = (
    "tickets_issued",
    "tickets_redeemed",
    "tickets_refused",
    "first_message_auths",
    "reauths",
    "auth_failures",
    "forbidden",
    "expired_closes",
    "chats",
    "kicks",
    "sockets_open",
)


def count(name, delta=1):
    if not settings.WS_TEST_CONTROL:
        return
    key = PREFIX + name
    cache.add(key, 0, timeout=None)
    if delta >= 0:
        cache.incr(key, delta)
    else:
        cache.decr(key, -delta)


def snapshot(extra_keys=()):
    keys = [PREFIX + name for name in (*NAMES, *extra_keys)]
    values = cache.get_many(keys)
    return {key[len(PREFIX):]: values.get(key, 0) for key in keys}


async def acount(name, delta=1):
    """`count()` from async code: the cache call (Redis: network I/O) runs off the event loop."""
    if settings.WS_TEST_CONTROL:
        await sync_to_async(count, thread_sensitive=False)(name, delta)

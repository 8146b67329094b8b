"""
Socket tickets: random, single use, short lived, kept in Django's cache.

PROTOCOL.md §2 asks for tickets that are bound to a user and the JWT's expiry, refused after
`expires`, and redeemed atomically: of two upgrades presenting the same ticket at the same moment,
exactly one may win. The cache API has no "get and delete" (Redis GETDEL), but `cache.delete()`
returns whether *this* call removed the key (Django ≥ 3.1, every backend: local memory deletes under
a lock, Redis answers DEL with the number of keys it removed, memcached and the database report the
same). So redemption reads the record and then claims it with `delete()`: a reader that loses the
race gets False and is refused. That holds across processes and hosts as long as they share the
cache, which is why several daphne workers need the Redis cache rather than local memory.
"""
import hashlib
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

# 192 random bits, url-safe: worthless to guess, safe in a query string without escaping.
TICKET_BYTES = 24
# Anything longer cannot be one of ours; refuse it before hashing.
MAX_TICKET_LENGTH = 64


@dataclass(frozen=True)
class TicketRecord:
    """What a ticket stands for: the user, and when the JWT it was issued for expires."""

    user_id: int
    token_exp: int
    expires: int


def _cache_key(ticket):
    # The cache holds a digest, not the ticket: a cache dump or MONITOR output opens no socket.
    return "ws-ticket:" + hashlib.sha256(ticket.encode()).hexdigest()


def issue_ticket(user_id, token_exp, now=None):
    """Stores a new ticket for `user_id`; returns `(ticket, expires)` with `expires` in unix seconds."""
    now = int(time.time() if now is None else now)
    # A ticket never outlives the JWT it was issued for.
    expires = min(now + settings.WS_TICKET_TTL_S, int(token_exp))
    ticket = secrets.token_urlsafe(TICKET_BYTES)
    record = {"user_id": user_id, "token_exp": int(token_exp), "expires": expires}
    cache.set(_cache_key(ticket), record, timeout=max(1, expires - now))
    return ticket, expires


def redeem_ticket(ticket):
    """The ticket's record if this call is the first to present it in time; None otherwise."""
    if not isinstance(ticket, str) or not 0 < len(ticket) <= MAX_TICKET_LENGTH:
        return None
    key = _cache_key(ticket)
    record = cache.get(key)
    if record is None:
        return None
    # The claim: only one caller's delete() removes the key (see the module docstring).
    if not cache.delete(key):
        return None
    # Cache timeouts are whole seconds on some backends; the record's own expiry is the rule.
    if record["expires"] <= time.time():
        return None
    return TicketRecord(**record)

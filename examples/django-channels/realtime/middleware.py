"""
Ticket validation in the HTTP upgrade, before the consumer can accept (PROTOCOL.md §2, rule 4).

A socket URL with `?ticket=` is redeemed here. A bad ticket (unknown, used, expired, or presented
twice in the query) or a user who may no longer use the socket is refused before the handshake:
the denier closes before accepting, which daphne answers with HTTP 403 (browsers report it as
close 1006; ngx-auth-socket fetches a fresh ticket and tries again). A URL without a ticket passes
through: the consumer then expects first-message auth.

Order in asgi.py: the Origin check runs first, so a cross-site page cannot burn a user's ticket.
"""
import logging
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.contrib.auth import get_user_model

from . import metrics
from .access import may_use_socket
from .tickets import redeem_ticket

logger = logging.getLogger(__name__)

TICKET_PARAM = "ticket"

deny = WebsocketDenier.as_asgi()


@database_sync_to_async
def _ticket_user(user_id):
    user = get_user_model().objects.filter(pk=user_id).first()
    return user if user is not None and may_use_socket(user) else None


class TicketAuthMiddleware:
    """Puts the ticket's `user` and `token_exp` into the scope, or refuses the upgrade."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        tickets = query.get(TICKET_PARAM)
        if tickets is None:
            return await self.app(scope, receive, send)
        # Not thread-sensitive: redemptions run in parallel, and the cache's delete() decides.
        record = await sync_to_async(redeem_ticket, thread_sensitive=False)(tickets[0]) if len(tickets) == 1 else None
        user = await _ticket_user(record.user_id) if record else None
        if user is None:
            await metrics.acount("tickets_refused")
            # Never the ticket itself: it is a credential until it expires.
            logger.info("socket refused: unknown, used or expired ticket")
            return await deny(scope, receive, send)
        await metrics.acount("tickets_redeemed")
        return await self.app(dict(scope, user=user, token_exp=record.token_exp), receive, send)

"""
The socket `/channel/`: authentication (ticket or first message), in-band re-auth, expiry, and a
chat room on the channel layer. PROTOCOL.md §4, with this server's own auth frame names
(frames.py).

Life of a socket:
1. TicketAuthMiddleware redeemed a ticket → `scope["user"]` and `scope["token_exp"]` are set and the
   socket is authenticated from its first byte; or there was no ticket → the first frame must be
   `authenticate` within WS_AUTH_DEADLINE_S.
2. Authenticated sockets join the room and their user's group; nothing reaches a socket before.
   They may subscribe to groups of their own (`subscribe` → `subscribed` / `subscription_denied`,
   `unsubscribe`, `group.send` → `group.message` with a `msg_id` to every subscribed socket);
   membership belongs to the socket and ends with it.
3. An `authenticate` frame while open re-authenticates (same user only) and moves the expiry.
4. When the JWT expires the socket is closed with 4001 `token_expired`.
"""
import asyncio
import hashlib
import json
import logging
import time
import uuid

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.cache import cache

from . import frames, metrics
from .access import SocketAuthError, authenticate_token
from .groups import GROUP_NAME, ROOM, may_join, subscribed_group, user_group

logger = logging.getLogger(__name__)

authenticate = database_sync_to_async(authenticate_token)

BAD_MESSAGE = {"type": "error", "reason": "bad_message"}
# How long a processed chat id is remembered per user (PROTOCOL.md §8: a re-sent message is
# acknowledged again but not broadcast again).
PROCESSED_ID_TTL_S = 600
# Groups one socket may be subscribed to at once: each is a channel layer group to keep and to leave.
MAX_GROUPS_PER_SOCKET = 100


def _first_time_seen(user_id, message_id):
    # cache.add() is atomic on local memory, Redis and memcached: of two racing duplicates only the
    # first adds the key.
    digest = hashlib.sha256(message_id.encode()).hexdigest()
    return cache.add(f"ws-chat-id:{user_id}:{digest}", 1, timeout=PROCESSED_ID_TTL_S)


first_time_seen = sync_to_async(_first_time_seen, thread_sensitive=False)


class ChatConsumer(AsyncWebsocketConsumer):
    user = None
    closing = False
    _deadline = None
    _expiry = None
    # The groups this socket subscribed to (their client names).
    subscriptions = frozenset()

    # ---- connection ------------------------------------------------------------------------

    async def connect(self):
        await self.accept()
        await metrics.acount("sockets_open")
        if "token_exp" in self.scope:  # redeemed by TicketAuthMiddleware
            await self._authenticated(self.scope["user"], self.scope["token_exp"])
            logger.info("socket authenticated by ticket: user=%s", self.user.get_username())
        else:
            self._deadline = asyncio.ensure_future(self._auth_deadline())

    async def disconnect(self, code):
        for task in (self._deadline, self._expiry):
            if task is not None:
                task.cancel()
        if self.user is not None:
            await self.channel_layer.group_discard(ROOM, self.channel_name)
            await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)
        for name in self.subscriptions:
            await self.channel_layer.group_discard(subscribed_group(name), self.channel_name)
        await metrics.acount("sockets_open", -1)

    async def receive(self, text_data=None, bytes_data=None):
        if self.closing:
            return
        frame = frames.parse_frame(text_data)
        if self.user is None:
            await self._first_frame(frame)
        else:
            await self._frame(frame)

    # ---- authentication --------------------------------------------------------------------

    async def _first_frame(self, frame):
        if frame is None or frame["type"] != frames.AUTHENTICATE:
            await self._refuse(SocketAuthError(frames.AUTH_REQUIRED, frames.CLOSE_UNAUTHORIZED))
            return
        try:
            user, exp = await authenticate(frame.get("token"))
        except SocketAuthError as error:
            await self._refuse(error)
            return
        self._deadline.cancel()
        await self._authenticated(user, exp)
        await metrics.acount("first_message_auths")
        await self._send({"type": frames.AUTHENTICATED, "user": user.get_username()})
        logger.info("socket authenticated by first message: user=%s", user.get_username())

    async def _reauthenticate(self, frame):
        try:
            user, exp = await authenticate(frame.get("token"))
        except SocketAuthError as error:
            await self._refuse(error)
            return
        # A socket belongs to one user for its whole life (PROTOCOL.md §4, in-band re-auth).
        if user.pk != self.user.pk:
            await self._refuse(SocketAuthError(frames.FORBIDDEN, frames.CLOSE_FORBIDDEN))
            return
        self._expire_at(exp)
        await metrics.acount("reauths")
        await self._send({"type": frames.AUTHENTICATED, "user": user.get_username()})

    async def _authenticated(self, user, exp):
        # Join before acknowledging: the client may send as soon as it reads the ack, and every
        # broadcast from then on must reach it.
        self.user = user
        await self.channel_layer.group_add(ROOM, self.channel_name)
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        self._expire_at(exp)

    def _expire_at(self, exp):
        if self._expiry is not None:
            self._expiry.cancel()
        self._expiry = asyncio.ensure_future(self._close_at_expiry(exp))

    async def _close_at_expiry(self, exp):
        await asyncio.sleep(max(0.0, exp - time.time()))
        await metrics.acount("expired_closes")
        logger.info("socket closed, token expired: user=%s", self.user.get_username())
        # No frame, only the close (PROTOCOL.md §4): the client refreshes its token and reconnects.
        await self._close(frames.CLOSE_UNAUTHORIZED, frames.TOKEN_EXPIRED)

    async def _auth_deadline(self):
        await asyncio.sleep(settings.WS_AUTH_DEADLINE_S)
        if self.user is None:
            await self._refuse(SocketAuthError(frames.AUTH_TIMEOUT, frames.CLOSE_UNAUTHORIZED))

    async def _refuse(self, error):
        if self.closing:
            return
        await metrics.acount("forbidden" if error.close_code == frames.CLOSE_FORBIDDEN else "auth_failures")
        # The reason only: never the token that was refused.
        logger.info("socket refused: reason=%s", error.reason)
        await self._send({"type": frames.AUTH_FAILED, "reason": error.reason})
        await self._close(error.close_code, error.reason)

    # ---- messages --------------------------------------------------------------------------

    async def _frame(self, frame):
        if frame is None or not frames.valid_id(frame):
            await self._send(BAD_MESSAGE)
            return
        handler = {
            frames.AUTHENTICATE: self._reauthenticate,
            "chat": self._chat,
            "echo": self._echo,
            "ping": self._ping,
            "kick": self._kick,
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
            "group.send": self._group_send,
        }.get(frame["type"])
        if handler is None:
            await self._send(BAD_MESSAGE)
            return
        await handler(frame)

    async def _chat(self, frame):
        text = frame.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= frames.MAX_CHAT_LENGTH:
            await self._send(BAD_MESSAGE)
            return
        message_id = frame.get("id")
        if message_id is None or await first_time_seen(self.user.pk, message_id):
            event = {"type": "chat.message", "from": self.user.get_username(), "text": text, "ts": int(time.time() * 1000)}
            if message_id is not None:
                event["id"] = message_id
            await self.channel_layer.group_send(ROOM, event)
            await metrics.acount("chats")
        await self._ack(frame)

    async def _echo(self, frame):
        if "id" not in frame:
            await self._send(BAD_MESSAGE)
            return
        await self._ack(frame)
        await self._send({"type": "echo_reply", "id": frame["id"], "payload": frame.get("payload")})

    async def _ping(self, frame):
        await self._ack(frame)
        await self._send({"type": "pong", "id": frame["id"]} if "id" in frame else {"type": "pong"})

    async def _kick(self, frame):
        await self._ack(frame)
        await self._close(frames.CLOSE_KICKED, "kicked")

    # ---- groups of the client's own ----------------------------------------------------------

    async def _subscribe(self, frame):
        name = frame.get("group")
        if not isinstance(name, str) or not GROUP_NAME.fullmatch(name):
            await self._send(BAD_MESSAGE)
            return
        if not may_join(self.user.get_username(), name):
            answer = {"type": "subscription_denied", "group": name, "detail": "You do not have permission to join this group."}
        elif name not in self.subscriptions and len(self.subscriptions) >= MAX_GROUPS_PER_SOCKET:
            answer = {"type": "subscription_denied", "group": name, "detail": "Too many groups on this socket."}
        else:
            # Noted before the await: a task cancelled meanwhile still leaves the group on disconnect.
            # Idempotent: the client subscribes again on every new socket, and may ask twice.
            self.subscriptions = self.subscriptions | {name}
            await self.channel_layer.group_add(subscribed_group(name), self.channel_name)
            answer = {"type": "subscribed", "group": name}
        await self._send(answer)
        # PROTOCOL.md §10: a join with an id is acknowledged after its answer.
        await self._ack(frame)

    async def _unsubscribe(self, frame):
        name = frame.get("group")
        if not isinstance(name, str) or not GROUP_NAME.fullmatch(name):
            await self._send(BAD_MESSAGE)
            return
        if name in self.subscriptions:
            self.subscriptions = self.subscriptions - {name}
            await self.channel_layer.group_discard(subscribed_group(name), self.channel_name)
        await self._ack(frame)

    async def _group_send(self, frame):
        name = frame.get("group")
        body = frame.get("body")
        if not isinstance(name, str) or not isinstance(body, str) or not 1 <= len(body) <= frames.MAX_CHAT_LENGTH:
            await self._send(BAD_MESSAGE)
            return
        if name not in self.subscriptions:
            refusal = {"type": "error", "reason": "not_joined", "group": name, "detail": "Not subscribed to this group."}
            await self._send({**refusal, "id": frame["id"]} if "id" in frame else refusal)
            return
        message_id = frame.get("id")
        if message_id is None:
            msg_id = uuid.uuid4().hex
        else:
            # A message sent again (its ack was lost with a socket) is acknowledged again but not
            # broadcast again (PROTOCOL.md §8), and keeps its msg_id, derived from the sender's id.
            msg_id = hashlib.sha256(f"{self.user.pk}:{message_id}".encode()).hexdigest()[:32]
            if not await first_time_seen(self.user.pk, f"group:{message_id}"):
                await self._ack(frame)
                return
        event = {"type": "group.message", "group": name, "msg_id": msg_id, "body": body}
        await self.channel_layer.group_send(subscribed_group(name), event)
        await self._ack(frame)

    async def _ack(self, frame):
        if "id" in frame:
            await self._send({"type": "ack", "id": frame["id"]})

    # ---- channel layer events ----------------------------------------------------------------

    async def chat_message(self, event):
        await self._send({**event, "type": "chat"})

    async def group_message(self, event):
        await self._send(event)

    async def socket_kick(self, event):
        await self._close(frames.CLOSE_KICKED, "kicked")

    # ---- output ------------------------------------------------------------------------------

    async def _send(self, frame):
        if not self.closing:
            await self.send(text_data=json.dumps(frame))

    async def _close(self, code, reason):
        if self.closing:
            return
        self.closing = True
        # Channels 4.0's close() takes no reason; the ASGI message does (spec 2.3). daphne 4.0 sends
        # the code only, later versions the reason too; the client acts on the code.
        await self.base_send({"type": "websocket.close", "code": code, "reason": reason})

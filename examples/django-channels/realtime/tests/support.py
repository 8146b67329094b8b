"""What every test of the socket needs: users, tokens, tickets and a socket to the real ASGI app."""
import asyncio
import functools
import json
import logging
import time
from datetime import timedelta

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import TestCase, override_settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from config.asgi import application  # (runs django.setup() again, which reconfigures logging)
from realtime.tickets import issue_ticket

# The tests refuse sockets on purpose; their INFO lines would drown the runner's output.
# test_logs.py turns everything up to DEBUG while it checks what the lines contain.
logging.getLogger("realtime").setLevel(logging.WARNING)

ORIGIN = "http://127.0.0.1:8000"
# A JWS compact serialization anywhere in a string.
JWT_PATTERN = r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"


def access_token(user, lifetime_s=None):
    token = AccessToken.for_user(user)
    if lifetime_s is not None:
        token.set_exp(lifetime=timedelta(seconds=lifetime_s))
    return str(token)


def refresh_token(user):
    return str(RefreshToken.for_user(user))


def new_ticket(user, token_exp=None):
    return issue_ticket(user.pk, token_exp if token_exp is not None else int(time.time()) + 300)[0]


class Socket:
    """A WebsocketCommunicator that speaks JSON frames and tells how the socket ended."""

    def __init__(self, path="/channel/", origin=ORIGIN):
        headers = [(b"origin", origin.encode())] if origin else []
        self.communicator = WebsocketCommunicator(application, path, headers=headers)
        self.connected = False

    async def open(self):
        self.connected, _ = await self.communicator.connect()
        return self.connected

    async def send(self, frame):
        await self.communicator.send_to(text_data=json.dumps(frame))

    async def send_raw(self, text=None, binary=None):
        await self.communicator.send_to(text_data=text, bytes_data=binary)

    async def receive(self, timeout=1):
        return json.loads(await self.communicator.receive_from(timeout))

    async def receive_all(self, count, timeout=1):
        """The next `count` frames, sorted by type: for frames whose order is not the protocol's."""
        frames = [await self.receive(timeout) for _ in range(count)]
        return sorted(frames, key=lambda frame: frame["type"])

    async def closed(self, timeout=1):
        """The close message the app sent: `{"code", "reason"}`."""
        message = await self.communicator.receive_output(timeout)
        assert message["type"] == "websocket.close", message
        return {"code": message.get("code"), "reason": message.get("reason")}

    async def silent(self, timeout=0.1):
        return await self.communicator.receive_nothing(timeout)

    async def authenticate(self, token):
        await self.send({"type": "authenticate", "token": token})
        return await self.receive()

    async def close(self):
        # Refused and closed sockets too: the app runs until it is told the client is gone.
        await self.communicator.disconnect()


def _closing_sockets(test):
    @functools.wraps(test)
    async def run(self):
        try:
            await test(self)
        finally:
            for socket in self.sockets:
                await socket.close()

    return run


# PBKDF2 costs ~0.3 s a login; the tests log in often.
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], WS_DENIED_USERS=["mallory"])
class SocketTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        User = get_user_model()
        cls.alice = User.objects.create_user("alice", password="alice")
        cls.bob = User.objects.create_user("bob", password="bob")
        cls.mallory = User.objects.create_user("mallory", password="mallory")

    def setUp(self):
        cache.clear()
        self.sockets = []

    def __init_subclass__(cls, **kwargs):
        # Every async test closes the sockets it opened, passed or failed: a consumer left running
        # would outlive the test's event loop.
        super().__init_subclass__(**kwargs)
        for name, test in list(vars(cls).items()):
            if name.startswith("test") and asyncio.iscoroutinefunction(test):
                setattr(cls, name, _closing_sockets(test))

    def socket(self, path="/channel/", origin=ORIGIN):
        socket = Socket(path, origin)
        self.sockets.append(socket)
        return socket

    async def ticket_socket(self, user):
        ticket = await sync_to_async(new_ticket)(user)
        socket = self.socket(f"/channel/?ticket={ticket}")
        assert await socket.open()
        return socket

    async def authenticated_socket(self, user):
        socket = self.socket()
        assert await socket.open()
        answer = await socket.authenticate(await sync_to_async(access_token)(user))
        assert answer == {"type": "authenticated", "user": user.username}, answer
        return socket

"""Sockets without a ticket: the first frame authenticates, within the deadline."""
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.test import override_settings

from .support import SocketTestCase, access_token, refresh_token


class FirstMessageTests(SocketTestCase):
    async def refused(self, first_frame=None, raw=None):
        socket = self.socket()
        self.assertTrue(await socket.open())
        if first_frame is not None:
            await socket.send(first_frame)
        else:
            await socket.send_raw(**raw)
        failed = await socket.receive()
        return failed["reason"], (await socket.closed())["code"]

    async def test_an_authenticate_frame_is_acknowledged_and_the_socket_joins_the_room(self):
        alice = await self.authenticated_socket(self.alice)
        bob = await self.authenticated_socket(self.bob)
        await bob.send({"type": "chat", "text": "hi alice"})
        self.assertEqual((await alice.receive())["text"], "hi alice")

    async def test_any_other_first_frame_is_auth_required_and_4001(self):
        cases = [
            ({"type": "chat", "text": "let me in"}, None),
            ({"type": "auth", "payload": "reference-server frame name"}, None),
            (None, {"text": "not json"}),
            (None, {"binary": b"\x00\x01"}),
        ]
        for frame, raw in cases:
            with self.subTest(frame=frame, raw=raw):
                self.assertEqual(await self.refused(frame, raw), ("auth_required", 4001))

    async def test_a_bad_expired_or_refresh_token_is_invalid_token_and_4001(self):
        tokens = [
            "not-a-jwt",
            await sync_to_async(access_token)(self.alice, lifetime_s=-1),
            await sync_to_async(refresh_token)(self.alice),
            None,
        ]
        for token in tokens:
            with self.subTest(token=str(token)[:12]):
                self.assertEqual(await self.refused({"type": "authenticate", "token": token}), ("invalid_token", 4001))

    async def test_an_inactive_user_is_invalid_token_as_on_the_http_api(self):
        token = await sync_to_async(access_token)(self.bob)
        await sync_to_async(get_user_model().objects.filter(pk=self.bob.pk).update)(is_active=False)
        self.assertEqual(await self.refused({"type": "authenticate", "token": token}), ("invalid_token", 4001))

    async def test_a_user_who_may_not_use_the_socket_is_forbidden_and_4003(self):
        token = await sync_to_async(access_token)(self.mallory)
        self.assertEqual(await self.refused({"type": "authenticate", "token": token}), ("forbidden", 4003))

    @override_settings(WS_AUTH_DEADLINE_S=0.05)
    async def test_no_frame_within_the_deadline_is_auth_timeout_and_4001(self):
        socket = self.socket()
        await socket.open()
        self.assertEqual(await socket.receive(), {"type": "auth_failed", "reason": "auth_timeout"})
        self.assertEqual(await socket.closed(), {"code": 4001, "reason": "auth_timeout"})

    async def test_an_unauthenticated_socket_receives_no_room_traffic(self):
        waiting = self.socket()
        await waiting.open()
        bob = await self.authenticated_socket(self.bob)
        await bob.send({"type": "chat", "text": "secret"})
        self.assertEqual((await bob.receive())["text"], "secret")
        self.assertTrue(await waiting.silent())

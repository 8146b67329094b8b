"""In-band re-auth and expiry while open."""
import asyncio
import time

from asgiref.sync import sync_to_async

from .support import SocketTestCase, access_token, new_ticket


class LifecycleTests(SocketTestCase):
    async def test_the_socket_closes_with_4001_when_its_jwt_expires_unless_reauthenticated(self):
        # Three sockets whose JWT expires within two seconds: by first message, by a ticket bound to
        # the JWT's expiry, and one that re-authenticates in band with a longer-lived token first.
        # (exp is in whole seconds, so "+1" left between 0 and 1 s: on a busy machine the ticket
        # had lapsed before its socket opened.)
        short = await sync_to_async(access_token)(self.alice, lifetime_s=2)
        expiring = self.socket()
        await expiring.open()
        self.assertEqual((await expiring.authenticate(short))["type"], "authenticated")
        exp = int(time.time()) + 2
        ticketed = self.socket(f"/channel/?ticket={await sync_to_async(new_ticket)(self.alice, exp)}")
        self.assertTrue(await ticketed.open())
        renewed = self.socket()
        await renewed.open()
        self.assertEqual((await renewed.authenticate(short))["type"], "authenticated")
        longer = await sync_to_async(access_token)(self.alice, lifetime_s=300)
        self.assertEqual(await renewed.authenticate(longer), {"type": "authenticated", "user": "alice"})

        closes = await asyncio.gather(expiring.closed(timeout=4), ticketed.closed(timeout=4))
        self.assertEqual(closes, [{"code": 4001, "reason": "token_expired"}] * 2)
        self.assertTrue(await renewed.silent(timeout=0.3))
        await renewed.send({"type": "ping"})
        self.assertEqual(await renewed.receive(), {"type": "pong"})

    async def test_reauth_as_another_user_is_forbidden_and_4003(self):
        socket = await self.authenticated_socket(self.alice)
        answer = await socket.authenticate(await sync_to_async(access_token)(self.bob))
        self.assertEqual(answer, {"type": "auth_failed", "reason": "forbidden"})
        self.assertEqual((await socket.closed())["code"], 4003)

    async def test_reauth_on_a_ticketed_socket_works_the_same(self):
        socket = await self.ticket_socket(self.bob)
        answer = await socket.authenticate(await sync_to_async(access_token)(self.bob))
        self.assertEqual(answer, {"type": "authenticated", "user": "bob"})

    async def test_reauth_with_a_bad_token_is_invalid_token_and_4001(self):
        socket = await self.authenticated_socket(self.alice)
        self.assertEqual(await socket.authenticate("garbage"), {"type": "auth_failed", "reason": "invalid_token"})
        self.assertEqual((await socket.closed())["code"], 4001)

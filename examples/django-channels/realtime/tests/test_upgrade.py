"""The upgrade: Origin, then the ticket, before the consumer can accept (refusals are HTTP 403)."""
import asyncio

from asgiref.sync import sync_to_async
from django.test import override_settings

from .support import SocketTestCase, new_ticket


@override_settings(WS_TEST_CONTROL=True)
class UpgradeTests(SocketTestCase):
    async def test_a_valid_ticket_opens_a_socket_authenticated_from_its_first_byte(self):
        socket = await self.ticket_socket(self.alice)
        # No auth frame: the socket is in the room at once.
        await socket.send({"type": "chat", "text": "hello", "id": "m1"})
        self.assertEqual(await socket.receive(), {"type": "ack", "id": "m1"})
        chat = await socket.receive()
        self.assertEqual((chat["type"], chat["from"], chat["text"]), ("chat", "alice", "hello"))

    async def test_a_ticket_opens_one_socket_only(self):
        ticket = await sync_to_async(new_ticket)(self.alice)
        self.assertTrue(await self.socket(f"/channel/?ticket={ticket}").open())
        self.assertFalse(await self.socket(f"/channel/?ticket={ticket}").open())

    async def test_concurrent_upgrades_with_one_ticket_open_exactly_one_socket(self):
        ticket = await sync_to_async(new_ticket)(self.alice)
        sockets = [self.socket(f"/channel/?ticket={ticket}") for _ in range(12)]
        opened = await asyncio.gather(*(s.open() for s in sockets))
        self.assertEqual(opened.count(True), 1)

    async def test_unknown_empty_and_repeated_tickets_are_refused(self):
        ticket = await sync_to_async(new_ticket)(self.alice)
        for query in ("ticket=nope", "ticket=", f"ticket={ticket}&ticket={ticket}"):
            with self.subTest(query=query):
                self.assertFalse(await self.socket(f"/channel/?{query}").open())

    async def test_a_foreign_or_missing_origin_is_refused_without_burning_the_ticket(self):
        ticket = await sync_to_async(new_ticket)(self.alice)
        self.assertFalse(await self.socket(f"/channel/?ticket={ticket}", origin="https://evil.example").open())
        self.assertFalse(await self.socket(f"/channel/?ticket={ticket}", origin=None).open())
        self.assertTrue(await self.socket(f"/channel/?ticket={ticket}").open())

    @override_settings(WS_DENIED_USERS=["alice"])
    async def test_a_user_denied_after_the_ticket_was_issued_is_refused(self):
        ticket = await sync_to_async(new_ticket)(self.alice)
        self.assertFalse(await self.socket(f"/channel/?ticket={ticket}").open())

    async def test_other_paths_are_refused(self):
        self.assertFalse(await self.socket("/elsewhere/").open())

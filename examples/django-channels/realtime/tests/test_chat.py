"""The room (PROTOCOL.md §4 messages, §8 acks) and the test controls."""
import json

from asgiref.sync import sync_to_async
from django.test import Client, SimpleTestCase, override_settings

from realtime import frames

from .support import SocketTestCase


class ChatTests(SocketTestCase):
    async def test_a_chat_reaches_every_authenticated_socket_sender_included_and_is_acknowledged(self):
        alice = await self.authenticated_socket(self.alice)
        bob = await self.ticket_socket(self.bob)
        await alice.send({"type": "chat", "text": "hello bob", "id": "c1"})
        self.assertEqual(await alice.receive(), {"type": "ack", "id": "c1"})
        for socket in (alice, bob):
            chat = await socket.receive()
            self.assertEqual({k: chat[k] for k in ("type", "from", "text", "id")}, {"type": "chat", "from": "alice", "text": "hello bob", "id": "c1"})
            self.assertIsInstance(chat["ts"], int)
        self.assertTrue(await bob.silent())

    async def test_a_chat_sent_again_with_the_same_id_is_acknowledged_but_not_broadcast_again(self):
        alice = await self.authenticated_socket(self.alice)
        bob = await self.authenticated_socket(self.bob)
        for _ in range(2):
            await alice.send({"type": "chat", "text": "once", "id": "dup"})
        ack, ack_again, chat = await alice.receive_all(3)
        self.assertEqual([ack, ack_again, chat["text"]], [{"type": "ack", "id": "dup"}] * 2 + ["once"])
        self.assertEqual((await bob.receive())["text"], "once")
        self.assertTrue(await bob.silent())

    async def test_echo_ping_and_kick(self):
        socket = await self.authenticated_socket(self.alice)
        await socket.send({"type": "echo", "id": "e1", "payload": {"n": 1}})
        self.assertEqual(await socket.receive(), {"type": "ack", "id": "e1"})
        self.assertEqual(await socket.receive(), {"type": "echo_reply", "id": "e1", "payload": {"n": 1}})
        await socket.send({"type": "ping"})
        self.assertEqual(await socket.receive(), {"type": "pong"})
        await socket.send({"type": "ping", "id": "p1"})
        self.assertEqual(await socket.receive(), {"type": "ack", "id": "p1"})
        self.assertEqual(await socket.receive(), {"type": "pong", "id": "p1"})
        await socket.send({"type": "kick"})
        self.assertEqual(await socket.closed(), {"code": 4012, "reason": "kicked"})

    async def test_bad_frames_are_answered_bad_message_and_the_socket_stays_open(self):
        socket = await self.authenticated_socket(self.alice)
        bad = [
            {"text": '{"type": "unknown"}'},
            {"text": "not json"},
            {"text": "[1, 2]"},
            {"binary": b"\x00"},
            {"text": json.dumps({"type": "chat", "text": ""})},
            {"text": json.dumps({"type": "chat", "text": "x" * 2001})},
            {"text": json.dumps({"type": "chat", "text": "hi", "id": None})},
            {"text": json.dumps({"type": "chat", "text": "hi", "id": "x" * 65})},
            {"text": json.dumps({"type": "echo", "payload": 1})},
        ]
        for raw in bad:
            with self.subTest(raw=raw):
                await socket.send_raw(**raw)
                self.assertEqual(await socket.receive(), {"type": "error", "reason": "bad_message"})
        await socket.send({"type": "ping"})
        self.assertEqual(await socket.receive(), {"type": "pong"})


class CloseCodeTests(SimpleTestCase):
    def test_every_close_code_is_one_daphne_can_send(self):
        # autobahn refuses anything but 1000 and 3000–4999 from the application (sent as 1011).
        for code in frames.CLOSE_CODES:
            with self.subTest(code=code):
                self.assertTrue(code == 1000 or 3000 <= code <= 4999)


class ControlTests(SocketTestCase):
    async def post_kick(self, username):
        return await sync_to_async(Client().post)("/__control/kick", {"user": username}, content_type="application/json")

    @override_settings(WS_TEST_CONTROL=True)
    async def test_kick_closes_every_socket_of_that_user_with_4012(self):
        first = await self.authenticated_socket(self.alice)
        second = await self.ticket_socket(self.alice)
        bob = await self.authenticated_socket(self.bob)
        response = await self.post_kick("alice")
        self.assertEqual(response.status_code, 200)
        for socket in (first, second):
            self.assertEqual(await socket.closed(), {"code": 4012, "reason": "kicked"})
        self.assertTrue(await bob.silent())

    @override_settings(WS_TEST_CONTROL=True)
    async def test_stats_count_what_happened(self):
        await self.ticket_socket(self.alice)
        await self.authenticated_socket(self.bob)
        stats = (await sync_to_async(Client().get)("/__stats")).json()
        self.assertEqual((stats["tickets_redeemed"], stats["first_message_auths"], stats["sockets_open"]), (1, 1, 2))

    async def test_the_controls_do_not_exist_unless_switched_on(self):
        self.assertEqual((await self.post_kick("alice")).status_code, 404)
        self.assertEqual((await sync_to_async(Client().get)("/__stats")).status_code, 404)

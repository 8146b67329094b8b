"""Groups of the client's own (docs/SERVERS.md "Channels with frames of your own")."""
from channels.layers import get_channel_layer

from realtime.consumers import MAX_GROUPS_PER_SOCKET

from .support import SocketTestCase


class GroupTests(SocketTestCase):
    async def test_a_group_message_reaches_the_subscribed_sockets_only_with_a_msg_id(self):
        alice = await self.authenticated_socket(self.alice)
        bob = await self.ticket_socket(self.bob)
        outsider = await self.authenticated_socket(self.bob)
        for socket in (alice, bob):
            await socket.send({"type": "subscribe", "group": "room-1"})
            self.assertEqual(await socket.receive(), {"type": "subscribed", "group": "room-1"})
        await alice.send({"type": "group.send", "group": "room-1", "body": "hi room", "id": "g1"})
        # The sender gets its ack and its own message, in either order.
        ack, own = await alice.receive_all(2)
        self.assertEqual(ack, {"type": "ack", "id": "g1"})
        for message in (own, await bob.receive()):
            self.assertEqual({k: message[k] for k in ("type", "group", "body")}, {"type": "group.message", "group": "room-1", "body": "hi room"})
            self.assertRegex(message["msg_id"], r"^[0-9a-f]{32}$")
        self.assertEqual(own["msg_id"], message["msg_id"], "one message, one id, on every socket")
        self.assertTrue(await outsider.silent())

    async def test_subscribing_twice_is_one_membership_and_unsubscribing_ends_it(self):
        alice = await self.authenticated_socket(self.alice)
        bob = await self.authenticated_socket(self.bob)
        await bob.send({"type": "subscribe", "group": "room-2"})
        await bob.receive()
        for _ in range(2):
            await alice.send({"type": "subscribe", "group": "room-2"})
            self.assertEqual(await alice.receive(), {"type": "subscribed", "group": "room-2"})
        await bob.send({"type": "group.send", "group": "room-2", "body": "once"})
        self.assertEqual((await alice.receive())["body"], "once")
        self.assertEqual((await bob.receive())["body"], "once")
        self.assertTrue(await alice.silent())
        await alice.send({"type": "unsubscribe", "group": "room-2", "id": "u1"})
        self.assertEqual(await alice.receive(), {"type": "ack", "id": "u1"})
        await bob.send({"type": "group.send", "group": "room-2", "body": "after"})
        self.assertEqual((await bob.receive())["body"], "after")
        self.assertTrue(await alice.silent())

    async def test_a_private_group_is_its_users_only_and_sending_needs_a_subscription(self):
        alice = await self.authenticated_socket(self.alice)
        await alice.send({"type": "subscribe", "group": "private-bob"})
        self.assertEqual(
            await alice.receive(),
            {"type": "subscription_denied", "group": "private-bob", "detail": "You do not have permission to join this group."},
        )
        await alice.send({"type": "subscribe", "group": "private-alice"})
        self.assertEqual(await alice.receive(), {"type": "subscribed", "group": "private-alice"})
        await alice.send({"type": "group.send", "group": "private-bob", "body": "let me in", "id": "s1"})
        self.assertEqual(
            await alice.receive(),
            {"type": "error", "reason": "not_joined", "group": "private-bob", "detail": "Not subscribed to this group.", "id": "s1"},
        )

    async def test_membership_belongs_to_the_socket_and_ends_with_it(self):
        alice = await self.authenticated_socket(self.alice)
        await alice.send({"type": "subscribe", "group": "room-3"})
        await alice.receive()
        self.assertEqual(len(get_channel_layer().groups.get("grp.room-3", {})), 1)
        await alice.close()
        self.assertEqual(get_channel_layer().groups.get("grp.room-3", {}), {}, "the layer forgot the closed socket")
        bob = await self.authenticated_socket(self.bob)
        await bob.send({"type": "subscribe", "group": "room-3"})
        await bob.receive()
        await bob.send({"type": "group.send", "group": "room-3", "body": "anyone?"})
        self.assertEqual((await bob.receive())["body"], "anyone?")
        self.assertTrue(await bob.silent())

    async def test_bad_group_frames_are_answered_bad_message(self):
        socket = await self.authenticated_socket(self.alice)
        await socket.send({"type": "subscribe", "group": "room-1", "id": "j1"})
        # The answer first, then the ack (PROTOCOL.md §10).
        self.assertEqual(await socket.receive(), {"type": "subscribed", "group": "room-1"})
        self.assertEqual(await socket.receive(), {"type": "ack", "id": "j1"})
        for frame in (
            {"type": "subscribe"},
            {"type": "subscribe", "group": "no spaces"},
            {"type": "subscribe", "group": "x" * 81},
            {"type": "subscribe", "group": "room-1\n"},
            {"type": "unsubscribe", "group": 7},
            {"type": "group.send", "group": "room-1"},
            {"type": "group.send", "group": "room-1", "body": ""},
        ):
            with self.subTest(frame=frame):
                await socket.send(frame)
                self.assertEqual(await socket.receive(), {"type": "error", "reason": "bad_message"})

    async def test_a_group_send_sent_again_with_its_id_is_acknowledged_again_but_broadcast_once(self):
        alice = await self.authenticated_socket(self.alice)
        bob = await self.authenticated_socket(self.bob)
        for socket in (alice, bob):
            await socket.send({"type": "subscribe", "group": "room-4"})
            await socket.receive()
        for _ in range(2):
            await alice.send({"type": "group.send", "group": "room-4", "body": "once", "id": "dup"})
        frames = await alice.receive_all(3)
        self.assertEqual([f["type"] for f in frames], ["ack", "ack", "group.message"])
        first = await bob.receive()
        self.assertEqual((first["body"], first["msg_id"]), ("once", frames[2]["msg_id"]))
        self.assertTrue(await bob.silent())

    async def test_a_socket_holds_at_most_so_many_groups(self):
        socket = await self.authenticated_socket(self.alice)
        for n in range(MAX_GROUPS_PER_SOCKET):
            await socket.send({"type": "subscribe", "group": f"g-{n}"})
            self.assertEqual((await socket.receive())["type"], "subscribed")
        await socket.send({"type": "subscribe", "group": "one-more"})
        self.assertEqual(
            await socket.receive(),
            {"type": "subscription_denied", "group": "one-more", "detail": "Too many groups on this socket."},
        )
        # Asking again for one it holds is still fine.
        await socket.send({"type": "subscribe", "group": "g-0"})
        self.assertEqual(await socket.receive(), {"type": "subscribed", "group": "g-0"})

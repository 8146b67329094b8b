"""
The same guarantees with Redis behind the cache and the channel layer (several workers), against
a real redis-server (Debian's; REDIS_SERVER overrides the path) on a free loopback port.
"""
import asyncio
import os
import select
import socket
import subprocess
import tempfile
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import caches
from django.test import Client, override_settings

from config.settings import redis_caches, redis_channel_layers

from .support import SocketTestCase, new_ticket
from .test_tickets import race_redemptions

REDIS_SERVER = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")


class RedisServer:
    """A throwaway redis-server: no persistence, its own directory, killed at the end."""

    def start(self):
        if not os.path.exists(REDIS_SERVER):
            raise RuntimeError(f"{REDIS_SERVER} is missing: install Debian's redis-server (npm test and .ci/run do it).")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.dir = tempfile.TemporaryDirectory(prefix="django-redis-")
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", self.dir.name]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        output, deadline = "", time.monotonic() + 10
        while "Ready to accept connections" not in output:
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"redis-server did not start:\n{output}")
            if select.select([self.process.stdout], [], [], 0.1)[0]:
                output += self.process.stdout.readline()
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self):
        self.process.kill()
        self.process.wait()
        self.process.stdout.close()
        self.dir.cleanup()


class RedisTests(SocketTestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = RedisServer()
        url = cls.redis.start()
        cls.redis_settings = override_settings(CACHES=redis_caches(url), CHANNEL_LAYERS=redis_channel_layers(url), WS_TEST_CONTROL=True)
        cls.redis_settings.enable()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.redis_settings.disable()
        cls.redis.stop()

    def test_the_backends_in_use_are_redis(self):
        self.assertEqual(type(caches["default"]).__name__, "RedisCache")
        self.assertEqual(settings.CHANNEL_LAYERS["default"]["BACKEND"], "channels_redis.core.RedisChannelLayer")

    def test_concurrent_redemptions_of_one_ticket_have_exactly_one_winner(self):
        race_redemptions(self)

    async def test_concurrent_upgrades_with_one_ticket_open_exactly_one_socket(self):
        ticket = await sync_to_async(new_ticket)(self.alice)
        sockets = [self.socket(f"/channel/?ticket={ticket}") for _ in range(12)]
        opened = await asyncio.gather(*(s.open() for s in sockets))
        self.assertEqual(opened.count(True), 1)

    async def test_chat_duplicates_and_kick_go_through_the_redis_channel_layer(self):
        alice = await self.ticket_socket(self.alice)
        bob = await self.authenticated_socket(self.bob)
        for _ in range(2):
            await alice.send({"type": "chat", "text": "via redis", "id": "r1"})
        ack, ack_again, chat = await alice.receive_all(3)
        self.assertEqual([ack, ack_again, chat["text"]], [{"type": "ack", "id": "r1"}] * 2 + ["via redis"])
        self.assertEqual((await bob.receive())["text"], "via redis")
        self.assertTrue(await bob.silent(timeout=0.2), "the duplicate was not broadcast")
        response = await sync_to_async(Client().post)("/__control/kick", {"user": "bob"}, content_type="application/json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(await bob.closed(), {"code": 4012, "reason": "kicked"})

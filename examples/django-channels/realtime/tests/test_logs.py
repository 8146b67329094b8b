"""No JWT and no ticket ever reaches a log line, at any level, from our code or Django's."""
import logging
import re

from asgiref.sync import sync_to_async
from rest_framework.test import APIClient

from .support import JWT_PATTERN, SocketTestCase, access_token


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name} {text} {record.args!r}")


class LogTests(SocketTestCase):
    def setUp(self):
        super().setUp()
        self.capture = Capture()
        self.loggers = [logging.getLogger(name) for name in ("", "realtime", "django", "channels", "daphne", "asyncio")]
        self.saved = [(logger.level, logger.handlers) for logger in self.loggers]
        for logger in self.loggers:
            # Only the capture: the lines are for the assertions, not the runner's output.
            logger.handlers = [self.capture]
            logger.setLevel(logging.DEBUG)

    def tearDown(self):
        for logger, (level, handlers) in zip(self.loggers, self.saved):
            logger.handlers = handlers
            logger.setLevel(level)

    async def test_a_whole_session_logs_neither_tokens_nor_tickets(self):
        api = APIClient()
        post, get = sync_to_async(api.post), sync_to_async(api.get)
        login = (await post("/api/token/", {"username": "alice", "password": "alice"}, format="json")).json()
        secrets = [login["access"], login["refresh"]]
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {login['access']}"}
        tickets = [(await get("/ws_ticket", **bearer)).json()["ticket"] for _ in range(2)]
        secrets += tickets
        expired = await sync_to_async(access_token)(self.alice, lifetime_s=-1)
        secrets.append(expired)
        self.assertEqual((await get("/ws_ticket", HTTP_AUTHORIZATION=f"Bearer {expired}")).status_code, 401)
        self.assertEqual((await get("/ws_ticket", **{"HTTP_AUTHORIZATION": f"Bearer {await sync_to_async(access_token)(self.mallory)}"})).status_code, 403)

        ticketed = self.socket(f"/channel/?ticket={tickets[0]}")
        self.assertTrue(await ticketed.open())
        self.assertFalse(await self.socket(f"/channel/?ticket={tickets[0]}").open())
        self.assertFalse(await self.socket(f"/channel/?ticket={tickets[1]}", origin="https://evil.example").open())
        in_band = self.socket()
        await in_band.open()
        await in_band.authenticate(login["access"])
        await in_band.authenticate(login["access"])  # re-auth
        refused = self.socket()
        await refused.open()
        await refused.authenticate(expired)
        forbidden = self.socket()
        await forbidden.open()
        mallory_token = await sync_to_async(access_token)(self.mallory)
        secrets.append(mallory_token)
        await forbidden.authenticate(mallory_token)

        logged = "\n".join(self.capture.lines)
        self.assertIn("socket refused", logged, "the capture saw our lines")
        self.assertIn("Unauthorized: /ws_ticket", logged, "and Django's")
        self.assertIsNone(re.search(JWT_PATTERN, logged))
        for secret in secrets:
            self.assertNotIn(secret, logged)

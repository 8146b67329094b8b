"""GET /ws_ticket and the simplejwt endpoints the client uses."""
import time

from django.test import override_settings
from rest_framework.test import APIClient

from realtime.tickets import redeem_ticket

from .support import SocketTestCase, access_token, refresh_token


class TicketEndpointTests(SocketTestCase):
    def setUp(self):
        super().setUp()
        self.api = APIClient()

    def get_ticket(self, token=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        return self.api.get("/ws_ticket", **headers)

    def test_a_valid_jwt_gets_a_ticket_bound_to_its_user_and_expiry(self):
        response = self.get_ticket(access_token(self.alice, lifetime_s=10))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Cache-Control"], "no-store")
        body = response.json()
        self.assertEqual(set(body), {"ticket", "expires"})
        self.assertIsInstance(body["expires"], int)
        self.assertLessEqual(body["expires"], time.time() + 10)
        record = redeem_ticket(body["ticket"])
        self.assertEqual(record.user_id, self.alice.pk)
        self.assertEqual(record.token_exp, body["expires"])

    def test_no_jwt_is_401_with_a_bearer_challenge(self):
        response = self.get_ticket()
        self.assertEqual(response.status_code, 401)
        self.assertTrue(response["WWW-Authenticate"].startswith("Bearer"))

    def test_a_bad_expired_or_refresh_jwt_is_401(self):
        for token in ("not-a-jwt", access_token(self.alice, lifetime_s=-1), refresh_token(self.alice)):
            with self.subTest(token=token[:12]):
                self.assertEqual(self.get_ticket(token).status_code, 401)

    def test_a_user_who_may_not_use_the_socket_is_403(self):
        self.assertEqual(self.get_ticket(access_token(self.mallory)).status_code, 403)

    @override_settings(WS_TICKETS=False)
    def test_switched_off_it_is_404_before_authentication(self):
        self.assertEqual(self.get_ticket().status_code, 404)
        self.assertEqual(self.get_ticket(access_token(self.alice)).status_code, 404)

    def test_login_and_refresh_rotate_the_refresh_token(self):
        login = self.api.post("/api/token/", {"username": "alice", "password": "alice"}, format="json")
        self.assertEqual(login.status_code, 200)
        self.assertEqual(self.get_ticket(login.json()["access"]).status_code, 200)
        refreshed = self.api.post("/api/token/refresh/", {"refresh": login.json()["refresh"]}, format="json")
        self.assertEqual(refreshed.status_code, 200)
        self.assertEqual(set(refreshed.json()), {"access", "refresh"})
        again = self.api.post("/api/token/refresh/", {"refresh": login.json()["refresh"]}, format="json")
        self.assertEqual(again.status_code, 401, "the old refresh token was burnt")

    def test_a_wrong_password_is_401(self):
        response = self.api.post("/api/token/", {"username": "alice", "password": "nope"}, format="json")
        self.assertEqual(response.status_code, 401)

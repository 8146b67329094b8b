"""Tickets: random, bound to the user and the JWT's expiry, short lived, redeemed exactly once."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.core.cache import cache
from django.test import SimpleTestCase, override_settings

from realtime.tickets import issue_ticket, redeem_ticket


@override_settings(WS_TICKET_TTL_S=30)
class TicketTests(SimpleTestCase):
    def setUp(self):
        cache.clear()

    def test_a_ticket_is_192_random_bits_url_safe_and_expires_after_the_ttl(self):
        now = time.time()
        ticket, expires = issue_ticket(7, token_exp=int(now) + 300, now=now)
        self.assertRegex(ticket, r"^[A-Za-z0-9_-]{32}$")
        self.assertEqual(expires, int(now) + 30)
        self.assertNotEqual(ticket, issue_ticket(7, token_exp=int(now) + 300)[0])

    def test_a_ticket_never_outlives_its_jwt(self):
        now = time.time()
        _, expires = issue_ticket(7, token_exp=int(now) + 5, now=now)
        self.assertEqual(expires, int(now) + 5)

    def test_it_is_redeemed_once_with_its_user_and_token_expiry(self):
        ticket, expires = issue_ticket(7, token_exp=int(time.time()) + 300)
        record = redeem_ticket(ticket)
        self.assertEqual((record.user_id, record.expires), (7, expires))
        self.assertIsNone(redeem_ticket(ticket))

    def test_an_expired_ticket_is_refused(self):
        ticket, _ = issue_ticket(7, token_exp=int(time.time()) + 300, now=time.time() - 31)
        self.assertIsNone(redeem_ticket(ticket))

    def test_unknown_and_malformed_tickets_are_refused(self):
        for ticket in ("", "nope", "x" * 65, None, 12):
            with self.subTest(ticket=ticket):
                self.assertIsNone(redeem_ticket(ticket))

    def test_the_cache_holds_a_digest_not_the_ticket(self):
        ticket, _ = issue_ticket(7, token_exp=int(time.time()) + 300)
        self.assertIsNone(cache.get("ws-ticket:" + ticket))
        self.assertNotIn(ticket, repr(cache.__dict__) + repr(getattr(cache, "_cache", {})))


def race_redemptions(test, contenders=16, rounds=10):
    """`contenders` threads present the same ticket at one moment; exactly one wins, every round."""
    with ThreadPoolExecutor(contenders) as pool:
        for _ in range(rounds):
            ticket, _ = issue_ticket(7, token_exp=int(time.time()) + 300)
            start = threading.Barrier(contenders)

            def redeem():
                start.wait()
                return redeem_ticket(ticket)

            winners = [r for r in pool.map(lambda _: redeem(), range(contenders)) if r is not None]
            test.assertEqual(len(winners), 1)


class ConcurrentRedemptionTests(SimpleTestCase):
    def setUp(self):
        cache.clear()

    def test_concurrent_redemptions_of_one_ticket_have_exactly_one_winner(self):
        race_redemptions(self)

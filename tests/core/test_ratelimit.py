"""core.ratelimit: the client address every public rate limit counts (IPv6 by /64), and its use by each
of them (bookings and trainings, events, certificates, the waiting area, the logins)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import translation

from buergerbuero.certificates import ratelimit as certificates
from buergerbuero.core import bookinglimit as bookings
from buergerbuero.core.ratelimit import (
    ADDRESS,
    BOOKINGS_REFUSED,
    REGISTRATIONS_REFUSED,
    TokenBucket,
    address_bucket,
    client_address,
    count,
    uncount,
)
from buergerbuero.events import ratelimit as events
from buergerbuero.staff import ratelimit as logins
from buergerbuero.waitingroom.ratelimit import ENTRIES as waiting_entries

SAME_64 = ["2001:db8:aa:bb::1", "2001:db8:aa:bb:1:2:3:4", "2001:DB8:AA:BB:ffff:ffff:ffff:ffff"]
NEXT_64 = "2001:db8:aa:bc::1"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("address", "bucket"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:aa:bb::1", "2001:db8:aa:bb::/64"),
        ("2001:db8:aa:bb:1:2:3:4", "2001:db8:aa:bb::/64"),
        ("2001:DB8:AA:BB:ffff:ffff:ffff:ffff", "2001:db8:aa:bb::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("", ""),
        ("not an address", "not an address"),
    ],
)
def test_address_bucket(address, bucket) -> None:
    assert address_bucket(address) == bucket


def test_client_address_behind_the_proxy_is_the_last_forwarded_entry(settings) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 2001:db8::5")
    assert client_address(request) == "10.0.0.1"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client_address(request) == "2001:db8::5"


@pytest.mark.parametrize("limit", [bookings, events], ids=["bookings", "events"])
def test_bookings_and_registrations_count_a_64_together(limit, settings) -> None:
    settings.BOOKING_RATE_PER_ADDRESS = settings.EVENT_RATE_PER_ADDRESS = 2
    settings.BOOKING_RATE_PER_EMAIL = settings.EVENT_RATE_PER_EMAIL = 100
    assert limit.take(SAME_64[0], "a@example.org") is None
    assert limit.take(SAME_64[1], "b@example.org") is None
    assert limit.take(SAME_64[2], "c@example.org") == ADDRESS
    assert limit.take(NEXT_64, "d@example.org") is None


def test_certificate_lookups_count_a_64_together(settings) -> None:
    settings.CERTIFICATE_LOOKUPS_PER_ADDRESS = 2
    assert certificates.take(SAME_64[0])
    assert certificates.take(SAME_64[1])
    assert not certificates.take(SAME_64[2])
    assert certificates.take(NEXT_64)


def test_waiting_area_entries_count_a_64_together(settings) -> None:
    settings.WAITING_ENTRIES_PER_ADDRESS = 2
    assert waiting_entries.take(SAME_64[0])
    assert waiting_entries.take(SAME_64[1])
    assert not waiting_entries.take(SAME_64[2])
    assert waiting_entries.take(NEXT_64)


def test_logins_count_a_64_together(settings) -> None:
    settings.LOGIN_MAX_FAILURES = 2
    for address in SAME_64[:2]:
        assert logins.begin_attempt("anna", address, now=1000.0) == 0
        logins.register_failure("anna", address, now=1000.0)
    assert logins.begin_attempt("anna", SAME_64[2], now=1000.0) == settings.LOGIN_LOCKOUT_SECONDS
    assert logins.begin_attempt("anna", NEXT_64, now=1000.0) == 0


def test_the_login_back_off_doubles_up_to_its_ceiling(settings) -> None:
    settings.LOGIN_LOCKOUT_SECONDS = 60
    settings.LOGIN_LOCKOUT_MAX_SECONDS = 1000
    assert [logins.lock_seconds(n, 3) for n in range(8)] == [0, 0, 0, 60, 120, 240, 480, 960]
    assert logins.lock_seconds(9, 3) == 1000
    assert logins.lock_seconds(10**6, 3) == 1000


def test_token_bucket_tells_when_it_holds_enough_again() -> None:
    now = [100.0]
    bucket = TokenBucket(rate=2, burst=4, clock=lambda: now[0])
    assert bucket.seconds_until(4) == 0
    for _ in range(4):
        assert bucket.take()
    assert bucket.seconds_until(2) == 1.0
    now[0] += 0.5
    assert bucket.seconds_until(2) == 0.5
    assert bucket.seconds_until(10) == 1.5  # never more than its capacity


def test_token_bucket_refills() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=2, burst=2, clock=lambda: now[0])
    assert [bucket.take() for _ in range(3)] == [True, True, False]
    now[0] = 0.5
    assert [bucket.take(), bucket.take()] == [True, False]
    now[0] = 100
    assert [bucket.take() for _ in range(3)] == [True, True, False]  # never more than the burst


def test_the_counter_keeps_the_window_of_its_first_count() -> None:
    assert [count("k", 60) for _ in range(3)] == [1, 2, 3]
    uncount("k")
    assert count("k", 60) == 3
    cache.delete("k")  # the window ended
    uncount("k")  # nothing to take back: no error, nothing counted
    assert count("k", 60) == 1


@pytest.mark.parametrize(
    ("refusals", "what"), [(BOOKINGS_REFUSED, "bookings"), (REGISTRATIONS_REFUSED, "registrations")]
)
def test_a_refused_try_says_which_limit_it_hit(refusals, what, settings) -> None:
    settings.BOOKING_RATE_PER_ADDRESS = 2
    settings.BOOKING_RATE_PER_EMAIL = 1
    with translation.override("en"):
        assert refusals.check(bookings.BOOKINGS, SAME_64[0], "a@example.org") is None
        assert refusals.check(bookings.BOOKINGS, SAME_64[1], "a@example.org") == (
            f"Too many {what} were made for this e-mail address within an hour. Please try again later."
        )
        assert refusals.check(bookings.BOOKINGS, SAME_64[1], "b@example.org") is None
        assert refusals.check(bookings.BOOKINGS, SAME_64[2], "c@example.org") == (
            f"Too many {what} were made from your connection within an hour. Please try again later."
        )
    with translation.override("de"):
        assert refusals.check(bookings.BOOKINGS, SAME_64[2], "c@example.org").startswith(
            "Über Ihre Verbindung"
        )

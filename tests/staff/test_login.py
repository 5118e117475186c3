"""staff:login and staff:logout, the login rate limit, and the 403 for accounts without a Staff record."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from tests.conftest import PASSWORD, login
from tests.staff.helpers import url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def attempt(client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post(url("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_login_page_has_the_form(client) -> None:
    response = client.get(url("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="login-form"' in html and 'id="id_username"' in html and 'id="id_password"' in html
    assert "<script>" not in html  # CSP: no inline script


def test_login_goes_to_the_dashboard(client, world) -> None:
    response = attempt(client, "anna", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == url("dashboard")
    assert client.get(url("dashboard")).status_code == 200


def test_wrong_password_shows_an_error(client, world) -> None:
    response = attempt(client, "anna", "wrong")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_too_many_failures_lock_even_the_right_password(client, world, limits) -> None:
    for _ in range(3):
        assert attempt(client, "anna", "wrong").status_code == 200
    response = attempt(client, "Anna", PASSWORD)
    assert response.status_code == 429
    assert response.context["form"].has_error("__all__", "locked")
    assert "10 minutes" in response.content.decode() or "10 Minuten" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another official at the same address is not affected.
    assert attempt(client, "alex", PASSWORD).status_code == 302


def test_an_attackers_failures_do_not_lock_the_official_out_elsewhere(client, world, limits) -> None:
    for _ in range(10):
        attempt(client, "anna", "wrong", address="198.51.100.66")
    assert attempt(client, "anna", PASSWORD, address="198.51.100.66").status_code == 429
    # Anna's own address has not failed: she gets in.
    assert attempt(client, "anna", PASSWORD, address="192.0.2.20").status_code == 302


def test_ipv6_addresses_of_one_64_count_together(client, world, limits) -> None:
    for address in ("2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:abcd:ef01:2345:6789"):
        attempt(client, "anna", "wrong", address=address)
    assert attempt(client, "anna", PASSWORD, address="2001:db8:1:2:ffff::9").status_code == 429
    # The next /64 is another client.
    assert attempt(client, "anna", PASSWORD, address="2001:db8:1:3::1").status_code == 302


def test_an_empty_password_neither_counts_nor_clears(client, world, limits) -> None:
    for _ in range(3):
        attempt(client, "anna", "wrong")
    assert attempt(client, "anna", "").status_code == 429
    locked = attempt(client, "anna", PASSWORD)
    assert locked.status_code == 429


def test_too_many_failures_per_address_lock_that_address(client, world, limits) -> None:
    for name in ("x1", "x2", "x3", "x4"):
        attempt(client, name, "wrong", address="192.0.2.10")
    assert attempt(client, "alex", PASSWORD, address="192.0.2.10").status_code == 429
    assert attempt(client, "alex", PASSWORD, address="192.0.2.11").status_code == 302


def test_the_lock_ends_after_the_back_off_which_doubles(client, world, limits, clock) -> None:
    for _ in range(3):
        attempt(client, "anna", "wrong")
    assert attempt(client, "anna", PASSWORD).status_code == 429
    clock.advance(599)
    assert attempt(client, "anna", PASSWORD).status_code == 429
    clock.advance(1)
    # One more failure after the first lock: the next lock lasts twice as long.
    assert attempt(client, "anna", "wrong").status_code == 200
    response = attempt(client, "anna", PASSWORD)
    assert response.status_code == 429
    assert "20 minutes" in response.content.decode() or "20 Minuten" in response.content.decode()
    clock.advance(1199)
    assert attempt(client, "anna", PASSWORD).status_code == 429
    clock.advance(1)
    assert attempt(client, "anna", PASSWORD).status_code == 302


def test_a_success_clears_the_counter(client, world, limits) -> None:
    limits.LOGIN_MAX_FAILURES_PER_ADDRESS = 10  # only the pair's counter is looked at here
    attempt(client, "anna", "wrong")
    attempt(client, "anna", "wrong")
    assert attempt(client, "anna", PASSWORD).status_code == 302
    client.logout()
    attempt(client, "anna", "wrong")
    attempt(client, "anna", "wrong")
    assert attempt(client, "anna", PASSWORD).status_code == 302


def test_addresses_are_not_kept_in_clear(client, world, limits, settings) -> None:
    # What is checked is the key our rate limit derives, so the local-memory cache (whose keys can be
    # listed) stands in for whichever cache the suite runs with (Redis in the PostgreSQL variant).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    attempt(client, "anna", "wrong", address="203.0.113.42")
    keys = " ".join(str(k) for k in cache._cache)  # locmem
    assert keys
    assert "203.0.113.42" not in keys and "anna" not in keys


def test_behind_a_proxy_the_forwarded_address_counts(client, world, limits) -> None:
    limits.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    for name in ("x1", "x2", "x3", "x4"):
        client.post(
            url("login"),
            {"username": name, "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5",
        )
    locked = client.post(
        url("login"),
        {"username": "alex", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )
    assert locked.status_code == 429
    other = client.post(
        url("login"),
        {"username": "alex", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.6",
    )
    assert other.status_code == 302


def test_logout(client, world) -> None:
    login(client, world.official_a)
    assert client.get(url("logout")).status_code == 405
    response = client.post(url("logout"))
    assert response.status_code == 302
    assert response["Location"] == url("login")
    assert "_auth_user_id" not in client.session


def test_an_account_without_staff_record_gets_403(client, db) -> None:
    get_user_model().objects.create_user(username="nobody", password=PASSWORD)
    assert attempt(client, "nobody", PASSWORD).status_code == 302
    response = client.get(url("dashboard"))
    assert response.status_code == 403
    response = client.post(url("availability"), {"availability": "break"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client, db) -> None:
    response = client.get(url("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(url("login"))

"""The admin site's login (staff.views.admin_login): the same lockout as the staff login."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse

from tests.staff.helpers import url

pytestmark = pytest.mark.django_db

ROOT_PASSWORD = "pw-root-123456"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", ROOT_PASSWORD)


def admin_attempt(client, password: str, username: str = "root", address: str = "203.0.113.7"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def test_the_admin_login_signs_in(client, root) -> None:
    response = admin_attempt(client, ROOT_PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_ten_wrong_passwords_then_the_right_one_is_refused(client, root, clock, settings) -> None:
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_LOCKOUT_SECONDS = 900
    answers = [admin_attempt(client, "wrong").status_code for _ in range(10)]
    # Five are checked; from then on every attempt is refused unchecked (and not counted).
    assert answers == [200] * 5 + [429] * 5
    response = admin_attempt(client, ROOT_PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie 15 Minuten" in html
    assert "_auth_user_id" not in client.session
    clock.advance(899)
    assert admin_attempt(client, ROOT_PASSWORD).status_code == 429
    clock.advance(1)
    assert admin_attempt(client, ROOT_PASSWORD).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_both_logins_share_one_policy(client, root, limits) -> None:
    # Failures at the staff login count at the admin login and the other way round.
    client.post(url("login"), {"username": "root", "password": "wrong"}, REMOTE_ADDR="203.0.113.7")
    admin_attempt(client, "wrong")
    client.post(url("login"), {"username": "root", "password": "wrong"}, REMOTE_ADDR="203.0.113.7")
    assert admin_attempt(client, ROOT_PASSWORD).status_code == 429
    staff = client.post(
        url("login"), {"username": "root", "password": ROOT_PASSWORD}, REMOTE_ADDR="203.0.113.7"
    )
    assert staff.status_code == 429


def test_an_attacker_elsewhere_does_not_lock_the_admin_out(client, root, limits) -> None:
    for _ in range(10):
        admin_attempt(client, "wrong", address="2001:db8:bad::1")
    assert admin_attempt(client, ROOT_PASSWORD, address="2001:db8:bad::2").status_code == 429
    assert admin_attempt(client, ROOT_PASSWORD, address="2001:db8:600d::1").status_code == 302

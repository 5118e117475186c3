"""Entering the waiting area against a flood (waitingroom.ratelimit): entries per address (IPv6 by /64)
and per browser session, and the browser's proof of work when an office is under pressure."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from buergerbuero.core import pow
from buergerbuero.waitingroom.models import Ticket
from tests.conftest import enter, open_
from tests.public.helpers import de, url

pytestmark = pytest.mark.django_db(transaction=True)

VALID = {"display_name": "Erika Muster", "concern": "Heizung tauschen", "consent": "on"}
ADDRESS_REFUSAL = "Too many entries have come from your internet connection. Please try again later."
SESSION_REFUSAL = "You have entered the waiting area too often in a short time. Please try again later."


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def office(world):
    open_(world.official_a, world.office_a)
    return world.office_a


def post(office, data=VALID, address="203.0.113.7", client=None):
    client = client or Client()
    return client.post(url("enter", office), data, REMOTE_ADDR=address)


def solution(maximum: int = 50) -> str:
    return pow.solve(pow.create_challenge(maximum=maximum))


# --- per address and per session ------------------------------------------------------------------


def test_entries_beyond_the_address_limit_are_refused(office, settings) -> None:
    settings.WAITING_ENTRIES_PER_ADDRESS = 2
    # Fresh browsers (no cookie) each time: only the address can count them.
    assert post(office).status_code == 302
    assert post(office).status_code == 302
    response = post(office)
    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.WAITING_ENTRY_WINDOW_SECONDS)
    assert response.context["error"] == de(ADDRESS_REFUSAL)
    html = response.content.decode()
    assert '<html lang="de"' in html
    assert de(ADDRESS_REFUSAL) in html
    assert 'value="Erika Muster"' in html and "Heizung tauschen</textarea>" in html  # nothing lost
    assert Ticket.objects.count() == 2
    # Another address is not affected.
    assert post(office, address="198.51.100.1").status_code == 302


def test_ipv6_addresses_of_one_64_count_together(office, settings) -> None:
    settings.WAITING_ENTRIES_PER_ADDRESS = 2
    assert post(office, address="2001:db8:7:7::1").status_code == 302
    assert post(office, address="2001:db8:7:7:dead:beef:0:2").status_code == 302
    assert post(office, address="2001:db8:7:7::3").status_code == 429
    assert post(office, address="2001:db8:7:8::1").status_code == 302
    assert Ticket.objects.count() == 3


def test_entries_beyond_the_session_limit_are_refused(office, settings) -> None:
    settings.WAITING_ENTRIES_PER_SESSION = 2
    browser = Client()
    for address in ("192.0.2.1", "192.0.2.2"):
        assert post(office, address=address, client=browser).status_code == 302
        browser.post(url("leave", office))
    # A new address does not help a browser that keeps its session.
    response = post(office, address="192.0.2.3", client=browser)
    assert response.status_code == 429
    assert response.context["error"] == de(SESSION_REFUSAL)
    assert Ticket.objects.count() == 2


def test_an_entry_the_office_refuses_does_not_count(world, settings) -> None:
    settings.WAITING_ENTRIES_PER_ADDRESS = 1
    settings.WAITING_ENTRIES_PER_SESSION = 1
    browser = Client()
    closed = post(world.office_a, client=browser)
    assert closed.status_code == 409
    open_(world.official_a, world.office_a)
    assert post(world.office_a, client=browser).status_code == 302


# --- the proof of work under pressure -------------------------------------------------------------


@pytest.fixture
def busy(office, settings):
    """Two tickets made in the last minute put the office under pressure."""
    settings.WAITING_POW_ENTRIES_PER_MINUTE = 2
    enter(office)
    enter(office)
    return office


def test_the_office_page_carries_a_challenge_for_the_browser(office) -> None:
    response = Client().get(url("office", office))
    html = response.content.decode()
    assert 'id="pow-config"' in html and 'name="pow"' in html and "data-pow" in html
    assert "core/pow-form" in html


def test_without_pressure_no_solution_is_needed(office) -> None:
    assert post(office).status_code == 302


@pytest.mark.parametrize("payload", ["", "not-base64!", "e30="])
def test_under_pressure_a_missing_or_invalid_solution_is_refused(busy, payload) -> None:
    response = post(busy, {**VALID, "pow": payload})
    assert response.status_code == 400
    errors = response.context["form"].errors["pow"]
    assert errors
    html = response.content.decode()
    assert 'id="id_pow_error"' in html
    assert 'value="Erika Muster"' in html and "Heizung tauschen</textarea>" in html  # nothing lost
    assert Ticket.objects.count() == 2


def test_under_pressure_a_solved_challenge_lets_in_once(busy) -> None:
    solved = solution()
    assert post(busy, {**VALID, "pow": solved}).status_code == 302
    assert Ticket.objects.count() == 3
    replayed = post(busy, {**VALID, "pow": solved}, address="198.51.100.9")
    assert replayed.status_code == 400
    assert replayed.context["form"].errors["pow"] == [
        de("The security check was already used. It has been renewed: please send the form again.")
    ]
    assert Ticket.objects.count() == 3


def test_a_queue_near_its_maximum_is_pressure(office, settings) -> None:
    settings.WAITING_POW_QUEUE_PERCENT = 50
    office.max_queue_length = 4
    office.save()
    enter(office)
    assert post(office).status_code == 302  # 1 of 4 waiting: no pressure
    assert post(office).status_code == 400  # 2 of 4: the solution is needed
    assert post(office, {**VALID, "pow": solution()}).status_code == 302
    assert Ticket.objects.count() == 3

"""The public event pages: the list, an event with its registration form, the invitation page, the page
after registering and the registrant's page with the cancellation. Happy path with the database state and
the mail after it, wrong methods, another authority, bad input, and valid, renewed and forged links."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from buergerbuero.core import pow
from buergerbuero.events import mails, tokens
from buergerbuero.events.actions import lifecycle, registrations
from buergerbuero.events.models import Event, Registration, RegistrationMode
from buergerbuero.rooms.access import member_for_token
from tests.events.helpers import make_event, register

pytestmark = pytest.mark.django_db

VALID = {"name": "Erika Muster", "email": "Erika@Example.org", "consent": "on"}


@pytest.fixture(autouse=True)
def sent_mails(monkeypatch) -> list[tuple[int, str]]:
    """Observes the mails the actions schedule (mails.py is tested on its own, test_mails.py)."""
    sent: list[tuple[int, str]] = []
    monkeypatch.setattr(mails, "send", lambda pk, kind: sent.append((pk, kind)))
    return sent


@pytest.fixture(autouse=True)
def _small_pow_and_empty_cache(settings) -> None:
    settings.BOOKING_POW_MAX_NUMBER = 2000
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def event(world) -> Event:
    return make_event(world, capacity=2)


def detail_url(event: Event) -> str:
    return reverse("events:detail", args=[event.authority.slug, event.pk])


def invitation_url(event: Event) -> str:
    return reverse("events:invitation", args=[tokens.invitation_token(event.invitation_salt)])


def solved(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    return pow.solve(page.context["pow_config"]["challenge"])


def post_registration(client: Client, url: str, **overrides: str):
    return client.post(url, {**VALID, "pow": solved(client, url), **overrides})


# --- the list ------------------------------------------------------------------------------------------


def test_list_shows_upcoming_open_events_with_places_left(client, world, event) -> None:
    invited = make_event(world, title="Geschlossene Runde", registration=RegistrationMode.INVITATION)
    other = make_event(
        world, title="Fremdes", actor=world.other_admin, office=world.other_office, moderators=[]
    )
    cancelled = make_event(world, title="Abgesagt")
    lifecycle.cancel_event(cancelled, world.official_a)
    response = client.get(reverse("events:list", args=["testkreis"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-event-id="{event.pk}" data-state="open"' in html
    assert 'itemtype="https://schema.org/Event"' in html
    assert invited.title not in html and other.title not in html
    assert f'data-event-id="{cancelled.pk}" data-state="cancelled"' in html


def test_list_of_an_unknown_authority_is_404_and_post_is_405(client, world) -> None:
    assert client.get(reverse("events:list", args=["nirgendwo"])).status_code == 404
    assert client.post(reverse("events:list", args=["testkreis"])).status_code == 405


# --- registering ---------------------------------------------------------------------------------------


def test_register_makes_a_registration_mails_and_shows_the_links(
    client, event, sent_mails, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_registration(client, detail_url(event))
    assert response.status_code == 302 and response["Location"] == reverse("events:registered")
    registration = Registration.objects.get()
    assert (registration.name, registration.email, registration.event) == (
        "Erika Muster",
        "erika@example.org",
        event,
    )
    assert registration.language == "de"
    assert sent_mails == [(registration.pk, mails.CONFIRMED)]
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    join = mails.join_path(registrations.join_token(registration))
    assert f'href="{join}"' in html
    assert member_for_token(join.split("/")[2]) == registration.member
    assert mails.registration_path(registration) in html


def test_the_event_page_shows_the_places_left(client, event) -> None:
    register(event)
    response = client.get(detail_url(event))
    assert response.status_code == 200
    assert '<dd id="seats-left">1</dd>' in response.content.decode()


def test_bad_input_is_shown_with_nothing_lost(client, event) -> None:
    response = post_registration(client, detail_url(event), consent="", email="keine-adresse")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-summary"' in html and 'href="#id_consent"' in html and 'href="#id_email"' in html
    assert 'value="Erika Muster"' in html
    assert not Registration.objects.exists()


def test_without_proof_of_work_nothing_is_registered(client, event) -> None:
    response = client.post(detail_url(event), VALID)
    assert response.status_code == 400
    assert 'href="#pow-check"' in response.content.decode()
    assert not Registration.objects.exists()


def test_deeply_nested_proof_of_work_is_bad_input(client, event) -> None:
    # Under the length cap, but nested deeper than json's recursion limit (was HTTP 500).
    deep = __import__("base64").b64encode(b"[" * 1400).decode()
    response = client.post(detail_url(event), {**VALID, "pow": deep})
    assert response.status_code == 400
    assert not Registration.objects.exists()


def test_a_full_event_shows_no_form_and_refuses_a_post(client, event) -> None:
    register(event, email="a@example.org")
    url = detail_url(event)
    solution = solved(client, url)  # the form was open before the last place went
    register(event, email="b@example.org")
    page = client.get(url)
    assert 'id="registration-form"' not in page.content.decode()
    assert 'data-reason="full"' in page.content.decode()
    response = client.post(url, {**VALID, "pow": solution})
    assert response.status_code == 409
    assert Registration.objects.count() == 2


def test_a_cancelled_event_says_so(client, world, event) -> None:
    lifecycle.cancel_event(event, world.official_a, "Sturmwarnung")
    html = client.get(detail_url(event)).content.decode()
    assert 'data-reason="cancelled"' in html and "Sturmwarnung" in html
    assert 'id="registration-form"' not in html


def test_rate_limit_per_address(client, world, settings) -> None:
    settings.EVENT_RATE_PER_ADDRESS = 1
    first, second = make_event(world), make_event(world)
    assert post_registration(client, detail_url(first)).status_code == 302
    response = post_registration(client, detail_url(second), email="anders@example.org")
    assert response.status_code == 429
    assert Registration.objects.count() == 1


def test_another_authority_and_invitation_events_are_404(client, world, event) -> None:
    assert client.get(reverse("events:detail", args=["anderswo", event.pk])).status_code == 404
    invited = make_event(world, registration=RegistrationMode.INVITATION)
    assert client.get(detail_url(invited)).status_code == 404
    assert client.post(detail_url(invited), VALID).status_code == 404
    assert client.put(detail_url(event)).status_code == 405


# --- the invitation link -------------------------------------------------------------------------------


def test_invitation_link_registers(client, world) -> None:
    invited = make_event(world, registration=RegistrationMode.INVITATION)
    url = invitation_url(invited)
    page = client.get(url)
    assert page.status_code == 200 and page["Referrer-Policy"] == "strict-origin"
    assert page["X-Robots-Tag"] == "noindex"
    assert post_registration(client, url).status_code == 302
    assert invited.registrations.count() == 1


def test_renewed_invitation_link_ends_the_old_one(client, world) -> None:
    invited = make_event(world, registration=RegistrationMode.INVITATION)
    old = invitation_url(invited)
    lifecycle.renew_invitation(invited, world.official_a)
    invited.refresh_from_db()
    assert client.get(old).status_code == 404
    assert client.post(old, VALID).status_code == 404
    assert client.get(invitation_url(invited)).status_code == 200


def test_forged_invitation_link_is_404(client, world) -> None:
    invited = make_event(world, registration=RegistrationMode.INVITATION)
    token = tokens.invitation_token(invited.invitation_salt)
    forged = ("A" if token[0] != "A" else "B") + token[1:]
    response = client.get(reverse("events:invitation", args=[forged]))
    assert response.status_code == 404 and 'id="invalid-link"' in response.content.decode()
    assert client.get(reverse("events:invitation", args=["x" * 200])).status_code == 404


# --- the registrant's page -----------------------------------------------------------------------------


def registration_url(registration: Registration) -> str:
    return mails.registration_path(registration)


def test_registrant_page_shows_and_post_cancels(
    client, event, sent_mails, django_capture_on_commit_callbacks
) -> None:
    registration = register(event)
    url = registration_url(registration)
    page = client.get(url)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert 'id="cancel-form"' in page.content.decode()
    registration.refresh_from_db()
    assert registration.is_active  # opening the page changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    registration.refresh_from_db()
    assert not registration.is_active and registration.cancelled_by == "registrant"
    assert (registration.pk, mails.CANCELLED) in sent_mails
    html = client.get(url).content.decode()
    assert 'id="cancel-form"' not in html and 'id="join-link"' not in html
    # A second POST changes nothing and says why.
    assert client.post(url).status_code == 302
    assert Registration.objects.get().cancelled_at == registration.cancelled_at


def test_forged_registration_link_is_404(client, event) -> None:
    registration = register(event)
    token = tokens.registration_token(registration.token_salt)
    forged = reverse("events:registration", args=[token[:-1] + ("A" if token[-1] != "A" else "B")])
    assert client.get(forged).status_code == 404
    assert client.post(forged).status_code == 404
    registration.refresh_from_db()
    assert registration.is_active


def test_registered_page_without_a_registration_in_the_session(client) -> None:
    assert client.get(reverse("events:registered")).status_code == 404
    assert client.post(reverse("events:registered")).status_code == 405

from __future__ import annotations

import datetime as dt

import pytest

from buergerbuero.offices.models import Closure
from tests.conftest import open_
from tests.public.helpers import de, url

pytestmark = pytest.mark.django_db(transaction=True)


def test_open_office_page_shows_the_entry_form(world, client) -> None:
    world.office_a.description = "Wir beraten zu Energie."
    world.office_a.topics = "Heizung\nDämmung"
    world.office_a.languages = "Deutsch, English"
    world.office_a.save()
    open_(world.official_a, world.office_a)
    response = client.get(url("office", world.office_a))
    assert response.status_code == 200
    html = response.content.decode()
    for needle in (
        'id="enter-form"',
        'id="id_display_name"',
        'id="id_concern"',
        'id="id_consent"',
        'id="enter-button"',
        'id="office-state"',
        "Wir beraten zu Energie.",
        "Dämmung",
        "English",
        'src="/testkreis/energie/qr.svg"',
        "http://testserver/testkreis/energie/",
        'action="/testkreis/energie/eintreten/"',
    ):
        assert needle in html, needle
    assert response.context["state"].state == "open_free"
    assert "30" in html  # retention days in the privacy notice


def test_closed_office_page_says_so_and_shows_next_opening(world, client) -> None:
    response = client.get(url("office", world.office_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="enter-form"' not in html
    assert response.context["is_open"] is False
    assert response.context["next_opening"]


def test_closure_shows_in_the_week(world, client) -> None:
    from django.utils import timezone

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    Closure.objects.create(
        authority=world.authority, office=world.office_a, date=tomorrow, reason="Betriebsausflug"
    )
    response = client.get(url("office", world.office_a))
    assert response.context["week"][1]["closed_reason"] == "Betriebsausflug"
    assert "Betriebsausflug" in response.content.decode()


def test_office_of_another_authority_is_404(world, client) -> None:
    assert client.get("/testkreis/buergeramt/").status_code == 404
    assert client.get("/anderswo/energie/").status_code == 404
    assert client.get("/anderswo/energie/qr.svg").status_code == 404


def test_office_wrong_method(world, client) -> None:
    assert client.put(url("office", world.office_a)).status_code == 405
    assert client.post(url("office-qr", world.office_a)).status_code == 405


def test_qr_code_is_svg_of_the_direct_link(world, client) -> None:
    response = client.get(url("office-qr", world.office_a))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content


def test_office_page_shows_a_message_passed_on_by_a_redirect(world, client) -> None:
    response = client.get(url("waiting", world.office_a), follow=True)
    assert response.redirect_chain[-1][0] == url("office", world.office_a)
    assert de("You are not in the waiting area of this office.") in response.content.decode()


def test_closures_of_the_next_four_weeks_are_listed_with_their_reason(world, client) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    Closure.objects.create(
        authority=world.authority,
        office=world.office_a,
        date=today + dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=40),
        reason="Umbau",
    )
    Closure.objects.create(
        authority=world.authority, date=today + dt.timedelta(days=12), reason="Personalversammlung"
    )
    Closure.objects.create(
        authority=world.authority, office=world.office_a, date=today + dt.timedelta(days=30), reason="Später"
    )
    Closure.objects.create(
        authority=world.authority,
        office=world.office_b,
        date=today + dt.timedelta(days=3),
        reason="Anderes Amt",
    )
    response = client.get(url("office", world.office_a))
    assert [(c.first, c.last, c.reason) for c in response.context["closures"]] == [
        (today + dt.timedelta(days=10), today + dt.timedelta(days=40), "Umbau"),
        (today + dt.timedelta(days=12), today + dt.timedelta(days=12), "Personalversammlung"),
    ]
    html = response.content.decode()
    assert 'id="closures"' in html and "Umbau" in html and "Personalversammlung" in html
    assert "Später" not in html and "Anderes Amt" not in html

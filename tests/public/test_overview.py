from __future__ import annotations

import pytest
from django.urls import reverse

from buergerbuero.authorities.models import Authority
from tests.conftest import enter, open_

pytestmark = pytest.mark.django_db(transaction=True)


def test_overview_lists_the_authoritys_offices_with_state(world, client) -> None:
    open_(world.official_a, world.office_a)
    enter(world.office_a)
    response = client.get(reverse("public:overview", args=["testkreis"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-office-id="{world.office_a.pk}"' in html
    assert f'data-office-id="{world.office_b.pk}"' in html
    assert "Bürgeramt" not in html  # the other authority's office
    cards = {c["office"].pk: c for c in response.context["cards"]}
    assert cards[world.office_a.pk]["state"].state == "open_free"
    assert cards[world.office_a.pk]["state"].waiting == 1
    assert cards[world.office_b.pk]["state"].state == "closed"
    assert len(cards[world.office_a.pk]["week"]) == 7
    assert cards[world.office_a.pk]["today"]["intervals"] == ["00:00–23:59"]
    assert 'class="office-state' in html
    assert 'id="live-config"' in html and "/ws/public/testkreis/" in html


def test_overview_changes_nothing(world, client) -> None:
    from buergerbuero.audit.models import AuditEntry

    client.get(reverse("public:overview", args=["testkreis"]))
    assert AuditEntry.objects.count() == 0


def test_overview_of_unknown_authority_is_404(world, client) -> None:
    assert client.get("/nirgendwo/").status_code == 404


def test_overview_of_other_authority_shows_only_its_offices(world, client) -> None:
    response = client.get(reverse("public:overview", args=["anderswo"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bürgeramt" in html and "Energieberatung" not in html


def test_overview_wrong_method(world, client) -> None:
    assert client.post(reverse("public:overview", args=["testkreis"])).status_code == 405


def test_root_lists_authorities(world, client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "Landratsamt Testkreis" in response.content.decode()
    assert "Stadt Anderswo" in response.content.decode()


def test_root_redirects_when_there_is_one_authority(db, client) -> None:
    Authority.objects.create(name="Einzig", slug="einzig")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/einzig/"


def test_page_has_layout_landmarks_and_language_switch(world, client) -> None:
    world.authority.imprint_url = "https://example.org/impressum"
    world.authority.save()
    html = client.get(reverse("public:overview", args=["testkreis"])).content.decode()
    assert '<html lang="de">' in html
    assert 'href="#main"' in html and '<main id="main"' in html
    assert 'action="/i18n/setlang/"' in html and 'value="en"' in html
    assert "https://example.org/impressum" in html
    assert "style=" not in html and "<style" not in html
    assert "<script>" not in html


def test_page_in_english(world, client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/testkreis/"})
    html = client.get(reverse("public:overview", args=["testkreis"])).content.decode()
    assert '<html lang="en">' in html


def test_overview_links_trainings_events_and_the_certificate_check(world, client) -> None:
    html = client.get(reverse("public:overview", args=["testkreis"])).content.decode()
    for path in ("/testkreis/schulungen/", "/testkreis/veranstaltungen/", "/bescheinigung/"):
        assert f'href="{path}"' in html

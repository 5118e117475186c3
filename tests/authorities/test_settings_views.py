"""The authority's settings page: an administrator sees and changes their own authority's settings (with
an audit entry); officials get 403, anonymous visitors the login; another authority's administrator only
ever reaches their own authority; bad input keeps what was typed and names each problem."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from buergerbuero.audit.models import AuditEntry
from buergerbuero.authorities.models import Authority
from tests.conftest import login

pytestmark = pytest.mark.django_db

URL = "/staff/authority/settings/"


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Landratsamt Neukreis",
        "colour": "#004b23",
        "imprint_url": "https://www.neukreis.de/impressum",
        "privacy_url": "https://www.neukreis.de/datenschutz",
        "accessibility_url": "https://www.neukreis.de/barrierefreiheit",
        "holiday_state": "NW",
        "embed_origins": "https://www.neukreis.de\r\nhttps://termine.neukreis.de:8443",
    }
    data.update(overrides)
    return data


def english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def stored(world) -> Authority:
    return Authority.objects.get(pk=world.authority.pk)


def test_the_address_is_mounted() -> None:
    assert reverse("staff_authority:settings") == URL


def test_the_administrator_sees_the_current_settings(client, world) -> None:
    world.authority.imprint_url = "https://www.testkreis.de/impressum"
    world.authority.save()
    login(client, world.admin)
    english(client)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<h1>") == 1 and "Settings of the authority</h1>" in page
    assert 'value="Landratsamt Testkreis"' in page
    assert 'value="https://www.testkreis.de/impressum"' in page
    assert '<option value="BY" selected>' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'for="id_colour"' in page and 'aria-describedby="colour-hint"' in page
    assert AuditEntry.objects.count() == 0


def test_the_administrator_saves_and_the_change_is_audited(client, world) -> None:
    login(client, world.admin)
    english(client)
    response = client.post(URL, form_data(), follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "The settings have been saved." in response.content.decode()
    authority = stored(world)
    assert authority.name == "Landratsamt Neukreis"
    assert authority.colour == "#004b23"
    assert authority.accessibility_url == "https://www.neukreis.de/barrierefreiheit"
    assert authority.holiday_state == "NW"
    assert authority.embed_origins == "https://www.neukreis.de\nhttps://termine.neukreis.de:8443"
    (entry,) = AuditEntry.objects.filter(action="authority.settings_changed")
    assert entry.actor_id == world.admin.user_id and entry.authority_id == world.authority.pk
    assert entry.data["fields"] == list(form_data())
    # The other authority is untouched.
    assert Authority.objects.get(pk=world.other_authority.pk).name == "Stadt Anderswo"


def test_an_address_without_a_scheme_gets_https(client, world) -> None:
    login(client, world.admin)
    assert client.post(URL, form_data(imprint_url="www.neukreis.de/impressum")).status_code == 302
    assert stored(world).imprint_url == "https://www.neukreis.de/impressum"
    assert AuditEntry.objects.get().data["fields"] == list(form_data())


def test_a_colour_with_too_little_contrast_is_refused_with_its_ratio(client, world) -> None:
    login(client, world.admin)
    english(client)
    response = client.post(URL, form_data(colour="#7fb3ff"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "The contrast is 1.9:1; at least 4.5:1 is needed." in page
    assert 'href="#id_colour"' in page  # the error summary links the field
    assert 'aria-describedby="colour-hint colour-error"' in page and 'aria-invalid="true"' in page
    # Nothing typed is lost, and nothing is saved.
    assert 'value="#7fb3ff"' in page and 'value="Landratsamt Neukreis"' in page
    assert "https://termine.neukreis.de:8443" in page
    assert stored(world).name == "Landratsamt Testkreis"
    assert AuditEntry.objects.count() == 0


def test_the_contrast_message_reads_in_german_by_default(client, world) -> None:
    login(client, world.admin)
    page = client.post(URL, form_data(colour="#7fb3ff")).content.decode()
    assert "1,9:1" in page and "4,5:1" in page
    assert stored(world).colour == "#1d4f91"


def test_every_bad_field_gets_its_own_message(client, world) -> None:
    login(client, world.admin)
    english(client)
    bad = form_data(
        name="",
        colour="blue",
        imprint_url="https://",
        holiday_state="XX",
        embed_origins="https://ok.de\nhttp://neukreis.de/pfad",
    )
    response = client.post(URL, bad)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"name", "colour", "imprint_url", "holiday_state", "embed_origins"}
    page = response.content.decode()
    assert "Enter a colour as #RRGGBB." in page
    assert "Line 2:" in page
    for field in ("name", "colour", "imprint_url", "holiday_state", "embed_origins"):
        assert f'id="{field}-error"' in page
    assert 'value="https://"' in page and "http://neukreis.de/pfad" in page
    assert stored(world).holiday_state == "BY"
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("who", ["official_a", "official_b"])
def test_officials_who_are_no_administrators_get_403(client, world, who) -> None:
    login(client, getattr(world, who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data()).status_code == 403
    assert stored(world).name == "Landratsamt Testkreis"
    assert AuditEntry.objects.count() == 0


def test_another_authoritys_administrator_changes_only_their_own(client, world) -> None:
    login(client, world.other_admin)
    page = client.get(URL).content.decode()
    assert 'value="Stadt Anderswo"' in page and "Landratsamt Testkreis" not in page
    assert client.post(URL, form_data(name="Stadt Anderswo neu")).status_code == 302
    assert stored(world).name == "Landratsamt Testkreis"
    assert Authority.objects.get(pk=world.other_authority.pk).name == "Stadt Anderswo neu"
    (entry,) = AuditEntry.objects.all()
    assert entry.authority_id == world.other_authority.pk


def test_anonymous_visitors_are_sent_to_the_login(client, world) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.post(URL, form_data()).status_code == 302
    assert stored(world).name == "Landratsamt Testkreis"
    assert AuditEntry.objects.count() == 0


def test_wrong_method_and_missing_csrf(client, world) -> None:
    login(client, world.admin)
    assert client.put(URL).status_code == 405
    strict = login(Client(enforce_csrf_checks=True), world.admin)
    assert strict.post(URL, form_data()).status_code == 403
    assert stored(world).name == "Landratsamt Testkreis"
    assert AuditEntry.objects.count() == 0


def test_the_dashboard_links_the_page_for_administrators_only(client, world) -> None:
    login(client, world.admin)
    assert (
        f'href="{URL}" id="authority-settings-link"'
        in client.get(reverse("staff:dashboard")).content.decode()
    )
    client.logout()
    login(client, world.official_a)
    assert "authority-settings-link" not in client.get(reverse("staff:dashboard")).content.decode()

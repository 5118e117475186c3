from __future__ import annotations

import pytest
from django.urls import reverse

from buergerbuero.audit.models import AuditEntry
from buergerbuero.core import colours
from buergerbuero.public import theme

pytestmark = pytest.mark.django_db


def test_theme_sets_the_authoritys_colour(world, client) -> None:
    world.authority.colour = "#004b23"
    world.authority.save()
    response = client.get(reverse("public:theme", args=["testkreis"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert "--primary: #004b23;" in response.content.decode()
    assert AuditEntry.objects.count() == 0


def test_pages_link_the_theme_and_show_the_logo(world, client) -> None:
    world.authority.logo_url = "/static/logo.svg"
    world.authority.save()
    html = client.get(reverse("public:overview", args=["testkreis"])).content.decode()
    assert 'href="/testkreis/theme.css?v=1d4f91"' in html
    assert 'src="/static/logo.svg" alt=""' in html
    assert "Landratsamt Testkreis" in html


@pytest.mark.parametrize("colour", ["#ffff00", "#7fb3ff", "#ffffff", "#00a000"])
def test_a_light_colour_is_darkened_to_readable_contrast(colour) -> None:
    result = colours.parse(theme.readable(colour))
    assert colours.contrast(result, (255, 255, 255)) >= 4.5
    assert colours.contrast(result, colours.SURFACE) >= 4.5


def test_a_dark_colour_is_kept() -> None:
    assert theme.readable("#1d4f91") == "#1d4f91"


def test_a_malformed_colour_falls_back_to_the_default() -> None:
    assert theme.readable("red") == theme.DEFAULT_COLOUR


def test_theme_of_unknown_authority_is_404(world, client) -> None:
    assert client.get("/nirgendwo/theme.css").status_code == 404


def test_theme_wrong_method(world, client) -> None:
    assert client.post(reverse("public:theme", args=["testkreis"])).status_code == 405

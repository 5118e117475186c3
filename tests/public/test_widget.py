"""The status widget page (public/views/widget.py), its framing policy and the allowed embedding origins."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.urls import reverse

from buergerbuero.authorities.models import Authority
from buergerbuero.authorities.origins import normalise_origin, parse_origins
from tests.conftest import enter, login, open_

pytestmark = pytest.mark.django_db

# Everything the widget loads: the page, its stylesheet, the theme, its module and the modules that imports
# (officecard.js, i18n.js, socket.js); plus the loader on the embedding page (docs/status-api.md states the
# measured figure).
BUDGET_BYTES = 20 * 1024


def widget_url(slug: str = "testkreis", query: str = "") -> str:
    return reverse("public:widget", args=[slug]) + (f"?{query}" if query else "")


def frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    found = [p.strip() for p in policy.split(";") if p.strip().startswith("frame-ancestors")]
    assert len(found) == 1, policy
    return found[0]


def test_widget_shows_the_offices_with_live_state(world, client) -> None:
    open_(world.official_a, world.office_a)
    enter(world.office_a)
    response = client.get(widget_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert f'data-office-id="{world.office_a.pk}"' in html
    assert f'data-office-id="{world.office_b.pk}"' in html
    assert "Bürgeramt" not in html  # another authority's office
    assert 'href="/testkreis/energie/" target="_top"' in html
    assert 'data-state="open_free"' in html and 'data-state="closed"' in html
    assert '<dd class="office-waiting">1</dd>' in html
    assert "00:00–23:59" in html  # today's hours, and the week in a table
    assert 'role="status" aria-live="polite"' in html
    assert re.search(r"<h1[^>]*>", html) and html.count("<h2>") == 2
    assert 'id="live-config"' in html and "/ws/public/testkreis/" in html
    assert "widget-frame.js" in html
    # No session, no CSRF cookie: a third-party frame sets no cookie.
    assert not response.cookies


def test_widget_filters_offices_and_speaks_english(world, client) -> None:
    response = client.get(widget_url(query="office=garten&office=gibtsnicht&lang=en&links=new"))
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert response["Content-Language"] == "en"
    assert f'data-office-id="{world.office_b.pk}"' in html
    assert f'data-office-id="{world.office_a.pk}"' not in html
    assert "Status" in html and "opens in a new tab" in html
    assert 'target="_blank" rel="noopener"' in html


def test_widget_unknown_language_is_german(world, client) -> None:
    response = client.get(widget_url(query="lang=fr"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="de">' in response.content.decode()


def test_widget_of_unknown_authority_is_404(world, client) -> None:
    assert client.get(widget_url("nirgendwo")).status_code == 404


def test_widget_wrong_method(world, client) -> None:
    assert client.post(widget_url()).status_code == 405


# --- framing ---------------------------------------------------------------------------------------


def test_widget_may_be_framed_by_the_authoritys_origins_only(world, client) -> None:
    world.authority.embed_origins = "https://www.testkreis.de\nhttp://localhost:8080"
    world.authority.save()
    Authority.objects.filter(slug="anderswo").update(embed_origins="https://www.anderswo.de")
    response = client.get(widget_url())
    assert "X-Frame-Options" not in response
    assert (
        frame_ancestors(response) == "frame-ancestors 'self' https://www.testkreis.de http://localhost:8080"
    )
    # The rest of the policy is the site's.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    other = client.get(widget_url("anderswo"))
    assert frame_ancestors(other) == "frame-ancestors 'self' https://www.anderswo.de"


def test_widget_without_origins_is_framed_only_by_our_own_pages(world, client) -> None:
    assert frame_ancestors(client.get(widget_url())) == "frame-ancestors 'self'"


def test_every_other_page_stays_unembeddable(world, client) -> None:
    world.authority.embed_origins = "https://www.testkreis.de"
    world.authority.save()
    staff = login(client.__class__(), world.official_a)
    pages = [
        (client, reverse("public:overview", args=["testkreis"])),
        (client, reverse("public:office", args=["testkreis", "energie"])),
        (client, reverse("public:api-offices", args=["testkreis"])),
        (client, "/staff/login/"),
        (staff, "/staff/"),
    ]
    for who, url in pages:
        response = who.get(url)
        assert response.status_code == 200, url
        assert response["X-Frame-Options"] == "DENY", url
        assert frame_ancestors(response) == "frame-ancestors 'none'", url


# --- the origin field ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://www.testkreis.de", "https://www.testkreis.de"),
        ("HTTPS://WWW.Testkreis.DE/", "https://www.testkreis.de"),
        ("https://www.testkreis.de:443", "https://www.testkreis.de"),
        ("https://cms.testkreis.de:8443", "https://cms.testkreis.de:8443"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://127.0.0.1", "http://127.0.0.1"),
        ("  https://a.example  ", "https://a.example"),
    ],
)
def test_origin_is_normalised(value, expected) -> None:
    assert normalise_origin(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("www.testkreis.de", "invalid"),
        ("ftp://www.testkreis.de", "invalid"),
        ("https://*.testkreis.de", "invalid"),
        ("https://", "invalid"),
        ("http://www.testkreis.de", "insecure"),
        ("http://intranet:8080", "insecure"),
        ("https://www.testkreis.de/buergerbuero", "path"),
        ("https://www.testkreis.de/?x=1", "path"),
        ("https://www.testkreis.de#top", "path"),
        ("https://user:pw@www.testkreis.de", "userinfo"),
        ("https://www.testkreis.de:99999", "port"),
        ("https://www.testkreis.de:abc", "port"),
        ("'self'", "invalid"),
        ("https://a.example; script-src *", "invalid"),
    ],
)
def test_bad_origins_are_refused(value, code) -> None:
    with pytest.raises(ValidationError) as caught:
        normalise_origin(value)
    assert caught.value.code == code


def test_errors_name_their_lines_and_duplicates_collapse() -> None:
    assert parse_origins("https://a.example\n\nhttps://A.example/\nhttps://b.example") == [
        "https://a.example",
        "https://b.example",
    ]
    with pytest.raises(ValidationError) as caught:
        parse_origins("https://a.example\nhttp://b.example\nb.example/x")
    messages = caught.value.messages
    assert len(messages) == 2
    assert messages[0].startswith("Zeile 2:") or messages[0].startswith("Line 2:")
    assert "b.example" in messages[1]


def test_model_validation_and_normalised_storage(world) -> None:
    authority = world.authority
    authority.embed_origins = "http://www.testkreis.de"
    with pytest.raises(ValidationError) as caught:
        authority.full_clean()
    assert "embed_origins" in caught.value.message_dict
    authority.embed_origins = "HTTPS://www.testkreis.de/\n"
    authority.full_clean()
    authority.save()
    authority.refresh_from_db()
    assert authority.embed_origins == "https://www.testkreis.de"
    assert authority.embed_origin_list == ["https://www.testkreis.de"]


def test_a_malformed_stored_value_allows_nothing(world, client) -> None:
    Authority.objects.filter(pk=world.authority.pk).update(
        embed_origins="https://ok.example\nhttp://evil.example"
    )
    assert frame_ancestors(client.get(widget_url())) == "frame-ancestors 'self'"


def test_admin_edits_the_origins(world, client) -> None:
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    assert client.login(username="root", password="pw")
    url = reverse("admin:authorities_authority_change", args=[world.authority.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="embed_origins"' in page.content.decode()
    data = {
        "name": world.authority.name,
        "slug": world.authority.slug,
        "colour": world.authority.colour,
        "holiday_state": world.authority.holiday_state,
        "logo_url": "",
        "imprint_url": "",
        "privacy_url": "",
        "accessibility_url": "",
        "embed_origins": "https://www.testkreis.de/buergerbuero",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "www.testkreis.de/buergerbuero" in refused.content.decode()
    world.authority.refresh_from_db()
    assert world.authority.embed_origins == ""
    data["embed_origins"] = "https://WWW.testkreis.de\r\nhttp://localhost:3000"
    assert client.post(url, data).status_code == 302
    world.authority.refresh_from_db()
    assert world.authority.embed_origin_list == ["https://www.testkreis.de", "http://localhost:3000"]


# --- size ------------------------------------------------------------------------------------------


def _gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def test_everything_the_widget_loads_fits_the_budget(world, client) -> None:
    page = client.get(widget_url())
    html = page.content
    total = _gzip_size(html)
    loaded = re.findall(rb'(?:href|src)="(/static/[^"?]+)', html)
    assert {Path(p.decode()).name for p in loaded} >= {"widget.css", "widget-frame.js"}
    # What widget-frame.js imports, and the loader on the host page.
    beside = [
        "/static/public/officecard.js",
        "/static/core/i18n.js",
        "/static/core/socket.js",
        "/static/public/widget.js",
    ]
    for path in [p.decode() for p in loaded] + beside:
        found = finders.find(path.removeprefix("/static/"))
        assert found, path
        total += _gzip_size(Path(found).read_bytes())
    theme = client.get(reverse("public:theme", args=["testkreis"])).content
    total += _gzip_size(theme)
    print(f"widget, gzip-compressed: {total} bytes")
    assert total <= BUDGET_BYTES

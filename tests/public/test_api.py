"""The public status API (public/views/api.py): every endpoint, validated against its own OpenAPI document."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec

from buergerbuero.appointments.models import AppointmentSettings
from buergerbuero.authorities.models import Authority
from buergerbuero.offices.models import Closure, Department
from buergerbuero.public import openapi
from tests.conftest import enter, open_

pytestmark = pytest.mark.django_db

ALLOWED = "https://www.testkreis.de"


@pytest.fixture(autouse=True)
def _empty_memo():
    # The API keeps built answers for a few seconds in the cache; each test starts without them.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def allowed(world):
    world.authority.embed_origins = ALLOWED
    world.authority.save()
    return world


def list_url(slug: str = "testkreis") -> str:
    return reverse("public:api-offices", args=[slug])


def office_url(office) -> str:
    return reverse("public:api-office", args=[office.authority.slug, office.slug])


def schema_for(path: str, status: str = "200") -> Draft202012Validator:
    """The response schema the OpenAPI document gives for ``path``; refs resolve inside the document."""
    document = openapi.document()
    operation = document["paths"][path]["get"]
    schema = operation["responses"][status]
    if "$ref" in schema:
        schema = document["components"]["responses"][schema["$ref"].rsplit("/", 1)[1]]
    root = {**schema["content"]["application/json"]["schema"], "components": document["components"]}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def assert_valid(path: str, body: dict, status: str = "200") -> None:
    errors = list(schema_for(path, status).iter_errors(body))
    assert not errors, [e.message for e in errors]


# --- the document ----------------------------------------------------------------------------------


def test_openapi_document_is_valid_openapi_3_1(client) -> None:
    response = client.get(reverse("public:api-openapi"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    document = response.json()
    assert document["openapi"] == "3.1.0"
    validate_spec(document)
    assert set(document["paths"]) == {
        "/api/v1/{authority}/offices/",
        "/api/v1/{authority}/offices/{office}/",
        "/api/v1/openapi.json",
    }
    again = client.get(reverse("public:api-openapi"), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


# --- the list --------------------------------------------------------------------------------------


def test_list_describes_every_office_with_live_figures(world, client) -> None:
    world.office_a.department = Department.objects.create(authority=world.authority, name="Umwelt")
    world.office_a.description = "Beratung zu Heizung und Dämmung"
    world.office_a.save()
    AppointmentSettings.objects.create(office=world.office_b, enabled=True)
    open_(world.official_a, world.office_a)
    enter(world.office_a)
    enter(world.office_a, name="Max Muster")

    response = client.get(list_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert_valid("/api/v1/{authority}/offices/", body)
    assert body["authority"] == {
        "slug": "testkreis",
        "name": "Landratsamt Testkreis",
        "url": "http://testserver/testkreis/",
    }
    offices = {o["slug"]: o for o in body["offices"]}
    assert list(offices) == ["energie", "garten"]  # by name; never the other authority's Bürgeramt
    energie, garten = offices["energie"], offices["garten"]
    assert energie["name"] == "Energieberatung"
    assert energie["department"] == "Umwelt"
    assert energie["description"] == "Beratung zu Heizung und Dämmung"
    assert energie["urls"] == {
        "page": "http://testserver/testkreis/energie/",
        "waiting_area": "http://testserver/testkreis/energie/eintreten/",
    }
    # Two officials, one present and free: the first newcomer-to-be is third in line (the overview's figure).
    assert energie["live"]["state"] == "open_free"
    assert energie["live"]["waiting"] == 2
    assert energie["live"]["expected_wait_seconds"] == 1200
    assert energie["appointments"] == {"offered": False, "url": None}
    assert garten["live"] == {"state": "closed", "waiting": 0, "expected_wait_seconds": 0}
    assert garten["department"] is None
    assert garten["appointments"]["offered"] is True
    assert garten["appointments"]["url"] == "http://testserver/testkreis/garten/termin/"
    hours = energie["opening_hours"]
    assert hours["time_zone"] == "Europe/Berlin"
    assert len(hours["weekly"]) == 7
    assert hours["weekly"][0] == {"weekday": "monday", "start": "00:00", "end": "23:59"}
    assert hours["next_opening"] is not None
    dt.datetime.fromisoformat(hours["next_opening"])


def test_list_matches_what_the_overview_shows(world, client) -> None:
    open_(world.official_a, world.office_a)
    enter(world.office_a)
    cards = client.get(reverse("public:overview", args=["testkreis"])).context["cards"]
    body = client.get(list_url()).json()
    for card, office in zip(cards, body["offices"], strict=True):
        assert office["slug"] == card["office"].slug
        assert office["live"]["state"] == card["state"].state
        assert office["live"]["waiting"] == card["state"].waiting
        expected = card["state"].expected_wait_seconds(card["state"].waiting + 1)
        assert office["live"]["expected_wait_seconds"] == expected


def test_closures_ahead_are_listed(world, client) -> None:
    day = timezone.localdate() + dt.timedelta(days=3)
    Closure.objects.create(
        authority=world.authority, office=world.office_a, date=day, reason="Betriebsausflug"
    )
    Closure.objects.create(authority=world.other_authority, date=day, reason="Anderswo")
    body = client.get(office_url(world.office_a)).json()
    closures = body["office"]["opening_hours"]["closures"]
    assert {"date": day.isoformat(), "reason": "Betriebsausflug"} in closures
    assert all(c["reason"] != "Anderswo" for c in closures)


def test_other_authority_lists_only_its_own_offices(world, client) -> None:
    body = client.get(list_url("anderswo")).json()
    assert [o["slug"] for o in body["offices"]] == ["buergeramt"]
    assert body["authority"]["slug"] == "anderswo"


def test_no_personal_data_in_the_body(world, client) -> None:
    open_(world.official_a, world.office_a)
    enter(world.office_a, name="Erika Geheim", concern="Steuerschulden")
    text = client.get(list_url()).content.decode()
    for secret in ["Erika Geheim", "Steuerschulden", "Anna Amsel", "Alex Adler", "anna", "token"]:
        assert secret not in text


# --- one office ------------------------------------------------------------------------------------


def test_office_detail(world, client) -> None:
    response = client.get(office_url(world.office_b))
    assert response.status_code == 200
    body = response.json()
    assert_valid("/api/v1/{authority}/offices/{office}/", body)
    assert body["office"]["slug"] == "garten"
    assert body["authority"]["slug"] == "testkreis"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nirgendwo/offices/",
        "/api/v1/nirgendwo/offices/energie/",
        "/api/v1/testkreis/offices/gibtsnicht/",
        # An office of another authority is not found under this one.
        "/api/v1/testkreis/offices/buergeramt/",
        "/api/v1/testkreis/",
        "/api/v2/testkreis/offices/",
    ],
)
def test_unknown_is_a_json_404(world, client, path) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["message"]
    assert_valid("/api/v1/{authority}/offices/", body, "404")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_methods_are_a_json_405(world, client, method) -> None:
    for url in [list_url(), office_url(world.office_a), reverse("public:api-openapi")]:
        response = getattr(client, method)(url)
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD, OPTIONS"
        body = response.json()
        assert body["error"]["code"] == "method_not_allowed"
        assert_valid("/api/v1/{authority}/offices/", body, "405")


def test_head_has_the_headers_without_the_body(world, client) -> None:
    get = client.get(list_url())
    head = client.head(list_url())
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]
    assert head["Content-Length"] == str(len(get.content))


def test_reading_changes_nothing(world, client) -> None:
    from buergerbuero.audit.models import AuditEntry

    client.get(list_url())
    client.get(office_url(world.office_a))
    assert AuditEntry.objects.count() == 0
    assert "sessionid" not in client.cookies


# --- caching ---------------------------------------------------------------------------------------


def test_etag_and_cache_control(world, client) -> None:
    response = client.get(list_url())
    etag = response["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert response["Cache-Control"] == "public, max-age=15"
    assert "Origin" in response["Vary"]
    not_modified = client.get(list_url(), HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert not_modified["Cache-Control"] == "public, max-age=15"
    # A list of tags and the weak form match too (If-None-Match uses the weak comparison).
    assert client.get(list_url(), HTTP_IF_NONE_MATCH=f'"nope", W/{etag}').status_code == 304
    assert client.get(list_url(), HTTP_IF_NONE_MATCH='"nope"').status_code == 200


def test_a_change_is_a_new_etag_once_the_memo_has_expired(world, client) -> None:
    before = client.get(list_url())["ETag"]
    open_(world.official_a, world.office_a)
    # Within the memo the answer stays the same (documented: up to MEMO_SECONDS old) ...
    assert client.get(list_url(), HTTP_IF_NONE_MATCH=before).status_code == 304
    cache.clear()  # ... and after it, the change shows.
    response = client.get(list_url(), HTTP_IF_NONE_MATCH=before)
    assert response.status_code == 200
    assert response["ETag"] != before
    assert response.json()["offices"][0]["live"]["state"] == "open_free"


def test_same_figures_same_etag_without_the_memo(world, client) -> None:
    first = client.get(office_url(world.office_a))["ETag"]
    cache.clear()
    assert client.get(office_url(world.office_a))["ETag"] == first


def test_a_304_costs_no_query(world, client) -> None:
    # len() of a capture must be read before the next request: request_started empties the query log.
    with CaptureQueriesContext(connection) as capture:
        etag = client.get(list_url())["ETag"]
    built = len(capture)
    # Building costs a few queries per office (live state, hours, appointments) ...
    assert 0 < built <= 2 + 8 * 2
    client.get(office_url(world.office_a))
    # ... a revalidation within the memo none.
    with CaptureQueriesContext(connection) as capture:
        assert client.get(list_url(), HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert len(capture) == 0
    with CaptureQueriesContext(connection) as capture:
        assert client.get(office_url(world.office_a)).status_code == 200
    assert len(capture) == 0
    # Without the memo a 304 costs what building costs (the ETag is the body's hash).
    cache.clear()
    with CaptureQueriesContext(connection) as capture:
        assert client.get(list_url(), HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert len(capture) == built


def test_memo_is_per_host(world, client) -> None:
    a = client.get(list_url(), HTTP_HOST="localhost").json()
    b = client.get(list_url(), HTTP_HOST="127.0.0.1").json()
    assert a["authority"]["url"].startswith("http://localhost/")
    assert b["authority"]["url"].startswith("http://127.0.0.1/")


# --- CORS ------------------------------------------------------------------------------------------


def test_cors_allowed_origin_is_echoed(allowed, client) -> None:
    response = client.get(list_url(), HTTP_ORIGIN=ALLOWED)
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Expose-Headers"] == "ETag"
    assert "Origin" in response["Vary"]
    not_modified = client.get(list_url(), HTTP_ORIGIN=ALLOWED, HTTP_IF_NONE_MATCH=response["ETag"])
    assert not_modified.status_code == 304
    assert not_modified["Access-Control-Allow-Origin"] == ALLOWED


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "http://www.testkreis.de", "https://www.testkreis.de.evil.example", "null"],
)
def test_cors_other_origins_get_no_cors_headers(allowed, client, origin) -> None:
    response = client.get(list_url(), HTTP_ORIGIN=origin)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
    assert "Origin" in response["Vary"]
    preflight = client.options(list_url(), HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert "Access-Control-Allow-Origin" not in preflight


def test_cors_origin_of_another_authority_is_not_allowed(allowed, client) -> None:
    other = Authority.objects.get(slug="anderswo")
    other.embed_origins = "https://www.anderswo.de"
    other.save()
    response = client.get(list_url(), HTTP_ORIGIN="https://www.anderswo.de")
    assert "Access-Control-Allow-Origin" not in response


def test_cors_preflight(allowed, client) -> None:
    for url in [list_url(), office_url(allowed.office_a)]:
        for _round in range(2):  # built, then from the memo
            response = client.options(
                url,
                HTTP_ORIGIN=ALLOWED,
                HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
                HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
            )
            assert response.status_code == 204
            assert response["Access-Control-Allow-Origin"] == ALLOWED
            assert response["Access-Control-Allow-Methods"] == "GET, HEAD"
            assert response["Access-Control-Allow-Headers"] == "If-None-Match"
            assert "Origin" in response["Vary"]
            client.get(url)
    assert client.options(list_url("nirgendwo"), HTTP_ORIGIN=ALLOWED).status_code == 404


def test_cors_on_404_of_a_known_authority(allowed, client) -> None:
    response = client.get("/api/v1/testkreis/offices/gibtsnicht/", HTTP_ORIGIN=ALLOWED)
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == ALLOWED


def test_the_body_is_compact_utf8_json(world, client) -> None:
    content = client.get(list_url("anderswo")).content
    assert "Bürgeramt".encode() in content  # not \u00fc
    assert json.loads(content)["offices"][0]["name"] == "Bürgeramt"

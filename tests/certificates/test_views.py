"""The public verification pages (certificates.views): genuine, forged, revoked, malformed identifiers,
what is (not) shown, headers, wrong methods and the per-address limit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from buergerbuero.certificates import actions, identifiers

pytestmark = pytest.mark.django_db

FORM = "/bescheinigung/"


def _url(identifier: str) -> str:
    return f"/bescheinigung/{identifier}/"


def _forged() -> str:
    """Well-formed (correct check part) but never issued."""
    return identifiers.display(identifiers.new())


def _private(response) -> None:
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "strict-origin"
    assert b'<meta name="robots" content="noindex">' in response.content


def test_the_urls_are_as_printed(make_certificate) -> None:
    certificate = make_certificate()
    assert reverse("certificates:verify-form") == FORM
    assert reverse("certificates:verify", args=[certificate.display_identifier]) == _url(
        certificate.display_identifier
    )
    assert certificate.verification_url.endswith(_url(certificate.display_identifier))


def test_a_genuine_certificate_shows_name_training_date_and_office_but_not_the_birth_date(
    make_certificate, citizen_client: Client
) -> None:
    certificate = make_certificate()
    response = citizen_client.get(_url(certificate.display_identifier))
    assert response.status_code == 200
    _private(response)
    html = response.content.decode()
    assert 'data-status="valid"' in html
    assert "Jörg Müßig-Äbele" in html
    assert certificate.title in html
    assert "Energieberatung" in html and "Landratsamt Testkreis" in html
    assert "6. Mai 2025" in html  # German is the default language
    assert "14.03.2007" not in html and "März 2007" not in html  # no date of birth
    assert certificate.legal_basis not in html


def test_typed_forms_of_the_identifier_find_it(make_certificate, citizen_client: Client) -> None:
    certificate = make_certificate()
    for typed in (certificate.identifier, certificate.display_identifier.lower()):
        response = citizen_client.get(_url(typed))
        assert response.status_code == 200
        assert 'data-status="valid"' in response.content.decode()


def test_a_forged_identifier_is_unknown(make_certificate, citizen_client: Client) -> None:
    make_certificate()
    response = citizen_client.get(_url(_forged()))
    assert response.status_code == 404
    _private(response)
    html = response.content.decode()
    assert 'data-status="unknown"' in html
    assert "Jörg" not in html


def test_a_typo_is_malformed_and_not_looked_up(
    make_certificate, citizen_client: Client, django_assert_max_num_queries
) -> None:
    certificate = make_certificate()
    shown = certificate.display_identifier
    typo = shown[:3] + ("X" if shown[3] != "X" else "Y") + shown[4:]
    with django_assert_max_num_queries(0):
        response = citizen_client.get(_url(typo))
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-status="malformed"' in html
    assert "Jörg" not in html
    for bad in ("x", "<script>alert(1)</script>", "A" * 500):
        response = citizen_client.get(_url(bad))
        assert response.status_code == 404
        assert b"<script>alert" not in response.content


def test_a_revoked_certificate_says_so_without_name_or_reason(
    make_certificate, world, citizen_client
) -> None:
    certificate = make_certificate()
    actions.revoke(certificate, actor=world.admin.user, reason="Teilnahme nicht belegt")
    response = citizen_client.get(_url(certificate.display_identifier))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="revoked"' in html
    assert "Energieberatung" in html
    assert "Jörg" not in html and "Teilnahme nicht belegt" not in html


def test_a_deleted_certificate_is_unknown(make_certificate, world, citizen_client, settings) -> None:
    certificate = make_certificate()
    settings.CERTIFICATE_RETENTION_DAYS = 30
    actions.delete_expired(certificate.issued_at + dt.timedelta(days=31))
    response = citizen_client.get(_url(certificate.display_identifier))
    assert response.status_code == 404
    assert 'data-status="unknown"' in response.content.decode()


def test_the_form_leads_to_the_result(make_certificate, citizen_client: Client) -> None:
    certificate = make_certificate()
    response = citizen_client.get(FORM)
    assert response.status_code == 200
    _private(response)
    assert b'name="identifier"' in response.content
    response = citizen_client.get(FORM, {"identifier": f" {certificate.identifier.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == _url(certificate.display_identifier)


def test_the_form_shows_a_typo_with_the_typed_text_kept(citizen_client: Client) -> None:
    for typed in ("K7QM-2XHP", "", "A" * 81):
        response = citizen_client.get(FORM, {"identifier": typed})
        assert response.status_code == 400
        html = response.content.decode()
        assert 'aria-invalid="true"' in html and 'id="error-summary"' in html
        if typed and len(typed) <= 80:
            assert f'value="{typed}"' in html


def test_only_safe_methods(make_certificate, citizen_client: Client) -> None:
    certificate = make_certificate()
    assert citizen_client.post(FORM).status_code == 405
    assert citizen_client.post(_url(certificate.display_identifier)).status_code == 405
    assert citizen_client.head(_url(certificate.display_identifier)).status_code == 200


def test_lookups_are_limited_per_address(make_certificate, settings) -> None:
    settings.CERTIFICATE_LOOKUPS_PER_ADDRESS = 3
    certificate = make_certificate()
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(3):
        assert client.get(_url(_forged())).status_code == 404
    response = client.get(_url(certificate.display_identifier))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Jörg" not in response.content.decode()
    # Typos are not counted (nothing is looked up) and still get their answer.
    assert client.get(_url("K7QM-2XHP")).status_code == 404
    # Another address is not affected.
    other = Client(REMOTE_ADDR="198.51.100.8")
    assert other.get(_url(certificate.display_identifier)).status_code == 200

"""The officials' certificate pages (certificates.staff_views): the list with its filters, one PDF,
revoking with a reason; who may see and do what, across offices and authorities."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from buergerbuero.certificates.models import Certificate
from tests.conftest import login
from tests.staff.helpers import actions_of, messages_of

pytestmark = pytest.mark.django_db

INDEX = "/staff/certificates/"


def _download(certificate: Certificate) -> str:
    return reverse("staff_certificates:download", args=[certificate.pk])


def _revoke(certificate: Certificate) -> str:
    return reverse("staff_certificates:revoke", args=[certificate.pk])


@pytest.fixture
def certificates(world, make_certificate) -> dict[str, Certificate]:
    return {
        "a": make_certificate(world.office_a, holder_name="Jörg Müßig-Äbele"),
        "b": make_certificate(world.office_b, holder_name="Berta Beet"),
        "other": make_certificate(world.other_office, holder_name="Olga Other"),
    }


def _rows(response) -> set[int]:
    import re

    return {int(n) for n in re.findall(r'data-certificate-id="(\d+)"', response.content.decode())}


def test_the_list_needs_a_login() -> None:
    response = Client().get(INDEX)
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "seen"),
    [
        ("admin", {"a", "b"}),
        ("official_a", {"a"}),  # lead of office A
        ("official_a2", {"a"}),  # official of office A
        ("official_b", {"b"}),
        ("other_admin", {"other"}),
    ],
)
def test_each_official_sees_the_certificates_of_their_offices(world, certificates, persona, seen) -> None:
    response = login(Client(), getattr(world, persona)).get(INDEX)
    assert response.status_code == 200
    assert _rows(response) == {certificates[key].pk for key in seen}


def test_the_list_shows_the_facts_and_links(world, certificates) -> None:
    response = login(Client(), world.admin).get(INDEX)
    html = response.content.decode()
    a = certificates["a"]
    assert "Jörg Müßig-Äbele" in html and a.display_identifier in html and "14.03.2007" in html
    assert _download(a) in html and _revoke(a) in html
    assert "Olga Other" not in html


def test_filters(world, certificates, make_certificate) -> None:
    client = login(Client(), world.admin)
    assert _rows(client.get(INDEX, {"office": world.office_b.pk})) == {certificates["b"].pk}
    assert _rows(client.get(INDEX, {"q": "müßig"})) == {certificates["a"].pk}
    typed = certificates["b"].display_identifier.lower().replace("-", " ")
    assert _rows(client.get(INDEX, {"q": typed})) == {certificates["b"].pk}
    from buergerbuero.certificates import actions

    actions.revoke(certificates["b"], actor=world.admin.user, reason="x")
    assert _rows(client.get(INDEX, {"state": "revoked"})) == {certificates["b"].pk}
    assert _rows(client.get(INDEX, {"state": "valid"})) == {certificates["a"].pk}
    empty = client.get(INDEX, {"q": "nobody"})
    assert _rows(empty) == set() and 'id="no-certificates"' in empty.content.decode()


def test_bad_filters_are_refused(world, certificates) -> None:
    client = login(Client(), world.official_a)
    # Office B exists in the same authority, but official A does not work there.
    assert client.get(INDEX, {"office": world.office_b.pk}).status_code == 400
    assert client.get(INDEX, {"office": world.other_office.pk}).status_code == 400
    assert client.get(INDEX, {"office": "x"}).status_code == 400
    assert client.get(INDEX, {"state": "deleted"}).status_code == 400
    assert client.get(INDEX, {"page": "999"}).status_code == 200  # the last page


def test_download_one_pdf(world, certificates) -> None:
    response = login(Client(), world.official_a2).get(_download(certificates["a"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="bescheinigung-{certificates["a"].identifier}.pdf"'
    )
    assert response["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    assert "Jörg Müßig-Äbele" in reader.pages[0].extract_text()


@pytest.mark.parametrize(
    ("persona", "key"), [("official_b", "a"), ("official_a", "other"), ("other_admin", "a")]
)
def test_download_of_a_certificate_out_of_reach_is_404(world, certificates, persona, key) -> None:
    assert login(Client(), getattr(world, persona)).get(_download(certificates[key])).status_code == 404
    assert login(Client(), world.admin).get("/staff/certificates/999999/pdf/").status_code == 404


def test_revoke_asks_first_then_revokes_on_post(world, certificates) -> None:
    client = login(Client(), world.official_a)  # lead of office A
    certificate = certificates["a"]
    page = client.get(_revoke(certificate))
    assert page.status_code == 200
    assert 'id="revoke-form"' in page.content.decode()
    certificate.refresh_from_db()
    assert not certificate.is_revoked  # opening the page changes nothing

    response = client.post(_revoke(certificate), {"reason": "Teilnahme nicht belegt"})
    assert response.status_code == 302 and response["Location"] == INDEX
    certificate.refresh_from_db()
    assert certificate.is_revoked
    assert certificate.revoked_by == world.official_a.user
    assert certificate.revoke_reason == "Teilnahme nicht belegt"
    assert actions_of(world.authority, "certificate")[-1] == "certificate.revoked"
    assert any(certificate.display_identifier in m for m in messages_of(response))

    again = client.post(_revoke(certificate), {"reason": "noch einmal"})
    assert again.status_code == 409
    assert 'id="already-revoked"' in again.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoke_reason == "Teilnahme nicht belegt"


def test_revoke_needs_a_reason(world, certificates) -> None:
    client = login(Client(), world.admin)
    for data in ({}, {"reason": ""}, {"reason": "x" * 501}):
        response = client.post(_revoke(certificates["b"]), data)
        assert response.status_code == 400
        assert 'aria-invalid="true"' in response.content.decode()
    certificates["b"].refresh_from_db()
    assert not certificates["b"].is_revoked


def test_an_official_who_is_not_lead_may_not_revoke(world, certificates) -> None:
    client = login(Client(), world.official_a2)
    list_html = client.get(INDEX).content.decode()
    assert _revoke(certificates["a"]) not in list_html
    assert client.get(_revoke(certificates["a"])).status_code == 403
    assert client.post(_revoke(certificates["a"]), {"reason": "x"}).status_code == 403
    certificates["a"].refresh_from_db()
    assert not certificates["a"].is_revoked


@pytest.mark.parametrize(("persona", "key"), [("official_b", "a"), ("other_admin", "a"), ("admin", "other")])
def test_revoking_out_of_reach_is_404(world, certificates, persona, key) -> None:
    client = login(Client(), getattr(world, persona))
    assert client.get(_revoke(certificates[key])).status_code == 404
    assert client.post(_revoke(certificates[key]), {"reason": "x"}).status_code == 404
    certificates[key].refresh_from_db()
    assert not certificates[key].is_revoked


def test_wrong_methods(world, certificates) -> None:
    client = login(Client(), world.admin)
    assert client.post(INDEX).status_code == 405
    assert client.post(_download(certificates["a"])).status_code == 405
    assert client.put(_revoke(certificates["a"])).status_code == 405


def test_the_list_costs_a_fixed_number_of_queries(
    world, make_certificate, django_assert_max_num_queries
) -> None:
    for i in range(20):
        make_certificate(holder_name=f"Person {i}")
    client = login(Client(), world.admin)
    with django_assert_max_num_queries(12):
        response = client.get(INDEX)
    assert len(_rows(response)) == 20

"""certificates.pdf: one A4 page per certificate, in order, with text a program can read back."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from buergerbuero.certificates import actions, pdf
from buergerbuero.certificates.models import Certificate
from tests.certificates.conftest import LEGAL_BASIS, TITLE

pytestmark = pytest.mark.django_db

A4_POINTS = (595.0, 842.0)


def _pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842)
    return [page.extract_text() for page in reader.pages]


def test_one_page_per_certificate_in_order_with_names_umlauts_identifier_and_url(
    make_certificate, settings
) -> None:
    settings.SITE_URL = "https://buergerbuero.testkreis.de"
    names = ["Jörg Müßig-Äbele", "Zoë Öztürk", "Käthe Ülkü Weiß"]
    certificates = [make_certificate(holder_name=name) for name in names]
    texts = _pages(pdf.render(certificates))
    assert len(texts) == 3
    for text, certificate, name in zip(texts, certificates, names, strict=True):
        assert "Bescheinigung" in text
        assert name in text
        assert "geboren am 14.03.2007" in text
        assert "am 06.05.2025" in text
        assert TITLE in text
        assert f"Rechtsgrundlage: {LEGAL_BASIS}" in text
        assert "Energieberatung, Landratsamt Testkreis" in text
        assert certificate.display_identifier in text
        assert f"https://buergerbuero.testkreis.de/bescheinigung/{certificate.display_identifier}/" in text
        for other in set(names) - {name}:
            assert other not in text
    assert all(c in "".join(texts) for c in "äöüßÄÖÜ§")


def test_letters_beyond_western_europe_print_with_dejavu_and_degrade_without(
    make_certificate, monkeypatch
) -> None:
    certificate = make_certificate(holder_name="Łukasz Şahin-Dvořák")
    if pdf.fonts()[2]:
        assert "Łukasz Şahin-Dvořák" in _pages(pdf.render([certificate]))[0]
    monkeypatch.setattr(pdf, "fonts", lambda: ("Helvetica", "Helvetica-Bold", False))
    text = _pages(pdf.render([certificate]))[0]
    assert "?ukasz Sahin-Dvorák" in text  # Ł has no base letter in WinAnsi; ş → s; ř → r


def test_helvetica_prints_german_letters(make_certificate, monkeypatch) -> None:
    monkeypatch.setattr(pdf, "fonts", lambda: ("Helvetica", "Helvetica-Bold", False))
    certificate = make_certificate(holder_name="Käthe Jörg Müßig-Äbele Öz Ülkü")
    text = _pages(pdf.render([certificate]))[0]
    assert "Käthe Jörg Müßig-Äbele Öz Ülkü" in text
    assert "Echtheit prüfen" in text and "über die Teilnahme" in text and "§ 43" in text


def test_a_revoked_certificate_says_so(make_certificate, world) -> None:
    certificate = make_certificate()
    actions.revoke(certificate, actor=world.admin.user, reason="x")
    assert "Diese Bescheinigung ist widerrufen." in _pages(pdf.render([certificate]))[0]


def test_long_texts_wrap_and_stay_on_the_page(make_certificate, world) -> None:
    long_title = "Belehrung " + " ".join(["über den Umgang mit Lebensmitteln"] * 8)
    certificate = make_certificate(title=long_title, legal_basis=LEGAL_BASIS * 3)
    (text,) = _pages(pdf.render([certificate]))
    assert " ".join(text.split()).count("über den Umgang mit Lebensmitteln") == 8
    assert certificate.display_identifier in text


def test_the_qr_code_is_drawn(make_certificate) -> None:
    # The QR code is vector rectangles: the page's drawing has many "re" (rectangle) operators.
    certificate = make_certificate()
    reader = PdfReader(io.BytesIO(pdf.render([certificate])))
    content = reader.pages[0].get_contents().get_data()
    assert content.count(b" re") > 100


def test_no_certificates_is_an_error(db) -> None:
    with pytest.raises(ValueError):
        pdf.render([])


def test_a_class_of_thirty_renders_quickly_with_one_query_per_page_at_most(
    make_certificate, django_assert_max_num_queries
) -> None:
    for i in range(30):
        make_certificate(holder_name=f"Teilnehmerin {i}", held_on=dt.date(2025, 5, 6))
    certificates = list(Certificate.objects.select_related("office", "authority").order_by("id"))
    with django_assert_max_num_queries(0):
        data = pdf.render(certificates)
    assert len(PdfReader(io.BytesIO(data)).pages) == 30

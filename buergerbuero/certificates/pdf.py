"""Certificates as one PDF: one A4 page per certificate, in the order given (a class's certificates in
one download).

The page text is German and not taken from the translation catalogue: the certificate is the authority's
document in its official language (§ 23 VwVfG), and it must read the same whoever downloads it and
whatever language their pages are shown in. The text is real text (not an image), so it can be read by
screen readers and extracted (tests/certificates/test_pdf.py reads it back with pypdf).

Font: DejaVu Sans when it is installed (Debian/Ubuntu: ``fonts-dejavu-core``), embedded as a subset; it
has every letter of European names (Ł, Ş, Ğ, Ő …). Without it, reportlab's built-in Helvetica, which
has only the Western European letters (ä ö ü ß é …, the WinAnsi set); other letters are then printed
without their accents (Ş → S) or as "?", never dropped silently. ``CERTIFICATE_FONT_DIR`` may name a
directory holding ``DejaVuSans.ttf`` and ``DejaVuSans-Bold.ttf``.

The QR code (of the verification address) is drawn as vector rectangles, so it stays sharp when printed.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import segno
from django.conf import settings
from django.utils import timezone
from reportlab.lib.colors import HexColor, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from buergerbuero.certificates.models import Certificate

FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts"]
MARGIN = 25 * mm
QR_SIZE = 32 * mm
GREY = HexColor("#444444")


@cache
def fonts() -> tuple[str, str, bool]:
    """(regular, bold, unicode): the registered font names, and whether they cover all of Unicode's
    European letters (else only WinAnsi)."""
    dirs = [settings.CERTIFICATE_FONT_DIR, *FONT_DIRS]
    for directory in filter(None, dirs):
        regular, bold = Path(directory) / "DejaVuSans.ttf", Path(directory) / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("CertificateSans", str(regular)))
            pdfmetrics.registerFont(TTFont("CertificateSans-Bold", str(bold)))
            return "CertificateSans", "CertificateSans-Bold", True
    return "Helvetica", "Helvetica-Bold", False


def printable(text: str) -> str:
    """``text`` as the chosen font can print it: unchanged with DejaVu; for Helvetica, letters outside
    WinAnsi (cp1252) lose their accents, and what still cannot be printed becomes "?"."""
    if fonts()[2]:
        return text
    out = []
    for char in text:
        try:
            char.encode("cp1252")
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("cp1252", "ignore").decode("cp1252")
            char = base or "?"
        out.append(char)
    return "".join(out)


def german_date(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


class _Page:
    """Writes lines top-down, wrapping to the page's width."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.regular, self.bold, _unicode = fonts()
        self.width = A4[0] - 2 * MARGIN
        self.y = A4[1] - MARGIN

    def text(self, text: str, size: float = 11, bold: bool = False, gap: float = 0, colour=black) -> None:
        font = self.bold if bold else self.regular
        self.y -= gap
        self.canvas.setFont(font, size)
        self.canvas.setFillColor(colour)
        for line in simpleSplit(printable(text), font, size, self.width):
            self.y -= size * 1.3
            self.canvas.drawString(MARGIN, self.y, line)

    def centred(self, text: str, size: float, bold: bool = False, gap: float = 0) -> None:
        font = self.bold if bold else self.regular
        self.y -= gap
        self.canvas.setFont(font, size)
        self.canvas.setFillColor(black)
        for line in simpleSplit(printable(text), font, size, self.width):
            self.y -= size * 1.3
            self.canvas.drawCentredString(A4[0] / 2, self.y, line)


def _qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR code of ``url`` with its lower left corner at (x, y), dark modules as filled rectangles
    (runs of a row joined into one). Error correction M; a quiet zone of 4 modules around it."""
    matrix = segno.make_qr(url, error="m").matrix
    border = 4
    module = size / (len(matrix) + 2 * border)
    canvas.setFillColor(black)
    for row_index, row in enumerate(matrix):
        top = y + size - (border + row_index + 1) * module
        column = 0
        while column < len(row):
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                left = x + (border + start) * module
                canvas.rect(left, top, (column - start) * module, module, stroke=0, fill=1)
            else:
                column += 1


def _draw(canvas: Canvas, certificate: Certificate) -> None:
    page = _Page(canvas)
    office, authority = certificate.office, certificate.authority
    page.text(authority.name, size=12, bold=True)
    page.text(office.name, size=11, colour=GREY)

    page.centred("Bescheinigung", size=26, bold=True, gap=22 * mm)
    page.centred("über die Teilnahme an einer Belehrung", size=13, gap=2 * mm)

    page.text("Hiermit wird bescheinigt, dass", gap=16 * mm)
    page.text(certificate.holder_name, size=16, bold=True, gap=4 * mm)
    page.text(f"geboren am {german_date(certificate.birth_date)},", gap=1 * mm)
    page.text(f"am {german_date(certificate.held_on)} an folgender Belehrung teilgenommen hat:", gap=4 * mm)
    page.text(certificate.title, size=13, bold=True, gap=4 * mm)
    if certificate.legal_basis:
        page.text(f"Rechtsgrundlage: {certificate.legal_basis}", gap=2 * mm)

    issued = timezone.localtime(certificate.issued_at, office.tz).date()
    page.text("Ausstellende Stelle:", size=10, colour=GREY, gap=14 * mm)
    page.text(f"{office.name}, {authority.name}")
    page.text("Ausgestellt am:", size=10, colour=GREY, gap=3 * mm)
    page.text(german_date(issued))
    if certificate.is_revoked:
        page.text("Diese Bescheinigung ist widerrufen.", size=13, bold=True, gap=6 * mm)

    # The verification box at the bottom: identifier, address and its QR code side by side.
    url = certificate.verification_url
    bottom = MARGIN + 4 * mm
    _qr(canvas, url, A4[0] - MARGIN - QR_SIZE, bottom, QR_SIZE)
    page.width = A4[0] - 2 * MARGIN - QR_SIZE - 6 * mm
    page.y = bottom + QR_SIZE
    page.text("Kennung der Bescheinigung:", size=10, colour=GREY)
    page.text(certificate.display_identifier, size=14, bold=True)
    page.text("Echtheit prüfen:", size=10, colour=GREY, gap=2 * mm)
    page.text(url, size=10)
    page.text(
        "Unter dieser Adresse oder mit dem QR-Code kann jede Person prüfen, ob die Bescheinigung echt und "
        "gültig ist. Angezeigt werden nur Name, Datum, Belehrung und ausstellende Stelle.",
        size=8,
        colour=GREY,
        gap=2 * mm,
    )
    canvas.setStrokeColor(GREY)
    canvas.setLineWidth(0.5)
    line_y = bottom + QR_SIZE + 6 * mm
    canvas.line(MARGIN, line_y, A4[0] - MARGIN, line_y)


def render(certificates: Sequence[Certificate]) -> bytes:
    """The PDF of ``certificates``: one A4 page each, in this order. Fetch them with
    ``select_related("office", "authority")`` to spare a query per page. None at all is a ValueError
    (a PDF without a page is no document)."""
    if not certificates:
        raise ValueError("render() needs at least one certificate")
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, lang="de-DE", pageCompression=1, invariant=1)
    canvas.setTitle("Bescheinigung" if len(certificates) == 1 else "Bescheinigungen")
    canvas.setCreator("buergerbuero")
    canvas.setAuthor(certificates[0].authority.name)
    for certificate in certificates:
        _draw(canvas, certificate)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()

"""The pupil list of a class, typed or uploaded: encodings, separators, an optional header, and every bad
line reported with its number (nothing dropped silently)."""

from __future__ import annotations

import codecs
import datetime as dt

import pytest

from buergerbuero.trainings import csvimport
from buergerbuero.trainings.csvimport import UnreadableFile, decode, parse

TODAY = dt.date(2026, 3, 9)

GOOD = 'Name;Geburtsdatum\nErika Muster;01.02.2010\nJörg Weiß;2009-12-24\n\n"Müller, Ömer";3.4.2008\n'


def test_a_good_file_with_a_header() -> None:
    result = parse(decode(GOOD.encode("utf-8")), TODAY)
    assert result.ok
    assert [(p.line, p.name, p.birth_date) for p in result.pupils] == [
        (2, "Erika Muster", dt.date(2010, 2, 1)),
        (3, "Jörg Weiß", dt.date(2009, 12, 24)),
        (5, "Müller, Ömer", dt.date(2008, 4, 3)),
    ]


def test_utf8_with_bom_and_windows_line_ends() -> None:
    data = codecs.BOM_UTF8 + GOOD.replace("\n", "\r\n").encode("utf-8")
    result = parse(decode(data), TODAY)
    assert [p.name for p in result.pupils] == ["Erika Muster", "Jörg Weiß", "Müller, Ömer"]


def test_windows_1252_as_excel_writes_it() -> None:
    data = "Schüler;Geburtsdatum\r\nJörg Weiß;24.12.2009\r\nÄnne Öztürk;01.01.2010\r\n".encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = parse(decode(data), TODAY)
    assert [p.name for p in result.pupils] == ["Jörg Weiß", "Änne Öztürk"]


def test_utf16_with_bom() -> None:
    result = parse(decode(GOOD.encode("utf-16")), TODAY)
    assert len(result.pupils) == 3


def test_comma_separated_without_header() -> None:
    result = parse("Erika Muster, 01.02.2010\nMax Mustermann,02/03/2010", TODAY)
    assert [(p.name, p.birth_date) for p in result.pupils] == [
        ("Erika Muster", dt.date(2010, 2, 1)),
        ("Max Mustermann", dt.date(2010, 3, 2)),
    ]


def test_every_bad_line_is_reported_with_its_number_and_the_good_ones_are_kept() -> None:
    text = "\n".join(
        [
            "Name;Geburtsdatum",  # 1 header
            "Erika Muster;01.02.2010",  # 2 good
            "Ohne Datum",  # 3
            "Max Muster;31.02.2010",  # 4 no such day
            "Kurz Jahr;01.02.10",  # 5 two-digit year
            ";01.02.2010",  # 6 no name
            "01.02.2010;Vertauscht",  # 7 swapped
            "Zukunft Kind;01.01.2030",  # 8 future
            "Erika Muster;01.02.2010",  # 9 duplicate of 2
            "Drei;Spalten;hier",  # 10
            "Paul Gut;05.06.2011",  # 11 good
        ]
    )
    result = parse(text, TODAY)
    assert not result.ok
    assert [p.line for p in result.pupils] == [2, 11]
    assert [e.line for e in result.errors] == [3, 4, 5, 6, 7, 8, 9, 10]
    # The messages are for the teacher, in German (the default language).
    messages = {e.line: e.message for e in result.errors}
    assert "fehlt" in messages[3]
    assert "vier Ziffern" in messages[5]
    assert "vertauscht" in messages[7]
    assert "Zeile 2" in messages[9]


def test_a_first_line_without_a_date_is_no_header() -> None:
    result = parse("Nur Name ohne Datum\nErika Muster;01.02.2010", TODAY)
    assert [e.line for e in result.errors] == [1]


def test_a_bad_first_line_that_mentions_a_date_is_no_header() -> None:
    result = parse("Erika Muster;kein Datum\nMax;01.02.2010", TODAY)
    assert [e.line for e in result.errors] == [1] and len(result.pupils) == 1
    assert parse("Name, Vorname;Geb.\nMax;01.02.2010", TODAY).ok


def test_trailing_empty_columns_are_ignored() -> None:
    assert parse("Erika Muster;01.02.2010;;", TODAY).ok


def test_an_empty_list_is_an_error() -> None:
    result = parse("\n  \n", TODAY)
    assert not result.ok and result.errors[0].line == 0


def test_binary_files_and_oversized_files_are_refused() -> None:
    with pytest.raises(UnreadableFile):
        decode(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(UnreadableFile):
        decode(b"a" * (csvimport.MAX_FILE_BYTES + 1))


def test_minors_on_the_session_date() -> None:
    born = dt.date(2008, 3, 10)
    assert csvimport.is_minor(born, dt.date(2026, 3, 9))
    assert not csvimport.is_minor(born, dt.date(2026, 3, 10))


def test_an_oversized_upload_is_refused_without_reading_it_whole() -> None:
    """The class form refuses a too large list by its size, not after reading it into memory."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from buergerbuero.trainings.forms import ClassForm

    upload = SimpleUploadedFile("klasse.csv", b"Erika Muster;01.02.2010\n" * 400_000, content_type="text/csv")
    data = {
        "teacher_name": "Lena Lehrer",
        "email": "lehrer@schule.example",
        "school": "Mittelschule Testdorf",
        "class_name": "8b",
        "consent_mode": "per_pupil",
        "consent": "on",
    }
    form = ClassForm(data, {"pupils_file": upload}, today=TODAY, session_day=TODAY, confirm=False)
    assert not form.is_valid()
    assert "200 KB" in str(form.errors["pupils_file"])
    assert upload.file.tell() <= csvimport.MAX_FILE_BYTES + csvimport.READ_CHUNK_BYTES


def test_reading_an_upload_stops_at_the_limit() -> None:
    """Also when the counted size is not known: reading stops one chunk past the limit."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("klasse.csv", b"a" * (csvimport.MAX_FILE_BYTES * 5))
    upload.size = None  # type: ignore[assignment]
    with pytest.raises(UnreadableFile):
        csvimport.read_upload(upload)
    assert upload.file.tell() <= csvimport.MAX_FILE_BYTES + csvimport.READ_CHUNK_BYTES
    small = SimpleUploadedFile("klasse.csv", GOOD.encode("utf-8"))
    assert parse(csvimport.read_upload(small), TODAY).ok


def test_the_upload_handler_keeps_only_the_first_bytes() -> None:
    from django.test import RequestFactory

    handler = csvimport.CappedUploadHandler(RequestFactory().post("/"))
    with pytest.raises(csvimport.StopFutureHandlers):
        handler.new_file("pupils_file", "klasse.csv", "text/csv", None)
    chunk = b"a" * 65536
    for start in range(0, 100 * len(chunk), len(chunk)):
        assert handler.receive_data_chunk(chunk, start) is None
    upload = handler.file_complete(100 * len(chunk))
    assert upload.size == 100 * len(chunk)
    assert len(upload.file.getvalue()) == csvimport.MAX_FILE_BYTES + 1
    with pytest.raises(UnreadableFile):
        csvimport.read_upload(upload)

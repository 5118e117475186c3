"""A class's pupil list, typed one per line or uploaded as a CSV file: ``name; date of birth``.

What teachers send comes from Excel, LibreOffice, a school administration program or a text editor, so
reading is forgiving where that is safe and strict where a guess could be wrong:
- the file may be UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text") or Windows-1252
  (Excel's "CSV" on a German Windows); anything else is refused with a clear message;
- fields are separated by ``;`` or ``,`` (per line: a line with ``;`` is split at ``;``, so
  "Muster, Erika; 01.02.2010" keeps the comma in the name), quotes as in CSV;
- a first line that names the columns (``Name; Geburtsdatum``) is skipped; empty lines are skipped;
- dates as 01.02.2010, 1.2.2010, 2010-02-01 or 01/02/2010 (day first); two-digit years are refused
  (is "10" 1910 or 2010?).

Every bad line is reported with its line number and the reason; nothing is dropped silently and the
decoded text goes back into the form, so the teacher corrects it there.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.utils.translation import gettext as _

MAX_FILE_BYTES = 200_000
READ_CHUNK_BYTES = 64 * 1024
MAX_PUPILS = 200
NAME_MAX_LENGTH = 120

_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y")
_HEADER_CELLS = {
    "name",
    "namen",
    "vorname",
    "nachname",
    "name vorname",
    "vor- und nachname",
    "schüler",
    "schülerin",
    "schülerinnen",
    "pupil",
    "pupils",
    "student",
    "geburtsdatum",
    "geb",
    "geboren",
    "geburtstag",
    "datum",
    "date of birth",
    "birth date",
    "birthday",
    "date",
}


@dataclass(frozen=True)
class PupilRow:
    line: int
    name: str
    birth_date: dt.date


@dataclass(frozen=True)
class RowError:
    line: int  # 0: about the whole list
    message: str


@dataclass
class PupilList:
    pupils: list[PupilRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.pupils)


class UnreadableFile(ValueError):
    pass


def _too_big() -> UnreadableFile:
    return UnreadableFile(
        _("The file is larger than %(kb)d KB. A class list is much smaller: please check the file.")
        % {"kb": MAX_FILE_BYTES // 1000}
    )


class CappedUploadHandler(FileUploadHandler):
    """The only upload handler of the class registration: keeps at most MAX_FILE_BYTES + 1 bytes of an
    uploaded file, in memory, while the request is read; the rest of a bigger file is received and
    dropped, never buffered or written to disk. The file's ``size`` is what was received, so
    ``read_upload`` refuses it as too large."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.received = 0
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        room = MAX_FILE_BYTES + 1 - self.buffer.tell()
        if room > 0:
            self.buffer.write(raw_data[:room])
        self.received += len(raw_data)
        return None

    def file_complete(self, file_size: int) -> UploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.received,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def read_upload(upload: UploadedFile) -> str:
    """The text of an uploaded list. A file over MAX_FILE_BYTES is refused by the size its upload handler
    counted, or at the latest as soon as reading passes the limit: it is never read into memory whole.
    (Django's handlers keep a file over FILE_UPLOAD_MAX_MEMORY_SIZE on disk, not in memory, and the
    reverse proxy caps the request body: deploy/nginx.conf.)"""
    if upload.size is not None and upload.size > MAX_FILE_BYTES:
        raise _too_big()
    data = bytearray()
    upload.seek(0)
    # read(n) rather than chunks(): an in-memory upload's chunks() is one read of everything.
    while chunk := upload.read(READ_CHUNK_BYTES):
        data += chunk
        if len(data) > MAX_FILE_BYTES:
            raise _too_big()
    return decode(bytes(data))


def decode(data: bytes) -> str:
    """The text of an uploaded file (see the module's docstring for the encodings)."""
    if len(data) > MAX_FILE_BYTES:
        raise _too_big()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile(_("The file could not be read as text.")) from None
    if b"\x00" in data:
        raise UnreadableFile(_("This is not a text or CSV file. Please save the list as CSV."))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise UnreadableFile(
            _("The file's characters could not be read. Please save it as “CSV UTF-8” and upload it again.")
        ) from None


def parse_date(text: str) -> dt.date | None:
    text = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    return None


def _fields(line: str) -> list[str]:
    delimiter = ";" if ";" in line else ("\t" if "\t" in line else ",")
    try:
        row = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True))
    except (csv.Error, StopIteration):
        return [line]
    # Trailing empty columns (Excel writes "Name;Datum;;") mean nothing.
    while row and not row[-1].strip():
        row.pop()
    return [value.strip() for value in row]


def _looks_like_header(values: list[str]) -> bool:
    """A first line that names the columns: a known column name in a cell of its own and no date
    (a pupil called "Nadine Name" with a birthday is no header; "Erika; kein Datum" is a bad line)."""
    if len(values) < 2 or parse_date(values[1]):
        return False  # a lone word is a pupil without a date (reported), not a header
    return bool({re.sub(r"[^\w\s-]", "", v).strip().casefold() for v in values[:2]} & _HEADER_CELLS)


def parse(text: str, today: dt.date) -> PupilList:
    """The pupils in ``text`` and every problem, by line (1-based, as an editor counts)."""
    result = PupilList()
    seen: dict[tuple[str, dt.date], int] = {}
    first = True
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        values = _fields(raw)
        if first:
            first = False
            if _looks_like_header(values):
                continue
        error = _check(values, today)
        if isinstance(error, str):
            result.errors.append(RowError(number, error))
            continue
        name, birth_date = error
        key = (name.casefold(), birth_date)
        if key in seen:
            result.errors.append(
                RowError(number, _("This pupil is already in line %(line)d.") % {"line": seen[key]})
            )
            continue
        seen[key] = number
        result.pupils.append(PupilRow(number, name, birth_date))
    if not result.pupils and not result.errors:
        result.errors.append(RowError(0, _("The list is empty. Please enter one pupil per line.")))
    if len(result.pupils) > MAX_PUPILS:
        result.errors.append(
            RowError(0, _("A class can have at most %(max)d pupils here.") % {"max": MAX_PUPILS})
        )
    return result


def _check(values: list[str], today: dt.date) -> str | tuple[str, dt.date]:
    """The name and date of birth of a line, or why it cannot be used."""
    if len(values) < 2:
        return _("The date of birth is missing. Write: name; date of birth (e.g. Erika Muster; 01.02.2010).")
    if len(values) > 2:
        return _("The line has more than two columns. Write: name; date of birth.")
    name = re.sub(r"\s+", " ", values[0]).strip()
    if not name:
        return _("The name is missing.")
    if len(name) > NAME_MAX_LENGTH:
        return _("The name is longer than %(max)d characters.") % {"max": NAME_MAX_LENGTH}
    if parse_date(name) is not None:
        return _("The columns are swapped: first the name, then the date of birth.")
    birth_date = parse_date(values[1])
    if birth_date is None:
        if re.fullmatch(r"\d{1,2}[./]\d{1,2}[./]\d{2}", values[1].strip()):
            return _("“%(value)s”: please write the year with four digits (e.g. 01.02.2010).") % {
                "value": values[1]
            }
        return _("“%(value)s” is not a date. Write it as 01.02.2010.") % {"value": values[1][:40]}
    if birth_date > today:
        return _("The date of birth %(date)s lies in the future.") % {"date": birth_date.strftime("%d.%m.%Y")}
    if birth_date.year < today.year - 120:
        return _("The date of birth %(date)s is not plausible.") % {"date": birth_date.strftime("%d.%m.%Y")}
    return name, birth_date


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def is_minor(birth_date: dt.date, day: dt.date) -> bool:
    return age_on(birth_date, day) < 18


def normalised(pupils: list[PupilRow]) -> str:
    """The list as the form shows it again (one ``name; dd.mm.yyyy`` per line)."""
    return "\n".join(f"{p.name}; {p.birth_date:%d.%m.%Y}" for p in pupils)

"""The development mailbox: with DEBUG on and no SMTP server configured, mails are files in
``EMAIL_FILE_PATH`` (<data dir>/mail/); these pages show them to logged-in staff, each official only the
mails sent for their own authority (the header ``core.mails.AUTHORITY_HEADER``; a mail without it, or
of another authority, is neither listed nor opened).

With DEBUG off both pages are a 404 for everyone, whatever is in the directory: the mails are personal
data of citizens of every authority.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from buergerbuero.authorities.access import staff_required
from buergerbuero.authorities.models import Staff
from buergerbuero.core.mails import AUTHORITY_HEADER

# Django's file backend appends each message followed by this line (one file per connection).
SEPARATOR = b"\n" + b"-" * 79 + b"\n"
FILE_NAME = re.compile(r"[A-Za-z0-9_.-]+\.log")
NEWEST_FILES = 200


@dataclass
class Mail:
    file: str
    index: int
    subject: str
    sender: str
    to: str
    date: dt.datetime | None
    text: str = ""
    attachments: list[tuple[str, str, int]] = field(default_factory=list)  # name, content type, bytes


def _directory() -> Path:
    return Path(settings.EMAIL_FILE_PATH)


def _messages(path: Path) -> list[EmailMessage]:
    chunks = path.read_bytes().split(SEPARATOR)
    return [
        email.message_from_bytes(chunk, policy=email.policy.default)  # type: ignore[misc]
        for chunk in chunks
        if chunk.strip()
    ]


def _mail(path: Path, index: int, message: EmailMessage, with_content: bool = False) -> Mail:
    try:
        date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    if date is not None and date.tzinfo is None:
        date = date.replace(tzinfo=dt.UTC)  # Django writes UTC as "-0000", which Python reads as naive
    mail = Mail(
        file=path.name,
        index=index,
        # A long encoded subject is folded right after "Subject:"; the fold's space is no part of it.
        subject=str(message["Subject"] or "").strip(),
        sender=str(message["From"] or ""),
        to=str(message["To"] or ""),
        date=date,
    )
    if with_content:
        body = message.get_body(preferencelist=("plain", "html"))
        mail.text = body.get_content() if body is not None else ""
        for part in message.iter_attachments():
            payload = part.get_payload(decode=True) or b""
            mail.attachments.append((part.get_filename() or "", part.get_content_type(), len(payload)))
    return mail


def _of_authority(message: EmailMessage, staff: Staff) -> bool:
    return str(message[AUTHORITY_HEADER] or "").strip() == str(staff.authority_id)


def _debug_only() -> None:
    if not settings.DEBUG:
        raise Http404(_("The mailbox is only available in debug mode."))


@require_GET
def mailbox(request: HttpRequest) -> HttpResponse:
    _debug_only()
    return _mailbox(request)


@staff_required
def _mailbox(request: HttpRequest, staff: Staff) -> HttpResponse:
    directory = _directory()
    files = sorted(
        (path for path in directory.glob("*.log") if path.is_file()),
        key=lambda path: (path.stat().st_mtime, path.name),
        reverse=True,
    )[:NEWEST_FILES]
    mails: list[Mail] = []
    for path in files:
        messages = list(enumerate(_messages(path)))
        mails.extend(
            _mail(path, index, message)
            for index, message in reversed(messages)
            if _of_authority(message, staff)
        )
    return render(request, "site/mailbox.html", {"mails": mails, "directory": directory})


@require_GET
def mail(request: HttpRequest, name: str, index: int) -> HttpResponse:
    _debug_only()
    return _mail_page(request, name=name, index=index)


@staff_required
def _mail_page(request: HttpRequest, staff: Staff, name: str, index: int) -> HttpResponse:
    # Only a plain file name of the directory: no path can lead out of it.
    path = _directory() / name
    if not FILE_NAME.fullmatch(name) or not path.is_file():
        raise Http404(_("No such mail."))
    messages = _messages(path)
    if not 0 <= index < len(messages) or not _of_authority(messages[index], staff):
        raise Http404(_("No such mail."))
    return render(request, "site/mail.html", {"mail": _mail(path, index, messages[index], with_content=True)})

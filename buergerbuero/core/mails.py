"""What the mails of appointments, events and trainings share: the language they are written in, the
sender, the tidying of a rendered text, and the message itself. Each app keeps its own texts, templates
and calendar entry (core/calendar.py)."""

from __future__ import annotations

import re
from email.mime.base import MIMEBase
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage


def language_of(code: str) -> str:
    """The language a mail is written in: the one the person used, if the site offers it."""
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def sender(*names: str) -> str:
    """The installation's sender address under ``names`` joined by a dash, the empty ones left out, e.g.
    (office, authority) (DEFAULT_FROM_EMAIL's own name is replaced: people recognise the office, not the
    software)."""
    name = " – ".join(n for n in names if n)
    return formataddr((" ".join(name.split()), parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))


def tidy(body: str) -> str:
    """Template tags on lines of their own leave blank and trailing space; a mail should not."""
    lines = [line if line == "-- " else line.rstrip() for line in body.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


# Names the authority a mail was sent for, so that the development mailbox (site/mailbox.py) shows each
# official only their own authority's mails.
AUTHORITY_HEADER = "X-Buergerbuero-Authority"


def message(
    *,
    subject: str,
    body: str,
    from_email: str,
    to: str,
    language: str,
    authority_id: int,
    attachment: MIMEBase | None = None,
) -> EmailMessage:
    """An automatic mail to one person (``Auto-Submitted``, so that no auto-reply answers it), sent for
    the authority ``authority_id``."""
    mail = EmailMessage(
        subject=subject,
        body=body,
        from_email=from_email,
        to=[to],
        headers={
            "Auto-Submitted": "auto-generated",
            "Content-Language": language,
            AUTHORITY_HEADER: str(authority_id),
        },
    )
    if attachment is not None:
        mail.attach(attachment)
    return mail

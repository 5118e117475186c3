"""The iCalendar file (RFC 5545/5546) that the mails of appointments, events and trainings attach: one
VEVENT in a VCALENDAR, with the VTIMEZONE of its zone.

Invariants a reader must not break:
- A UID is derived from a salt that never changes, so one entry keeps its UID for its whole life and a
  calendar replaces (``REQUEST`` with a higher SEQUENCE) or removes (``CANCEL``) it instead of adding a
  second one; the namespace keeps the UIDs of different apps apart, and the UID tells nothing about the
  entry.
- The organizer is the installation's sender address; the attendee is only the person the mail goes to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from email.mime.text import MIMEText
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText

REQUEST = "REQUEST"
CANCEL = "CANCEL"


def entry_uid(namespace: str, salt: str) -> str:
    digest = hashlib.sha256(f"{namespace}:{salt}".encode()).hexdigest()[:32]
    return f"{digest}@{urlsplit(settings.SITE_URL).hostname}"


@dataclass(frozen=True)
class Entry:
    """One calendar entry. ``start`` and ``end`` are in the zone the file speaks of (its VTIMEZONE);
    ``link`` is both the entry's location and its URL."""

    uid: str
    sequence: int
    start: dt.datetime
    end: dt.datetime
    summary: str
    link: str
    description: str
    organizer_name: str
    attendee_email: str
    attendee_name: str


def calendar_file(product: str, method: str, entry: Entry, now: dt.datetime) -> bytes:
    """The file: ``REQUEST`` adds or updates the entry, ``CANCEL`` removes it. ``product`` names the app
    in PRODID."""
    cal = Calendar()
    cal.add("prodid", f"-//buergerbuero//{product}//DE")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", entry.uid)
    event.add("sequence", entry.sequence)
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", entry.start)
    event.add("dtend", entry.end)
    event.add("summary", entry.summary)
    event.add("location", entry.link)
    event.add("url", entry.link)
    event.add("description", entry.description)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["cn"] = vText(entry.organizer_name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{entry.attendee_email}")
    if entry.attendee_name:
        attendee.params["cn"] = vText(entry.attendee_name)
    attendee.params["role"] = "REQ-PARTICIPANT"
    attendee.params["partstat"] = "ACCEPTED"
    attendee.params["rsvp"] = "FALSE"
    event.add("attendee", attendee)
    cal.add_component(event)
    # The zone's rules around the entry are enough (and keep the file small).
    day = entry.start.date()
    cal.add_missing_timezones(first_date=day - dt.timedelta(days=366), last_date=day + dt.timedelta(days=366))
    return cal.to_ical()


def attachment(ics: bytes, method: str, filename: str) -> MIMEText:
    """The file as a mail part (text/calendar with its METHOD), named ``filename``.ics."""
    part = MIMEText(ics.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename=filename + ".ics")
    return part

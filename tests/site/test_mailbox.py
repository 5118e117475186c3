"""The development mailbox (/dev/mailbox/): the mails of the embedded default (files in the data
directory) for logged-in staff while DEBUG is on; a 404 for everyone otherwise."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import translation

from buergerbuero.appointments import actions, mails
from buergerbuero.core.mails import AUTHORITY_HEADER
from tests.appointments.mailing import NOW, book, offer_appointments
from tests.conftest import PASSWORD, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_dir(settings, tmp_path):
    """The embedded default: the file backend writing into a directory of this test."""
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    return tmp_path / "mail"


def german(msgid: str) -> str:
    """The German text of a message: the bookings here are German, and so are their mails."""
    with translation.override("de"):
        return translation.gettext(msgid)


def subject(msgid: str) -> str:
    return german(msgid) % {"date": "Dienstag, 10. März 2026", "time": "14:30", "office": "Energieberatung"}


def first_file(settings) -> str:
    return sorted(settings.EMAIL_FILE_PATH.iterdir())[0].name


@pytest.fixture
def two_mails(world, mail_dir, django_capture_on_commit_callbacks):
    """A confirmation, then a cancellation, as the embedded installation writes them. Django's file
    backend names a file after the second and its backend object, so the second mail lands in a file
    of its own or, when a new backend object reuses the old one's id, in the same file."""
    offer_appointments(world.office_a)
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(world.office_a)
    for path in mail_dir.iterdir():
        os.utime(path, (1_700_000_000, 1_700_000_000))  # clearly older than the next one
    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel(booking, now=NOW)
    return booking


def test_lists_the_mails_newest_first(world, two_mails) -> None:
    response = login(Client(), world.official_a).get("/dev/mailbox/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "erika@example.org" in page
    assert '">' + subject("Appointment cancelled: %(date)s at %(time)s, %(office)s") in page
    cancelled = page.index(subject("Appointment cancelled: %(date)s at %(time)s, %(office)s"))
    confirmed = page.index(subject("Appointment confirmed: %(date)s at %(time)s, %(office)s"))
    assert cancelled < confirmed
    assert len(response.context["mails"]) == 2
    assert all(
        m.date is not None and m.date.utcoffset() == dt.timedelta(0) for m in response.context["mails"]
    )


def test_shows_one_mail_with_its_text_and_attachments(world, two_mails) -> None:
    client = login(Client(), world.official_a)
    listed = client.get("/dev/mailbox/").context["mails"]
    confirmation = listed[1]

    response = client.get(f"/dev/mailbox/{confirmation.file}/{confirmation.index}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert subject("Appointment confirmed: %(date)s at %(time)s, %(office)s") in page
    assert mails.manage_url(two_mails) in page
    assert "Heizung &amp; Dach" in page  # the text, escaped for the page
    assert german("appointment") + ".ics" in page
    assert "text/calendar" in page
    assert "Energieberatung – Landratsamt Testkreis" in page


def test_several_mails_in_one_file(world, mail_dir) -> None:
    connection = mail.get_connection()
    ours = {AUTHORITY_HEADER: str(world.authority.pk)}
    connection.send_messages(
        [
            mail.EmailMessage("Erste", "eins", "a@example.org", ["x@example.org"], headers=ours),
            mail.EmailMessage("Zweite", "zwei", "a@example.org", ["y@example.org"], headers=ours),
        ]
    )
    client = login(Client(), world.official_a)

    listed = client.get("/dev/mailbox/").context["mails"]
    assert [m.subject for m in listed] == ["Zweite", "Erste"]
    page = client.get(f"/dev/mailbox/{listed[1].file}/{listed[1].index}/").content.decode()
    assert "eins" in page and "Erste" in page


def test_each_official_sees_only_their_own_authoritys_mails(world, two_mails, settings) -> None:
    mail.get_connection().send_messages(
        [
            mail.EmailMessage("Ohne Behörde", "x", "a@example.org", ["x@example.org"]),
            mail.EmailMessage(
                "Andere Behörde",
                "y",
                "a@example.org",
                ["y@example.org"],
                headers={AUTHORITY_HEADER: str(world.other_authority.pk)},
            ),
        ]
    )
    ours = login(Client(), world.official_a).get("/dev/mailbox/").context["mails"]
    assert len(ours) == 2 and "erika@example.org" in {m.to for m in ours}
    other = login(Client(), world.other_admin)
    theirs = other.get("/dev/mailbox/").context["mails"]
    assert [m.subject for m in theirs] == ["Andere Behörde"]
    page = other.get("/dev/mailbox/").content.decode()
    assert "erika@example.org" not in page
    for listed in ours:  # not by guessing the address either
        assert other.get(f"/dev/mailbox/{listed.file}/{listed.index}/").status_code == 404


def test_empty_or_missing_directory(world, mail_dir) -> None:
    response = login(Client(), world.official_a).get("/dev/mailbox/")
    assert response.status_code == 200
    assert response.context["mails"] == []


def test_not_found_without_debug(world, two_mails, settings) -> None:
    settings.DEBUG = False
    client = login(Client(), world.official_a)
    name = first_file(settings)
    assert client.get("/dev/mailbox/").status_code == 404
    assert client.get(f"/dev/mailbox/{name}/0/").status_code == 404
    assert Client().get("/dev/mailbox/").status_code == 404


def test_only_for_logged_in_staff(world, two_mails, settings) -> None:
    name = first_file(settings)
    anonymous = Client().get("/dev/mailbox/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/staff/login/")
    assert Client().get(f"/dev/mailbox/{name}/0/").status_code == 302

    get_user_model().objects.create_user(username="nobody", password=PASSWORD)
    outsider = Client()
    assert outsider.login(username="nobody", password=PASSWORD)
    assert outsider.get("/dev/mailbox/").status_code == 403
    assert outsider.get(f"/dev/mailbox/{name}/0/").status_code == 403


def test_wrong_method(world, two_mails) -> None:
    assert login(Client(), world.official_a).post("/dev/mailbox/").status_code == 405


def test_bad_addresses_are_not_found(world, two_mails, settings) -> None:
    client = login(Client(), world.official_a)
    name = first_file(settings)
    (settings.EMAIL_FILE_PATH.parent / "secret.log").write_text("Subject: outside\n\nnot a mail of ours")
    assert client.get(f"/dev/mailbox/{name}/7/").status_code == 404
    assert client.get("/dev/mailbox/20990101-000000-1.log/0/").status_code == 404
    assert client.get("/dev/mailbox/secret_key/0/").status_code == 404
    assert client.get("/dev/mailbox/..secret.log/0/").status_code == 404
    assert client.get("/dev/mailbox/%2E%2E%2Fsecret.log/0/").status_code == 404
    assert client.get(f"/dev/mailbox/{name}/x/").status_code == 404

"""Reminders with a clock the test controls: each at most once across runs, processes and crashes; none
for bookings that are not confirmed, none after the start, none for a moment before the booking; a
failed send is tried again."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import translation

from buergerbuero.appointments import actions, mails, reminders
from buergerbuero.appointments.models import Booking, ReminderSent
from buergerbuero.appointments.reminders import current_offset, send_due_reminders
from buergerbuero.appointments.tokens import confirm_token
from tests.appointments.mailing import (
    LATER,
    NOW,
    START,
    book,
    calendar_of,
    event_of,
    offer_appointments,
    smtp_server,
    subject_of,
    text_of,
)

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)


def reminder_subject_start() -> str:
    """How a reminder's subject begins in German, the language of the bookings here."""
    with translation.override("de"):
        subject = translation.gettext("Reminder: your appointment on %(date)s at %(time)s, %(office)s")
    return subject.split("%(")[0]


@pytest.fixture
def office(world):
    offer_appointments(world.office_a)  # reminders 24 h and 1 h before
    return world.office_a


def claimed(booking: Booking) -> list[int]:
    return sorted(ReminderSent.objects.filter(booking=booking).values_list("minutes_before", flat=True))


def test_current_offset() -> None:
    assert current_offset([1440, 60], START, START - 2 * DAY) is None
    assert current_offset([1440, 60], START, START - DAY) == 1440
    assert current_offset([1440, 60], START, START - HOUR - MINUTE) == 1440
    assert current_offset([1440, 60], START, START - HOUR) == 60
    assert current_offset([1440, 60], START, START - MINUTE) == 60
    assert current_offset([1440, 60], START, START) is None
    assert current_offset([], START, START - MINUTE) is None


def test_each_reminder_goes_out_once_at_its_time(office) -> None:
    booking = book(office)  # Monday 10:00 for Tuesday 14:30
    mail.outbox.clear()
    clock = [
        NOW,
        START - DAY - MINUTE,
        START - DAY,  # the 24-hour reminder
        START - DAY,
        START - DAY + MINUTE,
        START - HOUR - MINUTE,
        START - HOUR,  # the 1-hour reminder
        START - HOUR + 30 * MINUTE,
        START - MINUTE,
        START,
        START + HOUR,
    ]

    sent = [send_due_reminders(now) for now in clock]

    assert sent == [0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]
    assert claimed(booking) == [60, 1440]
    assert [message.to for message in mail.outbox] == [["erika@example.org"]] * 2
    assert all(message.subject.startswith(reminder_subject_start()) for message in mail.outbox)


def test_none_for_held_cancelled_or_started_bookings(world, office) -> None:
    cancelled = book(office)
    actions.cancel(cancelled, now=NOW)
    office_b = world.office_b
    offer_appointments(office_b, double_opt_in=True)
    held = book(office_b)

    assert send_due_reminders(START - HOUR) == 0
    assert send_due_reminders(START - DAY) == 0
    assert ReminderSent.objects.count() == 0
    # Confirmed late, the booking gets the reminders still ahead of it.
    actions.confirm(confirm_token(held.token_salt), now=NOW + MINUTE)
    assert send_due_reminders(START - HOUR) == 1
    assert claimed(held) == [60]


def test_no_reminder_once_the_appointment_has_begun(office) -> None:
    booking = book(office)
    # The job did not run before the start: the reminders' moments passed unseen.
    assert send_due_reminders(START) == 0
    assert send_due_reminders(START + 10 * MINUTE) == 0
    assert claimed(booking) == []
    assert mail.outbox == []


def test_a_missed_reminder_is_sent_late_but_only_the_latest(office) -> None:
    booking = book(office)
    mail.outbox.clear()
    # Neither at 24 hours nor at 1 hour did a job run; ten minutes before the start one does.
    assert send_due_reminders(START - 10 * MINUTE) == 1
    assert send_due_reminders(START - 5 * MINUTE) == 0
    assert claimed(booking) == [60]
    assert len(mail.outbox) == 1


def test_booked_after_the_moment_gets_no_reminder_for_it(world, office) -> None:
    office.appointment_settings.lead_minutes = 0
    office.appointment_settings.save()
    last_minute = book(office, now=START - 30 * MINUTE)
    same_day = book(office, start=LATER, now=LATER - 5 * HOUR)
    mail.outbox.clear()

    assert send_due_reminders(START - 29 * MINUTE) == 0
    assert send_due_reminders(START - MINUTE) == 0
    assert claimed(last_minute) == []
    # Booked five hours ahead: no 24-hour reminder, but the 1-hour one.
    assert send_due_reminders(LATER - 2 * HOUR) == 0
    assert send_due_reminders(LATER - HOUR) == 1
    assert claimed(same_day) == [60]


def test_confirmed_after_the_moment_gets_no_reminder_for_it(world) -> None:
    """What counts is when the booking was confirmed (the confirmation mail went out), not when the
    seat was first held."""
    offer_appointments(world.office_a, double_opt_in=True, lead_minutes=0)
    early = book(world.office_a, now=START - 2 * HOUR)  # held 12:30, its 1-hour moment 13:30
    actions.confirm(confirm_token(early.token_salt), now=START - 2 * HOUR + 5 * MINUTE)
    late_start = START + 20 * MINUTE  # 14:50, its 1-hour moment 13:50
    late = book(world.office_a, start=late_start, now=late_start - 70 * MINUTE, email="max@example.org")
    actions.confirm(confirm_token(late.token_salt), now=late_start - 58 * MINUTE)

    assert send_due_reminders(late_start - 55 * MINUTE) == 1
    assert claimed(early) == [60]
    assert claimed(late) == []
    assert send_due_reminders(late_start - 10 * MINUTE) == 0


def test_a_moved_booking_is_reminded_again_for_the_new_time(world, office) -> None:
    booking = book(office)
    assert send_due_reminders(START - DAY) == 1
    next_week = START + 7 * DAY
    actions.reschedule(booking, next_week, actor=world.official_a, now=START - DAY + HOUR)
    assert claimed(booking) == []

    assert send_due_reminders(START - HOUR) == 0  # the old time is no concern any more
    assert send_due_reminders(next_week - DAY) == 1
    assert send_due_reminders(next_week - HOUR) == 1
    assert claimed(booking) == [60, 1440]


def test_offices_without_reminders_send_none(world) -> None:
    offer_appointments(world.office_a, reminder_minutes="")
    book(world.office_a)
    assert send_due_reminders(START - HOUR) == 0


def test_a_crash_between_claim_and_send_never_sends_twice(office, monkeypatch) -> None:
    """The process that claimed dies before it sends; the next run (another process, or the same one
    restarted) finds the claim and sends nothing: at most once."""
    booking = book(office)
    mail.outbox.clear()

    def die(*args, **kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(mails, "deliver", die)
    with pytest.raises(SystemExit):
        send_due_reminders(START - HOUR)
    monkeypatch.undo()

    assert claimed(booking) == [60]
    assert send_due_reminders(START - HOUR + MINUTE) == 0
    assert mail.outbox == []


def test_a_failed_send_is_logged_and_tried_again(office, settings, caplog) -> None:
    booking = book(office)
    with smtp_server(settings) as inbox:
        inbox.refuse = True
        with caplog.at_level(logging.ERROR, logger="buergerbuero.appointments.reminders"):
            assert send_due_reminders(START - HOUR) == 0
        assert "will be tried again" in caplog.text
        assert claimed(booking) == []

        inbox.refuse = False
        assert send_due_reminders(START - HOUR + MINUTE) == 1
        assert send_due_reminders(START - HOUR + 2 * MINUTE) == 0

        [reminder] = inbox.messages
    assert subject_of(reminder).startswith(reminder_subject_start())
    assert mails.manage_url(booking) in text_of(reminder)
    event = event_of(calendar_of(reminder)[1])
    assert event["DTSTART"].dt == START
    assert str(event["UID"]) == mails.event_uid(booking)
    assert claimed(booking) == [60]


# --- two processes at once -----------------------------------------------------------------------------


def race(monkeypatch, now: dt.datetime, processes: int = 2) -> list[int]:
    """Run send_due_reminders in ``processes`` threads that all read the due reminders before any of
    them claims one, the worst interleaving."""
    barrier = threading.Barrier(processes, timeout=10)
    due = reminders.due_reminders

    def due_then_wait(when: dt.datetime) -> list[tuple[int, int]]:
        found = due(when)
        barrier.wait()
        return found

    monkeypatch.setattr(reminders, "due_reminders", due_then_wait)
    results: list[int] = []
    errors: list[BaseException] = []

    def process() -> None:
        try:
            results.append(send_due_reminders(now))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=process) for _ in range(processes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_processes_send_a_reminder_once(office, monkeypatch) -> None:
    booking = book(office)
    mail.outbox.clear()

    assert sorted(race(monkeypatch, START - HOUR)) == [0, 1]
    assert len(mail.outbox) == 1
    assert claimed(booking) == [60]


@pytest.mark.django_db(transaction=True)
def test_without_the_claim_both_processes_send(office, monkeypatch) -> None:
    """The race the claim guards against: both processes saw the reminder due."""
    book(office)
    mail.outbox.clear()
    monkeypatch.setattr(reminders, "claim", lambda booking_id, minutes, now: ReminderSent(pk=0))

    assert race(monkeypatch, START - HOUR) == [1, 1]
    assert len(mail.outbox) == 2

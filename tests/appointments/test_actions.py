"""Booking actions: booking with and without double opt-in, limits, confirmation and lapsed holds,
cancelling, moving, missed appointments, arriving ahead of walk-ins, retention, and the secret links."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from buergerbuero.appointments import actions
from buergerbuero.appointments.models import AppointmentSettings, Booking, BookingState, BookingWindow
from buergerbuero.appointments.tokens import confirm_token, hash_token, manage_token
from buergerbuero.audit.models import AuditEntry
from buergerbuero.core.errors import ActionError
from buergerbuero.waitingroom.models import TicketState
from buergerbuero.waitingroom.selectors import queue_entries, waiting_tickets
from tests.conftest import enter, open_

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 12, 7, 8, tzinfo=BERLIN)  # a Monday


def wed(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, 9, hour, minute, tzinfo=BERLIN).astimezone(dt.UTC)


@pytest.fixture
def sent(monkeypatch) -> list[tuple[int, str]]:
    calls: list[tuple[int, str]] = []
    monkeypatch.setattr(
        "buergerbuero.appointments.mails.send", lambda pk, kind, **kw: calls.append((pk, kind))
    )
    return calls


@pytest.fixture
def office(world, sent):
    AppointmentSettings.objects.create(office=world.office_a, enabled=True, slot_minutes=20, lead_minutes=60)
    BookingWindow.objects.create(office=world.office_a, weekday=2, start=dt.time(9), end=dt.time(12))
    return world.office_a


def book(office, start=None, email="anna@example.org", **kw) -> Booking:
    return actions.book(office, start or wed(9), name="Anna", email=email, now=kw.pop("now", NOW), **kw)


def test_booking_confirms_at_once_and_mails_after_commit(
    office, sent, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(office, email=" Anna@Example.org ", phone=" 0151 ", concern=" Heizung ")
    assert booking.state == BookingState.CONFIRMED and booking.confirmed_at == NOW
    assert (booking.email, booking.phone, booking.concern) == ("anna@example.org", "0151", "Heizung")
    assert booking.end - booking.start == dt.timedelta(minutes=20)
    assert sent == [(booking.pk, "confirmed")]
    entry = AuditEntry.objects.get(action="booking.created")
    assert "Anna" not in str(entry.data) and "example.org" not in str(entry.data)


def test_a_time_that_is_not_a_slot_or_too_soon_cannot_be_booked(office) -> None:
    with pytest.raises(ActionError) as error:
        book(office, wed(9, 5))
    assert error.value.code == "no_such_slot"
    with pytest.raises(ActionError) as error:
        book(office, wed(9), now=wed(8, 30))  # inside the lead time of 60 minutes
    assert error.value.code == "no_such_slot"
    AppointmentSettings.objects.filter(office=office).update(enabled=False)
    with pytest.raises(ActionError) as error:
        book(office)
    assert error.value.code == "no_appointments"


def test_open_bookings_per_address_are_limited(office) -> None:
    book(office, wed(9))
    book(office, wed(9, 20), email="ANNA@example.org")
    with pytest.raises(ActionError) as error:
        book(office, wed(9, 40))
    assert error.value.code == "too_many"
    assert "2" in error.value.message
    book(office, wed(9, 40), email="bert@example.org")  # another address is fine


def test_double_opt_in_holds_the_seat_until_confirmed(
    office, sent, django_capture_on_commit_callbacks
) -> None:
    AppointmentSettings.objects.filter(office=office).update(double_opt_in=True)
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(office)
    assert booking.state == BookingState.HELD
    assert booking.hold_expires_at == NOW + dt.timedelta(minutes=15)
    assert sent == [(booking.pk, "opt_in")]
    with pytest.raises(ActionError):
        book(office, email="other@example.org")  # the held seat is taken
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = actions.confirm(confirm_token(booking.token_salt), now=NOW + dt.timedelta(minutes=14))
    assert confirmed.state == BookingState.CONFIRMED
    assert sent[-1] == (booking.pk, "confirmed")
    assert actions.confirm(confirm_token(booking.token_salt)).state == BookingState.CONFIRMED  # again: same


def test_a_hold_that_is_not_confirmed_lapses_and_frees_the_seat(office) -> None:
    AppointmentSettings.objects.filter(office=office).update(double_opt_in=True)
    booking = book(office)
    assert actions.expire_holds(NOW + dt.timedelta(minutes=14)) == 0
    assert actions.expire_holds(NOW + dt.timedelta(minutes=15)) == 1
    booking.refresh_from_db()
    assert booking.state == BookingState.EXPIRED
    with pytest.raises(ActionError) as error:
        actions.confirm(confirm_token(booking.token_salt), now=NOW + dt.timedelta(minutes=16))
    assert error.value.code == "expired"
    book(office, email="other@example.org", now=NOW + dt.timedelta(minutes=16))  # the seat is free
    with pytest.raises(ActionError) as error:
        actions.confirm("not-a-token")
    assert error.value.code == "unknown"


def test_an_official_booking_for_a_caller_needs_no_opt_in(world, office) -> None:
    AppointmentSettings.objects.filter(office=office).update(double_opt_in=True)
    booking = actions.book(
        office, wed(10), name="Caller", email="", phone="0800", actor=world.official_a, now=NOW
    )
    assert booking.state == BookingState.CONFIRMED and booking.booked_by == world.official_a


def test_cancel_by_citizen_and_by_office(world, office, sent, django_capture_on_commit_callbacks) -> None:
    mine = book(office)
    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel(mine, now=NOW)
    mine.refresh_from_db()
    assert (mine.state, mine.cancelled_by, mine.cancel_message) == ("cancelled", "citizen", "")
    assert sent[-1] == (mine.pk, "cancelled")
    with pytest.raises(ActionError):
        actions.cancel(mine, now=NOW)
    theirs = book(office, email="b@example.org")  # the seat was free again
    actions.cancel(theirs, actor=world.official_a, message="  Krank  ", now=NOW)
    theirs.refresh_from_db()
    assert (theirs.cancelled_by, theirs.cancel_message) == ("office", "Krank")


def test_a_citizen_cannot_cancel_after_the_start(office) -> None:
    booking = book(office)
    with pytest.raises(ActionError) as error:
        actions.cancel(booking, now=wed(9, 1))
    assert error.value.code == "started"


def test_moving_takes_the_new_seat_and_frees_the_old_one(
    office, sent, django_capture_on_commit_callbacks
) -> None:
    booking = book(office, wed(9))
    other = book(office, wed(9, 20), email="b@example.org")
    with pytest.raises(ActionError) as error:
        actions.reschedule(booking, wed(9, 20), now=NOW)
    assert error.value.code == "slot_full"
    booking.refresh_from_db()
    assert booking.start == wed(9)  # unchanged
    with django_capture_on_commit_callbacks(execute=True):
        moved = actions.reschedule(booking, wed(10), now=NOW)
    assert (moved.start, moved.end) == (wed(10), wed(10, 20))
    assert sent[-1] == (booking.pk, "confirmed")
    book(office, wed(9), email="c@example.org")  # the old slot is free again
    assert other.manage_token_hash != moved.manage_token_hash
    assert moved.manage_token_hash == hash_token(manage_token(moved.token_salt))  # the link stays


def test_no_show_only_after_the_start(world, office) -> None:
    booking = book(office)
    with pytest.raises(ActionError) as error:
        actions.mark_no_show(booking, world.official_a, now=wed(8, 59))
    assert error.value.code == "not_yet"
    assert actions.mark_no_show(booking, world.official_a, now=wed(9, 30)).state == BookingState.NO_SHOW


def test_nobody_came_is_recorded_after_the_arrival_window(world, office) -> None:
    absent = book(office, wed(9))
    came = book(office, wed(9, 20), email="b@example.org")
    open_(world.official_a, office)
    actions.arrive(came, now=wed(9, 20))
    assert actions.record_no_shows(wed(9, 15)) == 0
    assert actions.record_no_shows(wed(9, 16)) == 1
    absent.refresh_from_db()
    came.refresh_from_db()
    assert (absent.state, came.state) == (BookingState.NO_SHOW, BookingState.ATTENDED)
    assert actions.record_no_shows(wed(12)) == 0


def test_arriving_at_the_appointment_goes_ahead_of_walk_ins(world, office) -> None:
    booking = book(office)
    open_(world.official_a, office)
    walk_in, _ = enter(office, "Walk-in")
    with pytest.raises(ActionError) as error:
        actions.arrive(booking, now=wed(8, 49))
    assert error.value.code == "too_early"
    ticket, token = actions.arrive(booking, now=wed(8, 55))
    assert token and ticket.priority == 1 and ticket.appointment_at == wed(9)
    assert list(waiting_tickets(office).values_list("pk", flat=True)) == [ticket.pk, walk_in.pk]
    assert queue_entries(office)[0]["appointment"] == wed(9).isoformat()
    assert queue_entries(office)[0]["appointment_time"] == "09:00"  # in the office's time
    assert queue_entries(office)[1]["appointment"] == ""
    booking.refresh_from_db()
    assert booking.state == BookingState.ATTENDED and booking.ticket_id == ticket.pk
    # Coming back on another device takes the same place over with a new secret.
    again, new_token = actions.arrive(booking, now=wed(9, 5))
    assert again.pk == ticket.pk and new_token != token
    ticket.refresh_from_db()
    assert ticket.state == TicketState.WAITING
    with pytest.raises(ActionError) as error:
        actions.arrive(book(office, wed(10), email="x@example.org"), now=wed(10, 16))
    assert error.value.code == "too_late"


@pytest.mark.parametrize("ending", ["declined", "left", "transferred"])
def test_an_appointment_whose_visit_ended_cannot_enter_again(world, office, ending) -> None:
    """A second "join now" after the visit ended would make a new priority ticket ahead of walk-ins (and
    after a transfer a second place, in another office). Only a still active ticket is taken over."""
    from buergerbuero.waitingroom import actions as waiting_actions
    from buergerbuero.waitingroom.models import Ticket

    booking = book(office)
    open_(world.official_a, office)
    ticket, _token = actions.arrive(booking, now=wed(8, 55))
    if ending == "declined":
        waiting_actions.decline(world.official_a, ticket, "Bitte Termin neu")
    elif ending == "left":
        waiting_actions.leave_queue(ticket)
    else:
        waiting_actions.transition(ticket, TicketState.TRANSFERRED, world.official_a)
    booking.refresh_from_db()
    assert not actions.can_arrive(booking, wed(9))
    with pytest.raises(ActionError) as error:
        actions.arrive(booking, now=wed(9))
    assert error.value.code == "finished"
    assert Ticket.objects.count() == 1
    booking.refresh_from_db()
    assert booking.state == BookingState.ATTENDED and booking.ticket_id == ticket.pk


def test_an_appointment_gets_in_even_when_the_waiting_area_is_full(world, office) -> None:
    office.max_queue_length = 1
    office.save()
    open_(world.official_a, office)
    enter(office)
    ticket, _ = actions.arrive(book(office), now=wed(9))
    assert ticket.state == TicketState.WAITING


def test_retention_deletes_personal_data_of_past_bookings_only(office) -> None:
    past = book(office, wed(9))
    future = book(office, wed(11), email="b@example.org", phone="1", concern="x")
    assert actions.delete_personal_data(wed(10)) == 1
    past.refresh_from_db()
    future.refresh_from_db()
    assert (past.name, past.email, past.phone, past.concern, past.personal_data_deleted) == (
        "",
        "",
        "",
        "",
        True,
    )
    assert past.start == wed(9) and past.state == BookingState.CONFIRMED  # counts stay
    assert future.email == "b@example.org"


def test_links_are_long_random_and_stored_only_hashed(office) -> None:
    booking = book(office)
    token = manage_token(booking.token_salt)
    assert len(token) >= 43  # 256 bits
    assert token not in {booking.manage_token_hash, booking.confirm_token_hash, booking.token_salt}
    assert actions.booking_by_manage_token(token) == booking
    assert actions.booking_by_manage_token(confirm_token(booking.token_salt)) is None
    assert actions.booking_by_manage_token("") is None and actions.booking_by_manage_token("x" * 500) is None

"""Every change to bookings goes through these functions.

Invariants a reader must not break:
- A booking takes a seat of its slot by INSERTing (or moving) a row that holds it; the partial unique
  constraint ``one_booking_per_seat`` refuses a second holder of the same seat, each try in its own
  savepoint. So a slot never has more bookings than seats, however many requests race for it, and a
  request that loses gets a clean ``slot_full`` refusal (tests/appointments/test_concurrency.py).
- The per-address limit is checked under an advisory lock of (office, address) on PostgreSQL or the
  IMMEDIATE transaction on SQLite, so two requests of one address cannot both pass it; bookings of
  different addresses do not wait for each other.
- Mails leave after commit (``mails``); personal data never enters the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.appointments import mails
from buergerbuero.appointments.models import (
    HOLDING,
    AppointmentSettings,
    BlockedSlot,
    Booking,
    BookingState,
    CancelledBy,
)
from buergerbuero.appointments.slots import Slot, find_slot
from buergerbuero.appointments.tokens import confirm_token, hash_token, manage_token, new_salt
from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Staff
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.models import Office
from buergerbuero.waitingroom import actions as waiting_actions
from buergerbuero.waitingroom.models import ACTIVE_STATES, Ticket

HOLD_MINUTES = 15


def _lock_address(office_id: int, email: str) -> None:
    """Serialise the bookings of one e-mail address with one office until the transaction ends, so two
    requests of that address cannot both pass the limit of open bookings. Bookings of other addresses
    go on in parallel. PostgreSQL: a transaction-level advisory lock on a hash of both; SQLite already
    serialises every write transaction (IMMEDIATE)."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.sha256(f"booking:{office_id}:{email}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)])


def _settings(office: Office) -> AppointmentSettings:
    settings = AppointmentSettings.objects.filter(office=office).first()
    if settings is None or not settings.enabled:
        raise ActionError("no_appointments", _("This office does not offer appointments."))
    return settings


def _take_seat(booking: Booking, capacity: int) -> bool:
    """Save ``booking`` on the first free seat of its slot. False when every seat is taken."""
    for seat in range(capacity):
        booking.seat = seat
        try:
            with transaction.atomic():
                booking.save()
        except IntegrityError:
            continue
        return True
    return False


def _bookable(
    office: Office, start: dt.datetime, now: dt.datetime, actor: Staff | None, settings: AppointmentSettings
) -> Slot:
    """The slot at ``start`` if it has a free seat; officials may book inside the lead time."""
    slot = find_slot(office, start, now, lead=actor is None, settings=settings)
    if slot is None:
        raise ActionError("no_such_slot", _("This time cannot be booked. Please choose another one."))
    if slot.blocked or slot.free <= 0:
        raise ActionError("slot_full", _("This time has just been taken. Please choose another one."))
    return slot


def book(
    office: Office,
    start: dt.datetime,
    *,
    name: str,
    email: str,
    phone: str = "",
    concern: str = "",
    language: str = "de",
    actor: Staff | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Book a slot. With the office's double opt-in (and not booked by an official) the seat is held
    for 15 minutes until the citizen confirms; otherwise it is confirmed at once. Mails after commit."""
    now = now or timezone.now()
    email = email.strip().lower()
    # Read-only checks first, outside any lock: the seat constraint, not this check, keeps a slot from
    # being booked twice; it only spares a doomed INSERT and gives the clearer message.
    settings = _settings(office)
    slot = _bookable(office, start, now, actor, settings)
    with transaction.atomic():
        if email and actor is None:
            _lock_address(office.pk, email)
            open_bookings = Booking.objects.filter(
                office=office, email=email, state__in=HOLDING, end__gt=now
            ).count()
            if open_bookings >= settings.max_open_per_email:
                raise ActionError(
                    "too_many",
                    _("You already have %(count)d open appointments with this office.")
                    % {"count": open_bookings}
                    + " "
                    + _("Please cancel one first."),
                )
        held = settings.double_opt_in and actor is None
        salt = new_salt()
        booking = Booking(
            office=office,
            start=start,
            end=slot.end,
            state=BookingState.HELD if held else BookingState.CONFIRMED,
            name=name.strip(),
            email=email,
            phone=phone.strip(),
            concern=concern.strip(),
            language=language,
            token_salt=salt,
            manage_token_hash=hash_token(manage_token(salt)),
            confirm_token_hash=hash_token(confirm_token(salt)),
            created_at=now,
            hold_expires_at=now + dt.timedelta(minutes=HOLD_MINUTES) if held else None,
            confirmed_at=None if held else now,
            booked_by=actor,
        )
        if not _take_seat(booking, settings.capacity):
            raise ActionError("slot_full", _("This time has just been taken. Please choose another one."))
        record(office.authority_id, "booking.created", booking, actor.user_id if actor else None, held=held)
        if booking.email:
            kind = mails.OPT_IN if held else mails.CONFIRMED
            transaction.on_commit(lambda: mails.send(booking.pk, kind))
    return booking


def booking_by_manage_token(token: str | None) -> Booking | None:
    if not token or len(token) > 100:
        return None
    return (
        Booking.objects.select_related("office__authority")
        .filter(manage_token_hash=hash_token(token))
        .first()
    )


def confirm(token: str, now: dt.datetime | None = None) -> Booking:
    """The citizen opened the link of the double opt-in mail and confirmed (a POST)."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .select_related("office")
            .filter(confirm_token_hash=hash_token(token or ""))
            .first()
        )
        if booking is None:
            raise ActionError("unknown", _("This link is not valid."))
        if booking.state == BookingState.CONFIRMED:
            return booking
        if not can_confirm(booking, now):
            raise ActionError(
                "expired", _("This booking was not confirmed in time and has lapsed. Please book again.")
            )
        booking.state = BookingState.CONFIRMED
        booking.confirmed_at = now
        booking.hold_expires_at = None
        booking.save(update_fields=["state", "confirmed_at", "hold_expires_at"])
        record(booking.office.authority_id, "booking.confirmed", booking)
        transaction.on_commit(lambda: mails.send(booking.pk, mails.CONFIRMED))
    return booking


# --- what can be done with a booking now (the actions check these; pages ask them too) -------------


def hold_lapsed(booking: Booking, now: dt.datetime) -> bool:
    """A double opt-in whose 15 minutes passed (whether or not the job has marked it yet)."""
    if booking.state == BookingState.EXPIRED:
        return True
    expires = booking.hold_expires_at
    return booking.state == BookingState.HELD and expires is not None and expires <= now


def can_confirm(booking: Booking, now: dt.datetime) -> bool:
    return booking.state == BookingState.HELD and not hold_lapsed(booking, now)


def _change_refusal(booking: Booking, now: dt.datetime, actor: Staff | None) -> ActionError | None:
    """Why the booking cannot be cancelled or moved now (by the citizen when ``actor`` is None)."""
    if booking.state not in HOLDING or booking.end <= now:
        return ActionError("not_open", _("This appointment is no longer open."))
    if actor is None and booking.start <= now:
        return ActionError("started", _("This appointment has already begun."))
    return None


def can_change(booking: Booking, now: dt.datetime, actor: Staff | None = None) -> bool:
    return _change_refusal(booking, now, actor) is None


def _no_show_refusal(booking: Booking, now: dt.datetime) -> ActionError | None:
    if booking.state != BookingState.CONFIRMED:
        return ActionError("not_open", _("This appointment is no longer open."))
    if booking.start > now:
        return ActionError("not_yet", _("An appointment can be marked as missed only after it has begun."))
    return None


def can_mark_no_show(booking: Booking, now: dt.datetime) -> bool:
    return _no_show_refusal(booking, now) is None


def _end(booking: Booking, state: str, now: dt.datetime) -> None:
    booking.state = state
    booking.ended_at = now
    booking.save(update_fields=["state", "ended_at", "cancelled_by", "cancel_message"])


def cancel(
    booking: Booking, *, actor: Staff | None = None, message: str = "", now: dt.datetime | None = None
) -> Booking:
    """Cancel a booking: by the citizen (``actor`` None) or by an official of the office, with a message
    that the citizen gets by mail. The seat is free again at once."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().select_related("office").get(pk=booking.pk)
        refusal = _change_refusal(booking, now, actor)
        if refusal:
            raise refusal
        booking.cancelled_by = CancelledBy.OFFICE if actor else CancelledBy.CITIZEN
        booking.cancel_message = message.strip() if actor else ""
        _end(booking, BookingState.CANCELLED, now)
        record(booking.office.authority_id, "booking.cancelled", booking, actor.user_id if actor else None)
        if booking.email:
            transaction.on_commit(lambda: mails.send(booking.pk, mails.CANCELLED))
    return booking


def reschedule(
    booking: Booking, start: dt.datetime, *, actor: Staff | None = None, now: dt.datetime | None = None
) -> Booking:
    """Move a booking to another slot of its office: the new seat is taken before the old one is freed,
    in one transaction, so it either moves or stays. The links stay the same."""
    now = now or timezone.now()
    with transaction.atomic():
        # The booking row is locked; the seat constraint guards the new slot (see the module docstring).
        booking = Booking.objects.select_for_update().select_related("office").get(pk=booking.pk)
        office = booking.office
        settings = _settings(office)
        refusal = _change_refusal(booking, now, actor)
        if refusal:
            raise refusal
        if start == booking.start:
            return booking
        slot = _bookable(office, start, now, actor, settings)
        old_start = booking.start
        booking.start, booking.end = start, slot.end
        if not _take_seat(booking, settings.capacity):
            raise ActionError("slot_full", _("This time has just been taken. Please choose another one."))
        booking.reminders.all().delete()  # the reminders are due again for the new time
        record(
            office.authority_id,
            "booking.moved",
            booking,
            actor.user_id if actor else None,
            old=old_start.isoformat(),
        )
        if booking.email:
            kind = mails.MOVED if actor else mails.CONFIRMED
            transaction.on_commit(lambda: mails.send(booking.pk, kind))
    return booking


# From when until when the management link lets the citizen into the waiting area ahead of walk-ins.
ARRIVE_EARLY = dt.timedelta(minutes=10)
ARRIVE_LATE = dt.timedelta(minutes=15)


def _holds_place(booking: Booking) -> bool:
    """An attended booking whose ticket is still in the waiting area or in its consultation. Once the
    ticket has ended (done, declined, left, expired, transferred to another office) the appointment is
    used up: entering again would make a second priority ticket ahead of walk-ins."""
    ticket = booking.ticket
    return ticket is not None and ticket.state in ACTIVE_STATES


def can_arrive(booking: Booking, now: dt.datetime) -> bool:
    if not booking.start - ARRIVE_EARLY <= now <= booking.start + ARRIVE_LATE:
        return False
    if booking.state == BookingState.ATTENDED:
        return _holds_place(booking)
    return booking.state == BookingState.CONFIRMED


def arrive(booking: Booking, now: dt.datetime | None = None) -> tuple[Ticket, str]:
    """The citizen opens the management link at the appointment time and joins the office's waiting
    area ahead of walk-ins (waitingroom.actions.enter_queue with the appointment). Returns the ticket
    and the token for the browser session. Coming again (another device, a closed tab) while the
    place is still held takes the same place over with a new token."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().select_related("office").get(pk=booking.pk)
        if booking.state == BookingState.ATTENDED and not _holds_place(booking):
            raise ActionError(
                "finished",
                _(
                    "You have already been in the waiting area for this appointment and your visit has "
                    "ended. If you need to speak to the office again, please book a new appointment."
                ),
            )
        if not can_arrive(booking, now):
            if booking.state not in (BookingState.CONFIRMED, BookingState.ATTENDED):
                raise ActionError("not_open", _("This appointment is no longer open."))
            if now < booking.start - ARRIVE_EARLY:
                raise ActionError(
                    "too_early", _("You can join the waiting area from 10 minutes before your appointment.")
                )
            raise ActionError(
                "too_late", _("Your appointment began more than 15 minutes ago. Please book a new one.")
            )
        ticket = booking.ticket
        if booking.state == BookingState.ATTENDED and ticket is not None:
            # Still in place (checked above): take it over with a new secret.
            token = waiting_actions.new_ticket_token(ticket)
            return ticket, token
        ticket, token = waiting_actions.enter_queue(
            booking.office, booking.name, booking.concern, booking.language, appointment_at=booking.start
        )
        booking.ticket = ticket
        booking.state = BookingState.ATTENDED
        booking.save(update_fields=["ticket", "state"])
        record(booking.office.authority_id, "booking.arrived", booking, ticket=ticket.pk)
    return ticket, token


def _end_due(due: QuerySet[Booking], state: str, action: str, now: dt.datetime) -> int:
    """End every booking of ``due`` with ``state``, one conditional UPDATE each (a booking that changed
    meanwhile, e.g. was confirmed or cancelled, is left alone), each with its audit entry."""
    ended = 0
    for booking in due.select_related("office"):
        with transaction.atomic():
            if due.filter(pk=booking.pk).update(state=state, ended_at=now):
                record(booking.office.authority_id, action, booking)
                ended += 1
    return ended


def expire_holds(now: dt.datetime | None = None) -> int:
    """End held bookings whose 15 minutes passed without confirmation (frees their seats)."""
    now = now or timezone.now()
    due = Booking.objects.filter(state=BookingState.HELD, hold_expires_at__lte=now)
    return _end_due(due, BookingState.EXPIRED, "booking.lapsed", now)


def record_no_shows(now: dt.datetime | None = None) -> int:
    """Confirmed bookings whose citizen did not come by the end of the arrival window are no-shows
    (run by the background jobs; idempotent)."""
    now = now or timezone.now()
    due = Booking.objects.filter(state=BookingState.CONFIRMED, start__lt=now - ARRIVE_LATE)
    return _end_due(due, BookingState.NO_SHOW, "booking.no_show", now)


def mark_no_show(booking: Booking, actor: Staff, now: dt.datetime | None = None) -> Booking:
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().select_related("office").get(pk=booking.pk)
        refusal = _no_show_refusal(booking, now)
        if refusal:
            raise refusal
        _end(booking, BookingState.NO_SHOW, now)
        record(booking.office.authority_id, "booking.no_show", booking, actor.user_id)
    return booking


def block_slot(
    office: Office, start: dt.datetime, actor: Staff, now: dt.datetime | None = None
) -> BlockedSlot:
    """Take a slot out of booking (bookings already in it stay)."""
    if find_slot(office, start, now or timezone.now(), lead=False) is None:
        raise ActionError(
            "no_such_slot",
            _("This is not one of the office's appointment times. Please choose one from the list."),
        )
    with transaction.atomic():
        block, _created = BlockedSlot.objects.get_or_create(
            office=office, start=start, defaults={"blocked_by": actor}
        )
        record(office.authority_id, "slot.blocked", block, actor.user_id)
    return block


def free_slot(office: Office, start: dt.datetime, actor: Staff) -> None:
    with transaction.atomic():
        for block in BlockedSlot.objects.filter(office=office, start=start):
            record(office.authority_id, "slot.freed", block, actor.user_id)
            block.delete()


def delete_personal_data(older_than: dt.datetime) -> int:
    """Retention: names, addresses, phone numbers and concerns of bookings that ended before
    ``older_than``; the bookings themselves (times, states) stay for the statistics."""
    return Booking.objects.filter(end__lt=older_than, personal_data_deleted=False).update(
        name="", email="", phone="", concern="", cancel_message="", personal_data_deleted=True
    )

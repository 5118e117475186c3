"""A fixed two days of activity (Monday 30 November and Tuesday 1 December 2026, Berlin time) written as the
actions write their rows, with times chosen so that every figure can be worked out by hand. The expected
figures are in tests/stats/test_figures.py, next to the arithmetic.

Office A (Energieberatung; Anna and Alex), office B (Gartenkultur; Bernd):
- A open Mon 08:00-12:00 and Mon 22:00-Tue 02:00 (across midnight); Anna present then, Alex Mon 09-11.
- B open Mon 10:00-11:00 and Tue 09:00-10:00, Bernd present then.
- T1 (A) Mon 08:10, let in by Anna 08:15, connected 08:16 with Alex as colleague, ended 08:36, 5 stars.
- T2 (A) Mon 08:20, left 08:30. T3 (A) Mon 09:00, declined by Alex 09:05.
- T4 (A) Mon 23:50, let in by Anna 23:55, connected 23:56, ended Tue 00:26 (two days), 4 stars.
- T5 (A) Mon 10:00, let in by Anna 10:10, connected 10:11, transferred to B at 10:21 as T6 (B), let in by
  Bernd 10:31, connected 10:32, ended 10:42, 3 stars.
- T7 (B) Tue 09:10, expired 09:20. T8 (A) Tue 01:00, let in by Anna 01:02, never joined (expired 01:04).
- Appointments of A: one confirmed Mon 12:00 and cancelled Tue 09:00; one (confirmed before) missed Mon 15:00.
- A training of A on Mon 13:00 (an individual, a class with two of three pupils checked in, an official,
  and a registrant who never came), a certificate issued Mon 12:00; an event without office on Tue 18:00
  (three people, the meeting hall and an official).
- The other authority has a ticket, a consultation and an open period on Monday: never counted.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from buergerbuero.appointments.models import Booking, BookingState
from buergerbuero.authorities.models import Staff
from buergerbuero.calls.models import Consultation, EndReason, Participant, ParticipantRole
from buergerbuero.certificates.models import Certificate
from buergerbuero.events.models import Event
from buergerbuero.offices.models import Office, OpenPeriod, Presence
from buergerbuero.rooms.models import Attendance, Member, Room, RoomKind, RoomState
from buergerbuero.trainings.models import Pupil, Registration, RegistrationKind, TrainingSession, TrainingType
from buergerbuero.waitingroom.models import Ticket, TicketState, TicketTransition

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = dt.date(2026, 11, 30)
TUESDAY = dt.date(2026, 12, 1)
# When the figures are asked for: both days are over (and final for the rollups).
NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=BERLIN)
S = TicketState


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=BERLIN)


def mon(hhmm: str) -> dt.datetime:
    return at(MONDAY, hhmm)


def tue(hhmm: str) -> dt.datetime:
    return at(TUESDAY, hhmm)


@dataclass
class Scenario:
    tickets: dict[str, Ticket]


def presence(office: Office, staff: Staff, start: dt.datetime, end: dt.datetime) -> None:
    Presence.objects.create(office=office, staff=staff, started_at=start, ended_at=end)


def ticket(
    office: Office, created: dt.datetime, *steps: tuple[str, str, dt.datetime, Staff | None], **kw
) -> Ticket:
    """A ticket with its state changes ``(from, to, at, actor)`` after its creation."""
    final = steps[-1][1] if steps else S.WAITING
    t = Ticket.objects.create(
        office=office,
        state=final,
        display_name="Erika Muster",
        concern="Heizung",
        enqueued_at=kw.pop("enqueued_at", created),
        created_at=created,
        state_changed_at=steps[-1][2] if steps else created,
        **kw,
    )
    if "transferred_from" not in kw:
        TicketTransition.objects.create(ticket=t, from_state="", to_state=S.WAITING, at=created)
    for from_state, to_state, when, actor in steps:
        TicketTransition.objects.create(
            ticket=t, from_state=from_state, to_state=to_state, at=when, actor=actor.user if actor else None
        )
    return t


def consultation(
    t: Ticket,
    official: Staff,
    started: dt.datetime,
    connected: dt.datetime | None,
    ended: dt.datetime,
    reason: str,
    colleague: tuple[Staff, dt.datetime] | None = None,
) -> Consultation:
    c = Consultation.objects.create(
        office=t.office,
        ticket=t,
        started_at=started,
        connected_at=connected,
        ended_at=ended,
        end_reason=reason,
    )
    Participant.objects.create(
        consultation=c, role=ParticipantRole.OFFICIAL, staff=official, joined_at=started, left_at=ended
    )
    Participant.objects.create(
        consultation=c, role=ParticipantRole.CITIZEN, joined_at=connected, left_at=ended
    )
    if colleague:
        Participant.objects.create(
            consultation=c,
            role=ParticipantRole.COLLEAGUE,
            staff=colleague[0],
            invited_at=colleague[1],
            joined_at=colleague[1],
            left_at=ended,
        )
    return c


def _token() -> str:
    return secrets.token_hex(32)


def build(world) -> Scenario:
    a, b = world.office_a, world.office_b
    anna, alex, bernd = world.official_a, world.official_a2, world.official_b
    OpenPeriod.objects.create(office=a, started_at=mon("08:00"), ended_at=mon("12:00"))
    OpenPeriod.objects.create(office=a, started_at=mon("22:00"), ended_at=tue("02:00"))
    OpenPeriod.objects.create(office=b, started_at=mon("10:00"), ended_at=mon("11:00"))
    OpenPeriod.objects.create(office=b, started_at=tue("09:00"), ended_at=tue("10:00"))
    presence(a, anna, mon("08:00"), mon("12:00"))
    presence(a, anna, mon("22:00"), tue("02:00"))
    presence(a, alex, mon("09:00"), mon("11:00"))
    presence(b, bernd, mon("10:00"), mon("11:00"))
    presence(b, bernd, tue("09:00"), tue("10:00"))

    t1 = ticket(
        a,
        mon("08:10"),
        (S.WAITING, S.INVITED, mon("08:15"), anna),
        (S.INVITED, S.IN_CONSULTATION, mon("08:16"), None),
        (S.IN_CONSULTATION, S.DONE, mon("08:36"), anna),
        rating=5,
    )
    consultation(
        t1, anna, mon("08:15"), mon("08:16"), mon("08:36"), EndReason.HANGUP_OFFICIAL, (alex, mon("08:20"))
    )
    t2 = ticket(a, mon("08:20"), (S.WAITING, S.LEFT, mon("08:30"), None))
    t3 = ticket(a, mon("09:00"), (S.WAITING, S.DECLINED, mon("09:05"), alex))
    t4 = ticket(
        a,
        mon("23:50"),
        (S.WAITING, S.INVITED, mon("23:55"), anna),
        (S.INVITED, S.IN_CONSULTATION, mon("23:56"), None),
        (S.IN_CONSULTATION, S.DONE, tue("00:26"), None),
        rating=4,
    )
    consultation(t4, anna, mon("23:55"), mon("23:56"), tue("00:26"), EndReason.HANGUP_CITIZEN)
    t5 = ticket(
        a,
        mon("10:00"),
        (S.WAITING, S.INVITED, mon("10:10"), anna),
        (S.INVITED, S.IN_CONSULTATION, mon("10:11"), None),
        (S.IN_CONSULTATION, S.TRANSFERRED, mon("10:21"), anna),
    )
    consultation(t5, anna, mon("10:10"), mon("10:11"), mon("10:21"), EndReason.TRANSFERRED)
    t6 = ticket(
        b,
        mon("10:21"),
        (S.WAITING, S.INVITED, mon("10:31"), bernd),
        (S.INVITED, S.IN_CONSULTATION, mon("10:32"), None),
        (S.IN_CONSULTATION, S.DONE, mon("10:42"), bernd),
        transferred_from=t5,
        enqueued_at=mon("10:00"),
        rating=3,
    )
    consultation(t6, bernd, mon("10:31"), mon("10:32"), mon("10:42"), EndReason.HANGUP_OFFICIAL)
    t7 = ticket(b, tue("09:10"), (S.WAITING, S.EXPIRED, tue("09:20"), None))
    t8 = ticket(
        a,
        tue("01:00"),
        (S.WAITING, S.INVITED, tue("01:02"), anna),
        (S.INVITED, S.EXPIRED, tue("01:04"), None),
    )
    Consultation.objects.create(
        office=a, ticket=t8, started_at=tue("01:02"), ended_at=tue("01:04"), end_reason=EndReason.NO_SHOW
    )

    booking = {"name": "Erika Muster", "email": "erika@example.org", "token_salt": "s", "office": a}
    Booking.objects.create(
        **booking,
        start=tue("14:00"),
        end=tue("14:30"),
        state=BookingState.CANCELLED,
        manage_token_hash=_token(),
        confirm_token_hash=_token(),
        created_at=mon("12:00"),
        confirmed_at=mon("12:00"),
        ended_at=tue("09:00"),
        cancelled_by="citizen",
    )
    Booking.objects.create(
        **booking,
        start=mon("15:00"),
        end=mon("15:30"),
        state=BookingState.NO_SHOW,
        manage_token_hash=_token(),
        confirm_token_hash=_token(),
        created_at=mon("07:00") - dt.timedelta(days=5),
        confirmed_at=mon("07:00") - dt.timedelta(days=5),
        ended_at=mon("15:16"),
    )

    _training(world, a, anna)
    _event(world, anna)
    Certificate.objects.create(
        authority=world.authority,
        office=a,
        holder_name="Erika Muster",
        birth_date=dt.date(1990, 1, 1),
        title="Belehrung",
        held_on=MONDAY,
        issued_at=mon("12:00"),
        identifier="A" * 20,
        source_key="scenario-1",
    )

    other = world.other_office
    stranger = ticket(other, mon("09:00"), (S.WAITING, S.INVITED, mon("09:01"), world.other_admin))
    consultation(
        stranger, world.other_admin, mon("09:01"), mon("09:02"), mon("09:30"), EndReason.HANGUP_OFFICIAL
    )
    OpenPeriod.objects.create(office=other, started_at=mon("08:00"), ended_at=mon("16:00"))
    presence(other, world.other_admin, mon("08:00"), mon("16:00"))
    return Scenario({f"t{i}": t for i, t in enumerate([t1, t2, t3, t4, t5, t6, t7, t8], start=1)})


def _member(room: Room, name: str, attended: bool = True, **kw) -> Member:
    member = Member.objects.create(room=room, display_name=name, token_hash=_token(), **kw)
    if attended:
        Attendance.objects.create(member=member, joined_at=room.started_at, left_at=room.ended_at)
    return member


def _training(world, office: Office, presenter: Staff) -> None:
    room = Room.objects.create(
        authority=world.authority,
        office=office,
        kind=RoomKind.TRAINING,
        title="Belehrung",
        state=RoomState.ENDED,
        started_at=mon("13:00"),
        ended_at=mon("14:00"),
    )
    kind = TrainingType.objects.create(authority=world.authority, office=office, title="Belehrung")
    session = TrainingSession.objects.create(
        training_type=kind, starts_at=mon("13:00"), capacity=20, room=room
    )

    def register(name: str, member: Member | None, **kw) -> Registration:
        return Registration.objects.create(
            session=session,
            name=name,
            consented_at=mon("08:00"),
            token_salt="s",
            token_hash=_token(),
            member=member,
            **kw,
        )

    register("Einzeln", _member(room, "Einzeln"), kind=RegistrationKind.INDIVIDUAL)
    register("Nie da", _member(room, "Nie da", attended=False), kind=RegistrationKind.INDIVIDUAL)
    klasse = register("Lehrerin", _member(room, "Klasse 9b"), kind=RegistrationKind.CLASS, seats=3)
    for position, checked in enumerate([True, True, False]):
        Pupil.objects.create(
            registration=klasse,
            position=position,
            name=f"Kind {position}",
            checked_in_at=mon("13:05") if checked else None,
        )
    member = Member.objects.create(room=room, user=presenter.user, display_name=presenter.display_name)
    Attendance.objects.create(member=member, joined_at=mon("13:00"), left_at=mon("14:00"))


def _event(world, moderator: Staff) -> None:
    room = Room.objects.create(
        authority=world.authority,
        kind=RoomKind.EVENT,
        title="Konferenz",
        state=RoomState.ENDED,
        started_at=tue("18:00"),
        ended_at=tue("19:00"),
    )
    Event.objects.create(
        authority=world.authority,
        title="Konferenz",
        starts_at=tue("18:00"),
        ends_at=tue("19:00"),
        room=room,
        invitation_salt="s",
        invitation_token_hash=_token(),
    )
    for name in ("Eins", "Zwei", "Drei"):
        _member(room, name)
    _member(room, "Sitzungssaal", is_hall=True)
    member = Member.objects.create(room=room, user=moderator.user, display_name=moderator.display_name)
    Attendance.objects.create(member=member, joined_at=tue("18:00"), left_at=tue("19:00"))

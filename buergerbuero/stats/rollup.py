"""A day's figures from the raw rows: the one computation behind both the stored rollups
(``actions.rollup_day``) and the days that have none yet (``figures.compute`` for today).

``collect`` reads a range of days for some offices of one authority in a fixed number of queries, however
many days and rows there are, and attributes every event to the local day (office time zone) on which it
happened. The definitions are in docs/statistics.md; this module is their one implementation. It reads
only times, states, ids and counts, never names or concerns, so it works the same before and after the
retention job has cleared them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Q

from buergerbuero.appointments.models import Booking, BookingState
from buergerbuero.authorities.models import Staff
from buergerbuero.calls.models import Consultation, EndReason, Participant, ParticipantRole
from buergerbuero.certificates.models import Certificate
from buergerbuero.offices.models import Office, OpenPeriod, Presence
from buergerbuero.rooms.models import Attendance, Member, Room, RoomKind
from buergerbuero.stats.day_values import Collected, OfficeKey, OfficeValues, StaffValues
from buergerbuero.stats.histograms import add_to
from buergerbuero.stats.localdays import day_start, days, default_tz, split_by_day, union
from buergerbuero.stats.models import OfficeDay
from buergerbuero.trainings.models import Pupil, Registration, RegistrationKind
from buergerbuero.waitingroom.models import Ticket, TicketState, TicketTransition


@dataclass(frozen=True)
class Floors:
    """Ids below which no raw row of the days asked for can lie (the tables have no index on their times,
    their primary keys grow with them): the largest ids counted two days before the first day asked for.
    Two days, because an id is drawn a moment after the time is taken, and a consultation connects up to
    the invitation timeout after its row was made."""

    ticket: int = 0
    transition: int = 0
    consultation: int = 0


def floors_before(authority_id: int, first: dt.date) -> Floors:
    found = OfficeDay.objects.filter(
        authority_id=authority_id, day__lte=first - dt.timedelta(days=2)
    ).aggregate(
        ticket=Max("last_ticket_id"),
        transition=Max("last_transition_id"),
        consultation=Max("last_consultation_id"),
    )
    return Floors(**{name: value or 0 for name, value in found.items()})


# --- the collection -------------------------------------------------------------------------------

ADMITTED = TicketState.INVITED
# How a consultation ends when the citizen's visit ends with it: only then does the ticket's rating
# belong to it (a citizen sent back or transferred rates the consultation that finally ends the visit).
_NOT_LAST = (EndReason.SENT_BACK, EndReason.TRANSFERRED)


def collect(
    authority_id: int,
    offices: Sequence[Office],
    first: dt.date,
    last: dt.date,
    now: dt.datetime,
    *,
    unassigned: bool = False,
    floors: Floors | None = None,
) -> Collected:
    """Every office day (and, with ``unassigned``, every day of the authority's own events) from ``first``
    to ``last``, and every official's day with something in it, computed from the raw rows as of ``now``.
    ``offices`` must all belong to the authority."""
    return _Collector(authority_id, offices, first, last, now, unassigned, floors).run()


class _Collector:
    def __init__(
        self,
        authority_id: int,
        offices: Sequence[Office],
        first: dt.date,
        last: dt.date,
        now: dt.datetime,
        unassigned: bool,
        floors: Floors | None,
    ) -> None:
        self.authority_id = authority_id
        self.ids = [o.pk for o in offices]
        self.tzs: dict[int | None, zoneinfo.ZoneInfo] = {o.pk: o.tz for o in offices}
        if unassigned:
            self.tzs[None] = default_tz()
        self.unassigned = unassigned
        self.first, self.last, self.now = first, last, now
        self.floors = floors if floors is not None else floors_before(authority_id, first)
        self.out = Collected(
            offices={(pk, day): OfficeValues() for pk in self.tzs for day in days(first, last)},
            staff={},
            running=set(),
        )
        self.days = list(days(first, last))
        self.midnights = {
            owner: [day_start(day, tz) for day in days(first, last + dt.timedelta(days=1))]
            for owner, tz in self.tzs.items()
        }
        zones = self.tzs.values() or [default_tz()]
        self.lo = min(day_start(first, tz) for tz in zones)
        self.hi = max(day_start(last + dt.timedelta(days=1), tz) for tz in zones)

    def run(self) -> Collected:
        if self.ids:
            self.staff_of_user = dict(
                Staff.objects.filter(authority_id=self.authority_id).values_list("user_id", "pk")
            )
            self.tickets()
            self.transitions()
            self.consultations()
            self.open_time()
            self.bookings()
            self.certificates()
        if self.tzs:
            self.rooms()
        return self.out

    # helpers

    def within(self, name: str) -> dict[str, dt.datetime]:
        return {f"{name}__gte": self.lo, f"{name}__lt": self.hi}

    def key(self, office_id: int | None, at: dt.datetime | None) -> OfficeKey | None:
        if at is None:
            return None
        # A search among the local midnights: converting each of tens of thousands of rows to local
        # time costs more.
        index = bisect.bisect_right(self.midnights[office_id], at) - 1
        return (office_id, self.days[index]) if 0 <= index < len(self.days) else None

    def hour(self, office_id: int | None, at: dt.datetime) -> int:
        return at.astimezone(self.tzs[office_id]).hour

    def staff(self, office_id: int, staff_id: int, day: dt.date) -> StaffValues:
        key = (office_id, staff_id, day)
        values = self.out.staff.get(key)
        if values is None:
            values = self.out.staff[key] = StaffValues()
        return values

    # the sources

    def tickets(self) -> None:
        rows = Ticket.objects.filter(
            office_id__in=self.ids, pk__gt=self.floors.ticket, **self.within("created_at")
        ).values_list("pk", "office_id", "created_at", "transferred_from_id")
        for pk, office_id, created_at, transferred_from in rows:
            key = self.key(office_id, created_at)
            if key is None:
                continue
            values = self.out.offices[key]
            values.tickets_created += 1
            values.tickets_received += transferred_from is not None
            values.hourly[self.hour(office_id, created_at)] += 1
            values.last_ticket_id = max(values.last_ticket_id, pk)

    def transitions(self) -> None:
        admitted_before = TicketTransition.objects.filter(
            ticket_id=OuterRef("ticket_id"), to_state=ADMITTED, pk__lt=OuterRef("pk")
        )
        rows = (
            TicketTransition.objects.filter(
                pk__gt=self.floors.transition,
                ticket__office_id__in=self.ids,
                to_state__in=[
                    ADMITTED,
                    TicketState.LEFT,
                    TicketState.EXPIRED,
                    TicketState.DECLINED,
                    TicketState.TRANSFERRED,
                ],
                **self.within("at"),
            )
            .order_by()
            .annotate(before=Exists(admitted_before))
            # Let in again after being sent back, or gone after an admission: nothing to count.
            .exclude(before=True, to_state__in=[ADMITTED, TicketState.LEFT, TicketState.EXPIRED])
            .values_list(
                "pk", "ticket__office_id", "to_state", "at", "actor_id", "ticket__created_at", "before"
            )
        )
        for pk, office_id, to_state, at, actor_id, created_at, before in rows:
            key = self.key(office_id, at)
            if key is None:
                continue
            values = self.out.offices[key]
            values.last_transition_id = max(values.last_transition_id, pk)
            staff_id = self.staff_of_user.get(actor_id) if actor_id is not None else None
            official = self.staff(office_id, staff_id, key[1]) if staff_id is not None else None
            if to_state == ADMITTED:
                if before:
                    continue  # a citizen sent back and let in again: admitted once, waited once
                wait = (at - created_at).total_seconds()
                values.tickets_admitted += 1
                add_to(values.wait_histogram, wait)
                if official is not None:
                    official.tickets_admitted += 1
                    add_to(official.wait_histogram, wait)
                    official.hourly[self.hour(office_id, at)] += 1
            elif to_state in (TicketState.LEFT, TicketState.EXPIRED):
                values.tickets_left += not before
            elif to_state == TicketState.DECLINED:
                values.tickets_declined += 1
                if official is not None:
                    official.tickets_declined += 1
                    official.hourly[self.hour(office_id, at)] += 1
            else:
                values.tickets_transferred += 1
                if official is not None:
                    official.tickets_transferred += 1

    def consultations(self) -> None:
        # No model ordering (a sort the counting does not need) in any of these queries.
        connected = Consultation.objects.filter(
            office_id__in=self.ids, pk__gt=self.floors.consultation, **self.within("connected_at")
        ).order_by()
        people: dict[int, list[tuple[str, int]]] = {}
        for consultation_id, role, staff_id in (
            Participant.objects.filter(
                consultation__in=connected.values("pk"), joined_at__isnull=False, staff__isnull=False
            )
            .order_by()
            .values_list("consultation_id", "role", "staff_id")
        ):
            people.setdefault(consultation_id, []).append((role, staff_id))
        # The citizen, once per meeting.
        citizen = Participant.objects.filter(
            consultation_id=OuterRef("pk"), role=ParticipantRole.CITIZEN, joined_at__isnull=False
        )
        rows = connected.annotate(citizen=Exists(citizen)).values_list(
            "pk", "office_id", "connected_at", "ended_at", "end_reason", "ticket__rating", "citizen"
        )
        for pk, office_id, connected_at, ended_at, end_reason, rating, has_citizen in rows:
            key = self.key(office_id, connected_at)
            if key is None:
                continue
            values = self.out.offices[key]
            values.last_consultation_id = max(values.last_consultation_id, pk)
            present = people.get(pk, [])
            citizens = int(has_citizen)
            length = (ended_at - connected_at).total_seconds() if ended_at and connected_at else None
            if length is None:
                self.out.running.add(key)
            rated = rating if rating is not None and end_reason not in _NOT_LAST else None
            values.meetings += 1
            values.participants += citizens
            if length is not None:
                add_to(values.consultation_histogram, length)
            if rated is not None:
                values.ratings[rated - 1] += 1
            for role, member in present:
                if role != ParticipantRole.CITIZEN:
                    official = self.staff(office_id, member, key[1])
                    official.meetings += 1
                    official.participants += citizens
                    if length is not None:
                        add_to(official.consultation_histogram, length)
                    if rated is not None and role == ParticipantRole.OFFICIAL:
                        official.ratings[rated - 1] += 1

    def open_time(self) -> None:
        overlapping = Q(started_at__lt=self.hi) & (Q(ended_at__isnull=True) | Q(ended_at__gt=self.lo))
        periods: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
        for office_id, started_at, ended_at in OpenPeriod.objects.filter(
            overlapping, office_id__in=self.ids
        ).values_list("office_id", "started_at", "ended_at"):
            periods.setdefault(office_id, []).append((started_at, min(ended_at or self.now, self.now)))
        for office_id, spans in periods.items():
            for start, end in union(spans):
                for day, seconds in split_by_day(start, end, self.tzs[office_id], self.first, self.last):
                    self.out.offices[(office_id, day)].open_seconds += seconds
        presences: dict[tuple[int, int], list[tuple[dt.datetime, dt.datetime]]] = {}
        for office_id, staff_id, started_at, ended_at in Presence.objects.filter(
            overlapping, office_id__in=self.ids
        ).values_list("office_id", "staff_id", "started_at", "ended_at"):
            presences.setdefault((office_id, staff_id), []).append(
                (started_at, min(ended_at or self.now, self.now))
            )
        for (office_id, staff_id), spans in presences.items():
            for start, end in union(spans):
                for day, seconds in split_by_day(start, end, self.tzs[office_id], self.first, self.last):
                    official = self.staff(office_id, staff_id, day)
                    if not official.present:
                        official.present = True
                        self.out.offices[(office_id, day)].contact_persons += 1
                    official.presence_seconds += seconds

    def bookings(self) -> None:
        rows = Booking.objects.filter(office_id__in=self.ids).filter(
            Q(**self.within("confirmed_at"))
            | Q(state=BookingState.CANCELLED, **self.within("ended_at"))
            | Q(state=BookingState.NO_SHOW, **self.within("start"))
        )
        for office_id, state, confirmed_at, ended_at, start in rows.values_list(
            "office_id", "state", "confirmed_at", "ended_at", "start"
        ):
            if confirmed_at is not None and (key := self.key(office_id, confirmed_at)):
                self.out.offices[key].appointments_booked += 1
            if state == BookingState.CANCELLED and ended_at and (key := self.key(office_id, ended_at)):
                self.out.offices[key].appointments_cancelled += 1
            if state == BookingState.NO_SHOW and (key := self.key(office_id, start)):
                self.out.offices[key].appointments_no_show += 1

    def certificates(self) -> None:
        rows = Certificate.objects.filter(office_id__in=self.ids, **self.within("issued_at"))
        for office_id, issued_at in rows.values_list("office_id", "issued_at"):
            if key := self.key(office_id, issued_at):
                self.out.offices[key].certificates_issued += 1

    def rooms(self) -> None:
        started = Room.objects.filter(authority_id=self.authority_id, **self.within("started_at"))
        held: dict[int, tuple[OfficeKey, bool]] = {}  # room -> (office day, is a training)
        trainings = started.filter(
            kind=RoomKind.TRAINING, training_session__training_type__office_id__in=self.ids
        )
        for pk, started_at, office_id in trainings.values_list(
            "pk", "started_at", "training_session__training_type__office_id"
        ):
            if key := self.key(office_id, started_at):
                held[pk] = (key, True)
                self.out.offices[key].trainings_held += 1
        of_event = Q(event__office_id__in=self.ids)
        if self.unassigned:
            of_event |= Q(event__office__isnull=True)
        events = started.filter(of_event, kind=RoomKind.EVENT, event__isnull=False)
        for pk, started_at, office_id in events.values_list("pk", "started_at", "event__office_id"):
            if key := self.key(office_id, started_at):
                held[pk] = (key, False)
                self.out.offices[key].events_held += 1
        if not held:
            return
        attended = Member.objects.filter(
            Exists(Attendance.objects.filter(member_id=OuterRef("pk"))),
            room_id__in=list(held),
            user__isnull=True,
            is_hall=False,
        ).values_list("room_id", "training_registration__kind", "training_registration__id")
        members = list(attended)
        classes = [reg for _room, kind, reg in members if kind == RegistrationKind.CLASS]
        checked_in = dict(
            Pupil.objects.filter(registration_id__in=classes, checked_in_at__isnull=False)
            .values("registration_id")
            .annotate(n=Count("pk"))
            .values_list("registration_id", "n")
        )
        seats = dict(Registration.objects.filter(pk__in=classes).values_list("pk", "seats"))
        for room_id, kind, registration_id in members:
            key, is_training = held[room_id]
            # A school class follows at one screen: its people are the pupils the teacher checked in, or
            # the pupils registered when the teacher checked in none.
            people = 1
            if kind == RegistrationKind.CLASS:
                people = checked_in.get(registration_id) or seats.get(registration_id, 1)
            if is_training:
                self.out.offices[key].training_participants += people
            else:
                self.out.offices[key].event_participants += people

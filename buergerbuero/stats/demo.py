"""Three weeks of past activity for the demo authority, so that the statistics show something after
``make run``: on every working day in the offices' opening hours, officials present, citizens arriving,
waiting, being let in (some leave or are declined first), consultations and ratings. Then rolled up.

Idempotent and self-refreshing: a day of an office that already has an open period is left alone, so
loading again adds only the days that have passed since. Anonymous: the tickets carry no name.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from buergerbuero.authorities.models import Authority, Staff
from buergerbuero.calls.models import Consultation, EndReason, Participant, ParticipantRole
from buergerbuero.offices.hours import Schedule
from buergerbuero.offices.models import Office, OpenPeriod, Presence
from buergerbuero.stats.actions import rollup_due
from buergerbuero.waitingroom.models import Ticket, TicketState, TicketTransition

DAYS = 21
S = TicketState


def create_history(authority: Authority, now: dt.datetime | None = None) -> int:
    """Make the missing past days of the last three weeks; returns how many tickets were made."""
    now = now or timezone.now()
    made = 0
    with transaction.atomic():
        offices = Office.objects.filter(authority=authority).select_related("authority")
        for office in offices.prefetch_related("opening_intervals"):
            officials = list(Staff.objects.filter(assignments__office=office).order_by("pk"))
            if not officials:
                continue
            today = now.astimezone(office.tz).date()
            done = {
                timezone.localtime(at, office.tz).date()
                for at in OpenPeriod.objects.filter(office=office).values_list("started_at", flat=True)
            }
            for back in range(DAYS, 0, -1):
                day = today - dt.timedelta(days=back)
                if day not in done:
                    made += _day(office, officials, day)
    rollup_due(now)
    return made


def _day(office: Office, officials: list[Staff], day: dt.date) -> int:
    # The week in force on that day (prepared hours take effect from their day), without closures.
    week = Schedule(office, list(office.opening_intervals.all()), []).weekly_on(day)
    intervals = week.get(day.weekday(), [])
    # A seed per office and day: the same history on every machine, different from day to day.
    rng = random.Random(f"{office.slug}-{day.isoformat()}")  # noqa: S311 - demo data, not security
    made = 0
    for interval in intervals:
        start = dt.datetime.combine(day, interval.start, tzinfo=office.tz)
        end = dt.datetime.combine(day, interval.end, tzinfo=office.tz)
        OpenPeriod.objects.create(office=office, started_at=start, ended_at=end)
        present = officials[: max(1, rng.randint(1, len(officials)))]
        Presence.objects.bulk_create(
            Presence(office=office, staff=s, started_at=start, ended_at=end) for s in present
        )
        made += _visits(office, present, start, end, rng)
    return made


def _visits(
    office: Office, present: list[Staff], start: dt.datetime, end: dt.datetime, rng: random.Random
) -> int:
    """Citizens arriving through the interval, served one after the other by whoever is free next."""
    free_at = {s.pk: start for s in present}
    arrival = start + dt.timedelta(minutes=rng.randint(2, 15))
    tickets: list[tuple[Ticket, list[tuple[str, str, dt.datetime, Staff | None]], dict | None]] = []
    while arrival < end - dt.timedelta(minutes=20):
        official = min(present, key=lambda s: free_at[s.pk])
        admitted = max(arrival + dt.timedelta(seconds=rng.randint(20, 90)), free_at[official.pk])
        steps: list[tuple[str, str, dt.datetime, Staff | None]] = []
        call = None
        fate = rng.random()
        if fate < 0.08 or admitted > end:
            steps.append((S.WAITING, S.LEFT, arrival + dt.timedelta(minutes=rng.randint(3, 12)), None))
        elif fate < 0.12:
            steps.append((S.WAITING, S.DECLINED, arrival + dt.timedelta(minutes=2), official))
            free_at[official.pk] = arrival + dt.timedelta(minutes=3)
        else:
            connected = admitted + dt.timedelta(seconds=rng.randint(5, 40))
            ended = connected + dt.timedelta(minutes=rng.randint(6, 25), seconds=rng.randint(0, 59))
            steps += [
                (S.WAITING, S.INVITED, admitted, official),
                (S.INVITED, S.IN_CONSULTATION, connected, None),
                (S.IN_CONSULTATION, S.DONE, ended, official),
            ]
            call = {"official": official, "admitted": admitted, "connected": connected, "ended": ended}
            free_at[official.pk] = ended + dt.timedelta(minutes=rng.randint(1, 5))
        rating = rng.choices([None, 5, 4, 3, 2, 1], [40, 30, 18, 7, 3, 2])[0] if call else None
        ticket = Ticket(
            office=office,
            state=steps[-1][1],
            enqueued_at=arrival,
            created_at=arrival,
            state_changed_at=steps[-1][2],
            rating=rating,
            personal_data_deleted=True,
        )
        tickets.append((ticket, steps, call))
        arrival += dt.timedelta(minutes=rng.randint(4, 25))
    Ticket.objects.bulk_create([t for t, _s, _c in tickets])
    transitions = []
    for ticket, steps, _call in tickets:
        transitions.append(
            TicketTransition(ticket=ticket, from_state="", to_state=S.WAITING, at=ticket.created_at)
        )
        transitions += [
            TicketTransition(ticket=ticket, from_state=a, to_state=b, at=at, actor=s.user if s else None)
            for a, b, at, s in steps
        ]
    TicketTransition.objects.bulk_create(transitions)
    calls = [
        (
            Consultation(
                office=office,
                ticket=ticket,
                started_at=call["admitted"],
                connected_at=call["connected"],
                ended_at=call["ended"],
                end_reason=EndReason.HANGUP_OFFICIAL,
            ),
            call,
        )
        for ticket, _steps, call in tickets
        if call
    ]
    Consultation.objects.bulk_create([c for c, _call in calls])
    Participant.objects.bulk_create(
        participant
        for consultation, call in calls
        for participant in (
            Participant(
                consultation=consultation,
                role=ParticipantRole.OFFICIAL,
                staff=call["official"],
                joined_at=call["admitted"],
                left_at=call["ended"],
            ),
            Participant(
                consultation=consultation,
                role=ParticipantRole.CITIZEN,
                joined_at=call["connected"],
                left_at=call["ended"],
            ),
        )
    )
    return len(tickets)

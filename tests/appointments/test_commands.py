"""manage.py send_reminders: one run of the reminder job at the time it is started."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.management import call_command

from buergerbuero.appointments.management.commands import send_reminders
from buergerbuero.appointments.models import BookingState, ReminderSent
from tests.appointments.mailing import START, book, offer_appointments

pytestmark = pytest.mark.django_db


def run_at(monkeypatch, when: dt.datetime) -> str:
    monkeypatch.setattr(send_reminders, "timezone", SimpleNamespace(now=lambda: when))
    out = StringIO()
    call_command("send_reminders", stdout=out)
    return out.getvalue()


def test_sends_due_reminders_once_and_ends_lapsed_holds(world, monkeypatch) -> None:
    offer_appointments(world.office_a)
    offer_appointments(world.office_b, double_opt_in=True)
    confirmed = book(world.office_a)
    held = book(world.office_b)
    mail.outbox.clear()

    output = run_at(monkeypatch, START - dt.timedelta(hours=1))

    assert output.strip() == "Sent 1 reminder; 1 unconfirmed booking lapsed."
    assert [m.to for m in mail.outbox] == [[confirmed.email]]
    assert list(ReminderSent.objects.values_list("booking", "minutes_before")) == [(confirmed.pk, 60)]
    held.refresh_from_db()
    assert held.state == BookingState.EXPIRED

    output = run_at(monkeypatch, START - dt.timedelta(minutes=59))
    assert output.strip() == "Sent 0 reminders; 0 unconfirmed bookings lapsed."
    assert len(mail.outbox) == 1

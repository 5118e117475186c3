"""The Django admin: every model registered, in German, tenants kept apart in assignments and closures,
and the audit log, tickets and consultations read-only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from buergerbuero.audit.models import AuditEntry
from buergerbuero.calls.actions.admission import admit
from buergerbuero.offices.models import Assignment, Closure, Office, OpeningInterval
from tests.conftest import enter, open_

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    user = get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-123456")
    client.force_login(user)
    return client


CHANGELISTS = [
    "authorities_authority",
    "authorities_staff",
    "offices_department",
    "offices_office",
    "offices_closure",
    "audit_auditentry",
    "waitingroom_ticket",
    "calls_consultation",
    "appointments_appointmentsettings",
    "appointments_bookingwindow",
    "appointments_blockedslot",
    "appointments_booking",
    "rooms_room",
    "rooms_member",
    "rooms_attendance",
    "rooms_presencecheck",
    "rooms_chatmessage",
    "trainings_trainingtype",
    "trainings_question",
    "trainings_material",
    "trainings_trainingsession",
    "trainings_registration",
    "events_event",
    "events_registration",
    "certificates_certificate",
]


@pytest.mark.parametrize("name", CHANGELISTS)
def test_every_changelist_opens(admin_client, name) -> None:
    response = admin_client.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200


def test_the_admin_speaks_german(admin_client) -> None:
    response = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="de")
    assert 'lang="de"' in response.content.decode()
    assert "Abmelden" in response.content.decode()


def test_office_with_opening_hours_and_assignments(admin_client, world) -> None:
    url = reverse("admin:offices_office_add")
    data = {
        "authority": world.authority.pk,
        "name": "Wohngeld",
        "slug": "wohngeld",
        "description": "",
        "topics": "",
        "languages": "Deutsch",
        "time_zone": "Europe/Berlin",
        "max_queue_length": "10",
        "opening_intervals-TOTAL_FORMS": "1",
        "opening_intervals-INITIAL_FORMS": "0",
        "opening_intervals-0-weekday": "0",
        "opening_intervals-0-start": "08:00",
        "opening_intervals-0-end": "12:00",
        "assignments-TOTAL_FORMS": "1",
        "assignments-INITIAL_FORMS": "0",
        "assignments-0-staff": world.official_a.pk,
        "assignments-0-is_lead": "on",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    office = Office.objects.get(slug="wohngeld")
    assert list(OpeningInterval.objects.filter(office=office).values_list("weekday", "start", "end")) == [
        (0, dt.time(8), dt.time(12))
    ]
    assert Assignment.objects.get(office=office).staff == world.official_a

    # An official of another authority cannot be assigned.
    data.update({"slug": "wohngeld-2", "name": "Wohngeld 2", "assignments-0-staff": world.other_admin.pk})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert not Office.objects.filter(slug="wohngeld-2").exists()


def test_a_closure_of_another_authoritys_office_is_refused(admin_client, world) -> None:
    url = reverse("admin:offices_closure_add")
    data = {
        "authority": world.authority.pk,
        "office": world.other_office.pk,
        "date": "2030-12-24",
        "reason": "x",
    }
    assert admin_client.post(url, data).status_code == 200
    data["office"] = world.office_a.pk
    assert admin_client.post(url, data).status_code == 302
    assert Closure.objects.get().office == world.office_a


def test_audit_log_tickets_and_consultations_are_read_only(admin_client, world) -> None:
    open_(world.official_a, world.office_a)
    ticket, _ = enter(world.office_a)
    consultation = admit(world.official_a, world.office_a)
    entry = AuditEntry.objects.first()
    for name, obj in [
        ("audit_auditentry", entry),
        ("waitingroom_ticket", ticket),
        ("calls_consultation", consultation),
    ]:
        assert admin_client.get(reverse(f"admin:{name}_add")).status_code == 403
        change = reverse(f"admin:{name}_change", args=[obj.pk])
        page = admin_client.get(change)
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert admin_client.post(change, {}).status_code == 403
        assert admin_client.get(reverse(f"admin:{name}_delete", args=[obj.pk])).status_code == 403
    assert (
        "token_hash"
        not in admin_client.get(reverse("admin:waitingroom_ticket_change", args=[ticket.pk])).content.decode()
    )


def test_appointment_settings_and_windows_are_edited_bookings_only_read(admin_client, world) -> None:
    from buergerbuero.appointments import actions
    from buergerbuero.appointments.models import AppointmentSettings, BookingWindow

    response = admin_client.post(
        reverse("admin:appointments_appointmentsettings_add"),
        {
            "office": world.office_a.pk,
            "enabled": "on",
            "slot_minutes": "30",
            "buffer_minutes": "0",
            "capacity": "1",
            "horizon_days": "60",
            "lead_minutes": "0",
            "max_open_per_email": "2",
            "reminder_minutes": "24 Stunden",
        },
    )
    assert response.status_code == 200  # the bad reminder list is refused with a message
    assert "20160" in response.content.decode()
    assert not AppointmentSettings.objects.exists()
    BookingWindow.objects.create(office=world.office_a, weekday=2, start=dt.time(9), end=dt.time(12))
    AppointmentSettings.objects.create(office=world.office_a, enabled=True, lead_minutes=0)
    now = dt.datetime(2026, 12, 7, 8, tzinfo=dt.UTC)
    slot = dt.datetime(2026, 12, 9, 8, tzinfo=dt.UTC)  # 09:00 in Berlin
    booking = actions.book(world.office_a, slot, name="Anna", email="anna@example.org", now=now)
    change = reverse("admin:appointments_booking_change", args=[booking.pk])
    page = admin_client.get(change).content.decode()
    assert booking.token_salt not in page and booking.manage_token_hash not in page
    assert 'name="_save"' not in page
    assert admin_client.post(change, {}).status_code == 403
    assert admin_client.get(reverse("admin:appointments_booking_add")).status_code == 403

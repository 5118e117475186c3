"""The management commands of the set-up: load_demo, retention, run_jobs."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from buergerbuero.authorities.models import Authority, Role, Staff
from buergerbuero.offices.models import Assignment, Department, Office, OpeningInterval
from buergerbuero.site.demo import DEMO_PASSWORD, OFFICES
from buergerbuero.site.management.commands import run_jobs
from buergerbuero.waitingroom.models import Ticket, TicketTransition
from tests.conftest import enter, open_

DEMO_MODELS = (get_user_model(), Authority, Staff, Department, Office, Assignment, OpeningInterval)


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def dump() -> str:
    """Every row the demo touches, with every field (password hashes and times included)."""
    return "".join(serializers.serialize("json", model.objects.order_by("pk")) for model in DEMO_MODELS)


# --- load_demo ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_demo_twice_changes_nothing() -> None:
    output = run("load_demo")
    first = dump()
    counts = {model.__name__: model.objects.count() for model in DEMO_MODELS}

    run("load_demo")

    assert dump() == first
    assert counts == {
        "User": 2 + sum(len(office.officials) for office in OFFICES),
        "Authority": 1,
        "Staff": 1 + sum(len(office.officials) for office in OFFICES),
        "Department": 4,
        "Office": 7,
        "Assignment": sum(len(office.officials) for office in OFFICES),
        "OpeningInterval": sum(len(spans) for office in OFFICES for spans in office.hours.values()),
    }
    assert DEMO_PASSWORD in output
    assert "energie1" in output


@pytest.mark.django_db
def test_load_demo_offers_a_training_and_two_events_once() -> None:
    from buergerbuero.events.models import Event
    from buergerbuero.rooms.models import Room
    from buergerbuero.trainings.models import TrainingSession, TrainingType

    run("load_demo")
    run("load_demo")

    training_type = TrainingType.objects.get()
    assert training_type.title == "Belehrung nach § 43 IfSG" and training_type.office.slug == "hygiene"
    assert training_type.questions.count() == 2
    session = TrainingSession.objects.get()
    assert session.starts_at > timezone.now() and session.room.mode == "webinar"
    assert session.presenters.count() == 1
    assert sorted(Event.objects.values_list("mode", "registration")) == [
        ("conference", "invitation"),
        ("webinar", "open"),
    ]
    assert Room.objects.count() == 3


@pytest.mark.django_db
def test_load_demo_builds_the_musterkreis() -> None:
    run("load_demo")

    authority = Authority.objects.get(slug="musterkreis")
    assert authority.name == "Landratsamt Musterkreis"
    assert authority.holiday_state == "BY"
    assert authority.imprint_url == "https://www.musterkreis.example/impressum"
    assert sorted(authority.offices.values_list("name", flat=True)) == sorted(o.name for o in OFFICES)
    for office in authority.offices.all():
        assert office.description
        assert office.topic_list
        assert office.language_list[0] == "Deutsch"
        assert office.assignments.filter(is_lead=True).count() == 1
        assert 1 <= office.assignments.count() <= 3
    # Several intervals on one day somewhere (a lunch break).
    energie = Office.objects.get(slug="energie")
    assert energie.opening_intervals.filter(weekday=0).count() == 2
    # Two offices offer booked video appointments, loaded once however often the demo is loaded.
    from buergerbuero.appointments.models import AppointmentSettings, BookingWindow

    run("load_demo")
    assert sorted(
        AppointmentSettings.objects.filter(enabled=True).values_list("office__slug", flat=True)
    ) == [
        "energie",
        "wirtschaft",
    ]
    assert BookingWindow.objects.filter(office=energie).count() == 2
    assert Staff.objects.get(user__username="admin").role == Role.AUTHORITY_ADMIN
    superuser = get_user_model().objects.get(username="superuser")
    assert superuser.is_superuser
    assert superuser.is_staff
    assert not get_user_model().objects.get(username="energie1").is_staff


@pytest.mark.django_db
def test_demo_accounts_sign_in_and_the_overview_lists_the_offices() -> None:
    run("load_demo")

    assert Client().login(username="energie1", password=DEMO_PASSWORD)
    assert Client().login(username="admin", password=DEMO_PASSWORD)
    response = Client().get("/musterkreis/")
    assert response.status_code == 200
    for office in OFFICES:
        assert office.name in response.content.decode()


@pytest.mark.django_db
def test_load_demo_always_open_and_back() -> None:
    run("load_demo")
    regular = sorted(OpeningInterval.objects.values_list("office__slug", "weekday", "start", "end"))

    run("load_demo", "--always-open")

    assert OpeningInterval.objects.count() == 7 * len(OFFICES)
    assert set(OpeningInterval.objects.values_list("start", "end")) == {(dt.time(0, 0), dt.time(23, 59))}
    run("load_demo")
    assert sorted(OpeningInterval.objects.values_list("office__slug", "weekday", "start", "end")) == regular


@pytest.mark.django_db
def test_load_demo_keeps_a_changed_password_unless_asked() -> None:
    run("load_demo")
    user = get_user_model().objects.get(username="energie1")
    user.set_password("a-password-of-my-own")
    user.save()

    run("load_demo")
    assert Client().login(username="energie1", password="a-password-of-my-own")

    run("load_demo", "--reset-passwords")
    assert Client().login(username="energie1", password=DEMO_PASSWORD)


# --- retention ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_retention_blanks_old_personal_data_and_keeps_the_rows(world, settings) -> None:
    settings.RETENTION_DAYS = 30
    open_(world.official_a, world.office_a)
    old, _ = enter(world.office_a, "Erika Alt", "Heizung")
    recent, _ = enter(world.office_a, "Max Neu", "Dach")
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    transitions = TicketTransition.objects.count()

    output = run("retention")

    assert "tickets: 1," in output
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.display_name, old.concern, old.personal_data_deleted) == ("", "", True)
    assert (recent.display_name, recent.concern, recent.personal_data_deleted) == ("Max Neu", "Dach", False)
    assert Ticket.objects.count() == 2
    assert TicketTransition.objects.count() == transitions
    assert "tickets: 0," in run("retention")


# --- run_jobs ----------------------------------------------------------------------------------------


def test_run_jobs_runs_the_job_loop_until_interrupted(monkeypatch) -> None:
    calls: list[str] = []

    async def run_forever() -> None:
        calls.append("started")
        raise KeyboardInterrupt

    monkeypatch.setattr(run_jobs, "run_forever", run_forever)
    run("run_jobs")
    assert calls == ["started"]


@pytest.mark.django_db
def test_retention_also_cleans_appointments_that_ended_long_ago(world, settings, monkeypatch) -> None:
    from types import SimpleNamespace

    from buergerbuero.appointments.models import Booking
    from buergerbuero.site.management.commands import retention
    from tests.appointments.mailing import START, book, offer_appointments

    settings.RETENTION_DAYS = 30
    offer_appointments(world.office_a)
    booking = book(world.office_a)
    monkeypatch.setattr(retention, "timezone", SimpleNamespace(now=lambda: START + timedelta(days=29)))
    assert "tickets: 0, appointments: 0," in run("retention")

    monkeypatch.setattr(retention, "timezone", SimpleNamespace(now=lambda: START + timedelta(days=31)))
    output = run("retention")

    assert "tickets: 0, appointments: 1," in output
    booking = Booking.objects.get(pk=booking.pk)
    assert (booking.name, booking.email, booking.personal_data_deleted) == ("", "", True)


@pytest.mark.django_db
def test_retention_deletes_certificates_past_their_own_period(world, settings) -> None:
    import datetime as dt

    from buergerbuero.certificates.actions import issue
    from buergerbuero.certificates.models import Certificate

    settings.CERTIFICATE_RETENTION_DAYS = 365

    def certificate(key: str):
        return issue(
            authority=world.authority,
            office=world.office_a,
            holder_name="Erika Muster",
            birth_date=dt.date(2008, 5, 1),
            title="Belehrung nach § 43 IfSG",
            legal_basis="§ 43 Abs. 1 Nr. 1 IfSG",
            held_on=dt.date(2025, 1, 10),
            source_key=key,
        )

    old, recent = certificate("old"), certificate("recent")
    Certificate.objects.filter(pk=old.pk).update(issued_at=timezone.now() - timedelta(days=366))

    assert "certificates: 1." in run("retention")
    assert list(Certificate.objects.values_list("pk", flat=True)) == [recent.pk]

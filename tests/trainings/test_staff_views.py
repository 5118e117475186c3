"""The officials' training pages: officials of the giving office, its lead and the authority's
administrators reach a training; an official of another office and another authority see nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from buergerbuero.rooms.models import RoomState
from buergerbuero.trainings import checktext
from buergerbuero.trainings.actions import catalogue as catalogue_actions
from buergerbuero.trainings.actions import registrations as registration_actions
from buergerbuero.trainings.actions import sessions as session_actions
from buergerbuero.trainings.models import Material, TrainingSession, TrainingType
from tests.conftest import login
from tests.trainings.helpers import CHECK, attend, make_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def training(world) -> TrainingType:
    return make_type(world.office_a, world.official_a)


@pytest.fixture
def session(training, world) -> TrainingSession:
    starts = timezone.now() + dt.timedelta(days=3)
    return session_actions.create_session(
        training, starts_at=starts, capacity=4, presenters=[world.official_a], actor=world.official_a
    )


def test_index_lists_what_the_official_reaches(world, training, session) -> None:
    for staff in (world.official_a, world.official_a2, world.admin):
        text = login(Client(), staff).get(reverse("staff_trainings:index")).content.decode()
        assert training.title in text
    for outsider in (world.official_b, world.other_admin):
        text = login(Client(), outsider).get(reverse("staff_trainings:index")).content.decode()
        assert training.title not in text
    assert Client().get(reverse("staff_trainings:index")).status_code == 302  # to the login
    assert login(Client(), world.official_a).post(reverse("staff_trainings:index")).status_code == 405


def test_create_a_type_with_a_check(world) -> None:
    client = login(Client(), world.official_a)
    data = {
        "office": world.office_a.pk,
        "title": "Belehrung nach § 43 IfSG",
        "legal_basis": "§ 43 IfSG",
        "description": "",
        "duration_minutes": "45",
        "required_attendance_percent": "100",
        "pass_mark_percent": "75",
        "questions": CHECK,
    }
    response = client.post(reverse("staff_trainings:type-new"), data)
    assert response.status_code == 302
    created = TrainingType.objects.get()
    assert (created.office, created.duration_minutes, created.questions.count()) == (world.office_a, 45, 2)
    assert checktext.questions_as_text(created).startswith("Wer darf")
    bad = client.post(
        reverse("staff_trainings:type-new"), data | {"questions": "Frage?\n- nur falsch\n- auch falsch"}
    )
    assert bad.status_code == 400 and TrainingType.objects.count() == 1
    # An office the official does not work in cannot be chosen.
    other = client.post(reverse("staff_trainings:type-new"), data | {"office": world.office_b.pk})
    assert other.status_code == 400


def test_edit_a_type_and_its_materials(world, training, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = login(Client(), world.admin)
    page = reverse("staff_trainings:type", args=[training.pk])
    assert client.get(page).status_code == 200
    upload = SimpleUploadedFile("folien.pdf", b"%PDF-1.4", content_type="application/pdf")
    assert (
        client.post(
            reverse("staff_trainings:material-add", args=[training.pk]), {"title": "Folien", "file": upload}
        ).status_code
        == 302
    )
    material = Material.objects.get()
    bad = SimpleUploadedFile("virus.exe", b"MZ")
    assert (
        client.post(reverse("staff_trainings:material-add", args=[training.pk]), {"file": bad}).status_code
        == 400
    )
    assert client.post(reverse("staff_trainings:material-delete", args=[material.pk])).status_code == 302
    assert not Material.objects.exists()
    assert login(Client(), world.official_b).get(page).status_code == 404
    assert login(Client(), world.other_admin).get(page).status_code == 404


def test_plan_a_session_in_the_offices_time(world, training) -> None:
    client = login(Client(), world.official_a)
    response = client.post(
        reverse("staff_trainings:session-new", args=[training.pk]),
        {
            "starts_at": "2099-03-10T10:00",
            "capacity": "25",
            "presenters": [world.official_a.pk, world.official_a2.pk],
        },
    )
    assert response.status_code == 302
    session = TrainingSession.objects.get()
    assert (
        timezone.localtime(session.starts_at, world.office_a.tz).strftime("%Y-%m-%d %H:%M")
        == "2099-03-10 10:00"
    )
    assert set(session.presenters.all()) == {world.official_a, world.official_a2}
    assert session.room.members.count() == 2
    past = client.post(
        reverse("staff_trainings:session-new", args=[training.pk]),
        {"starts_at": "2000-01-01T10:00", "capacity": "5"},
    )
    assert past.status_code == 400
    assert (
        client.post(
            reverse("staff_trainings:session-new", args=[training.pk]), {"starts_at": "x", "capacity": "0"}
        ).status_code
        == 400
    )
    assert (
        login(Client(), world.official_b)
        .get(reverse("staff_trainings:session-new", args=[training.pk]))
        .status_code
        == 404
    )


def test_session_page_start_completion_and_certificates(world, session) -> None:
    registered = registration_actions.register_individual(
        session, name="Erika Muster", birth_date=dt.date(1990, 5, 1), email="e@example.org"
    )
    client = login(Client(), world.official_a)
    page = reverse("staff_trainings:session", args=[session.pk])
    text = client.get(page).content.decode()
    assert "Erika Muster" in text and "1 / 4" in text
    assert login(Client(), world.official_b).get(page).status_code == 404
    assert login(Client(), world.other_admin).get(page).status_code == 404
    assert client.get(reverse("staff_trainings:session-start", args=[session.pk])).status_code == 405
    started = client.post(reverse("staff_trainings:session-start", args=[session.pk]))
    assert started.status_code == 302 and started["Location"] == f"/staff/rooms/{session.room_id}/"
    session.room.refresh_from_db()
    assert session.room.state == RoomState.LIVE
    # Completion before the end is refused with a message; after it, it is stored.
    early = client.post(reverse("staff_trainings:session-completion", args=[session.pk]))
    assert early.status_code == 302
    assert TrainingSession.objects.get(pk=session.pk).completion_computed_at is None
    past = timezone.now() - dt.timedelta(hours=2)
    TrainingSession.objects.filter(pk=session.pk).update(starts_at=past)
    attend(registered.registration.member, past, past + dt.timedelta(hours=1))
    client.post(reverse("staff_trainings:session-completion", args=[session.pk]))
    assert TrainingSession.objects.get(pk=session.pk).completion_computed_at is not None
    client.post(reverse("staff_trainings:session-certificates", args=[session.pk]))
    registered.registration.refresh_from_db()
    assert registered.registration.completed and registered.registration.certificate_id
    assert (
        login(Client(), world.official_b)
        .post(reverse("staff_trainings:session-certificates", args=[session.pk]))
        .status_code
        == 404
    )


def test_change_a_session_but_not_below_the_registered(world, session) -> None:
    registration_actions.register_individual(
        session, name="A", birth_date=dt.date(1990, 1, 1), email="a@example.org"
    )
    registration_actions.register_individual(
        session, name="B", birth_date=dt.date(1990, 1, 1), email="b@example.org"
    )
    client = login(Client(), world.official_a)
    edit = reverse("staff_trainings:session-edit", args=[session.pk])
    assert client.get(edit).status_code == 200
    local = timezone.localtime(session.starts_at, world.office_a.tz).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(edit, {"starts_at": local, "capacity": "1", "presenters": [world.official_a.pk]})
    assert refused.status_code == 409
    assert (
        client.post(
            edit, {"starts_at": local, "capacity": "8", "presenters": [world.official_a.pk]}
        ).status_code
        == 302
    )
    assert TrainingSession.objects.get(pk=session.pk).capacity == 8


def test_show_a_material_in_the_live_room(world, session, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    material = catalogue_actions.add_material(
        session.training_type, SimpleUploadedFile("a.png", b"\x89PNG"), title="Bild", actor=world.official_a
    )
    session_actions.start_session(session, actor=world.official_a)
    client = login(Client(), world.official_a)
    show = reverse("staff_trainings:session-show", args=[session.pk])
    assert client.post(show, {"material": material.pk}).status_code == 302
    session.room.refresh_from_db()
    assert session.room.stage == {
        "kind": "material",
        "url": reverse("trainings:material", args=[material.pk]),
        "title": "Bild",
    }
    assert client.post(show, {"material": "x"}).status_code == 400

"""The officials' event pages: who sees what (officials of the office, its lead, authority
administrators; another office's official and another authority: 404), creating and editing with
validation, removing a registration, renewing the invitation, the hall link, cancelling and starting."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from buergerbuero.audit.models import AuditEntry
from buergerbuero.events import mails, tokens
from buergerbuero.events.actions import lifecycle
from buergerbuero.events.models import Event, Registration, RegistrationMode
from buergerbuero.rooms.access import member_for_token
from buergerbuero.rooms.models import MemberRole, RoomState
from tests.conftest import login
from tests.events.helpers import make_event, register, soon

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sent_mails(monkeypatch) -> list[tuple[int, str]]:
    sent: list[tuple[int, str]] = []
    monkeypatch.setattr(mails, "send", lambda pk, kind: sent.append((pk, kind)))
    return sent


@pytest.fixture
def event(world) -> Event:
    return make_event(world)


def url(name: str, *args: int) -> str:
    return reverse(f"staff_events:{name}", args=args)


def form_data(world, **overrides: object) -> dict[str, object]:
    start = soon(days=10, hour=17)
    data: dict[str, object] = {
        "title": "Bürgermeisterkonferenz",
        "description": "Haushalt 2027",
        "office": world.office_a.pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "mode": "conference",
        "registration": "invitation",
        "capacity": "30",
        "moderators": [world.official_a.pk, world.official_a2.pk],
        "speakers": [],
    }
    data.update(overrides)
    return data


# --- who sees what -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["official_a", "official_a2", "admin"])
def test_officials_of_the_office_and_admins_see_the_event(client, world, event, who) -> None:
    login(client, getattr(world, who))
    assert event.title in client.get(url("index")).content.decode()
    assert client.get(url("detail", event.pk)).status_code == 200


@pytest.mark.parametrize("who", ["official_b", "other_admin"])
def test_outsiders_get_404_everywhere(client, world, event, who) -> None:
    registration = register(event)
    login(client, getattr(world, who))
    assert event.title not in client.get(url("index")).content.decode()
    for name in ("detail", "edit", "cancel"):
        assert client.get(url(name, event.pk)).status_code == 404
    for name in ("cancel", "start", "renew-invitation", "hall-link"):
        assert client.post(url(name, event.pk)).status_code == 404
    assert client.post(url("remove-registration", event.pk, registration.pk)).status_code == 404
    event.refresh_from_db()
    registration.refresh_from_db()
    assert not event.is_cancelled and registration.is_active and event.hall_member is None


def test_a_moderator_of_another_office_sees_the_event(client, world) -> None:
    event = make_event(world, moderators=[world.official_b])
    login(client, world.official_b)
    assert client.get(url("detail", event.pk)).status_code == 200


def test_anonymous_is_sent_to_login(client, event) -> None:
    response = client.get(url("index"))
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


# --- create and edit -----------------------------------------------------------------------------------


def test_create_an_event(client, world) -> None:
    login(client, world.official_a)
    assert client.get(url("create")).status_code == 200
    response = client.post(url("create"), form_data(world))
    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", event.pk)
    assert (event.title, event.capacity, event.registration) == ("Bürgermeisterkonferenz", 30, "invitation")
    assert set(event.moderators.all()) == {world.official_a, world.official_a2}
    assert event.room.members.filter(role=MemberRole.MODERATOR).count() == 2
    assert AuditEntry.objects.filter(action="event.created", actor_id=world.official_a.user_id).exists()
    page = client.get(response["Location"]).content.decode()
    invitation = reverse("events:invitation", args=[tokens.invitation_token(event.invitation_salt)])
    assert invitation in page and 'id="invitation-url"' in page


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": soon(days=10, hour=16).strftime("%Y-%m-%dT%H:%M")}, "ends_at"),
        ({"capacity": "0"}, "capacity"),
        ({"capacity": "51"}, "capacity"),
        ({"capacity": "viele"}, "capacity"),
        ({"starts_at": "gestern"}, "starts_at"),
        ({"starts_at": "2020-01-01T10:00", "ends_at": "2020-01-01T12:00"}, "starts_at"),
        ({"title": ""}, "title"),
        ({"mode": "party"}, "mode"),
    ],
)
def test_create_with_bad_input_keeps_what_was_typed(client, world, overrides, field, settings) -> None:
    settings.GROUP_CONFERENCE_MAX = 50
    login(client, world.official_a)
    response = client.post(url("create"), form_data(world, **overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    html = response.content.decode()
    assert 'id="error-summary"' in html and 'aria-invalid="true"' in html
    assert "Haushalt 2027" in html
    assert not Event.objects.exists()


def test_moderators_of_another_authority_or_an_unassigned_office_are_refused(client, world) -> None:
    login(client, world.official_a)
    response = client.post(url("create"), form_data(world, moderators=[world.other_admin.pk]))
    assert response.status_code == 400 and "moderators" in response.context["form"].errors
    response = client.post(url("create"), form_data(world, office=world.office_b.pk))
    assert response.status_code == 400 and "office" in response.context["form"].errors
    assert not Event.objects.exists()


def test_edit_an_event(client, world, event) -> None:
    login(client, world.official_a)
    page = client.get(url("edit", event.pk))
    assert page.status_code == 200 and event.title in page.content.decode()
    response = client.post(url("edit", event.pk), form_data(world, title="Neu", registration="open"))
    assert response.status_code == 302
    event.refresh_from_db()
    event.room.refresh_from_db()
    assert event.title == event.room.title == "Neu"


def test_edit_refused_by_the_action_shows_the_form_again(client, world, event) -> None:
    register(event)
    register(event, email="b@example.org")
    login(client, world.official_a)
    response = client.post(url("edit", event.pk), form_data(world, capacity="1", registration="open"))
    assert response.status_code == 409
    assert "2" in str(response.context["form"].non_field_errors())
    event.refresh_from_db()
    assert event.capacity == 20


# --- registrations, links, cancel, start -------------------------------------------------------------


def test_registrations_are_listed_and_one_can_be_removed(client, world, event, sent_mails) -> None:
    registration = register(event)
    login(client, world.official_a2)
    page = client.get(url("detail", event.pk)).content.decode()
    assert "Erika Muster" in page and "erika@example.org" in page
    assert client.get(url("remove-registration", event.pk, registration.pk)).status_code == 405
    response = client.post(url("remove-registration", event.pk, registration.pk))
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.cancelled_by == "office"
    assert AuditEntry.objects.filter(
        action="event.registration_cancelled", actor_id=world.official_a2.user_id
    ).exists()
    # The second click is refused with a message, nothing changes.
    response = client.post(url("remove-registration", event.pk, registration.pk), follow=True)
    assert "bereits" in response.content.decode() or "already" in response.content.decode()


def test_a_registration_of_another_event_is_404(client, world, event) -> None:
    other = register(make_event(world))
    login(client, world.official_a)
    assert client.post(url("remove-registration", event.pk, other.pk)).status_code == 404


def test_renew_the_invitation_link(client, world) -> None:
    event = make_event(world, registration=RegistrationMode.INVITATION)
    old = tokens.invitation_token(event.invitation_salt)
    login(client, world.official_a)
    assert client.get(url("renew-invitation", event.pk)).status_code == 405
    assert client.post(url("renew-invitation", event.pk)).status_code == 302
    event.refresh_from_db()
    assert tokens.invitation_token(event.invitation_salt) != old
    assert lifecycle.event_by_invitation(old) is None


def test_hall_link_is_shown_copyable(client, world, event) -> None:
    login(client, world.official_a)
    assert 'id="hall-url"' not in client.get(url("detail", event.pk)).content.decode()
    assert client.post(url("hall-link", event.pk)).status_code == 302
    event.refresh_from_db()
    page = client.get(url("detail", event.pk)).content.decode()
    token = lifecycle.hall_token(event)
    assert f"/raum/{token}/" in page and 'data-copy-target="hall-url"' in page
    assert member_for_token(token).is_hall


def test_cancel_the_event(client, world, event, sent_mails) -> None:
    registration = register(event)
    login(client, world.official_a)
    page = client.get(url("cancel", event.pk))
    assert page.status_code == 200 and 'id="cancel-form"' in page.content.decode()
    response = client.post(url("cancel", event.pk), {"message": "Unwetter"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.is_cancelled and event.cancel_message == "Unwetter"
    response = client.post(url("cancel", event.pk), {"message": ""})
    assert response.status_code == 409
    response = client.post(url("cancel", event.pk), {"message": "x" * 1001})
    assert response.status_code == 400
    assert Registration.objects.get(pk=registration.pk).is_active  # counts stay


def test_start_opens_the_live_room(client, world, event) -> None:
    login(client, world.official_a)
    assert client.get(url("start", event.pk)).status_code == 405
    response = client.post(url("start", event.pk))
    assert response.status_code == 302 and response["Location"] == f"/staff/rooms/{event.room_id}/"
    event.room.refresh_from_db()
    assert event.room.state == RoomState.LIVE


def test_start_of_a_cancelled_event_is_refused(client, world, event) -> None:
    lifecycle.cancel_event(event, world.official_a)
    login(client, world.official_a)
    response = client.post(url("start", event.pk))
    assert response.status_code == 302 and response["Location"] == url("detail", event.pk)
    event.room.refresh_from_db()
    assert event.room.state == RoomState.SCHEDULED


def test_admin_may_create_an_event_without_office(client, world) -> None:
    login(client, world.admin)
    response = client.post(url("create"), form_data(world, office=""))
    assert response.status_code == 302
    assert Event.objects.get().office is None

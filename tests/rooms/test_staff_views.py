"""The officials' room pages /staff/rooms/ (rooms.staff_views): the list and a room, for its members, the
authority's administrators and outsiders."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from buergerbuero.rooms.actions import members
from tests.conftest import login
from tests.rooms.conftest import Session

pytestmark = pytest.mark.django_db


def test_staff_room_page_for_a_moderator(world, session: Session, client: Client) -> None:
    login(client, world.official_a)
    response = client.get(reverse("staff_rooms:room", args=[session.room.pk]))
    assert response.status_code == 200
    assert response.context["config"]["staff"] is True
    assert response.context["config"]["camera_off"] is False
    assert "Anna Amsel" in response.content.decode()  # the header's signed-in official


def test_staff_room_page_for_the_authority_admin(world, session: Session, client: Client) -> None:
    login(client, world.admin)
    assert client.get(reverse("staff_rooms:room", args=[session.room.pk])).status_code == 200
    index = client.get(reverse("staff_rooms:index"))
    assert session.room.title in index.content.decode()


@pytest.mark.parametrize("who", ["official_b", "other_admin"])
def test_staff_room_page_outsiders_get_404(world, session: Session, client: Client, who: str) -> None:
    login(client, getattr(world, who))
    assert client.get(reverse("staff_rooms:room", args=[session.room.pk])).status_code == 404
    index = client.get(reverse("staff_rooms:index"))
    assert index.status_code == 200 and session.room.title not in index.content.decode()


def test_staff_room_page_needs_login_and_get(world, session: Session, client: Client) -> None:
    url = reverse("staff_rooms:room", args=[session.room.pk])
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    login(client, world.official_a)
    assert client.post(url).status_code == 405
    assert client.get(reverse("staff_rooms:room", args=[999999])).status_code == 404


def test_removed_official_is_told(world, session: Session, client: Client) -> None:
    from buergerbuero.rooms.models import MemberRole

    member, _ = members.add_member(
        session.room, display_name="Bernd", role=MemberRole.PARTICIPANT, user=world.official_b.user
    )
    members.remove_member(member, actor=session.moderator)
    login(client, world.official_b)
    response = client.get(reverse("staff_rooms:room", args=[session.room.pk]))
    assert response.status_code == 404  # no longer a member: the room is not theirs

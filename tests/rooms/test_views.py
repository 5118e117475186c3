"""The join page /raum/<token>/ in every state (rooms.views)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.sessions.models import Session as StoredSession
from django.test import Client
from django.urls import reverse

from buergerbuero.rooms.actions import lifecycle, members
from buergerbuero.rooms.models import Room
from buergerbuero.rooms.tokens import SESSION_KEY, hash_token
from tests.rooms.conftest import Session, make_session

pytestmark = pytest.mark.django_db


def join_url(token: str) -> str:
    return reverse("rooms:join", args=[token])


def test_join_page_opens_the_room_and_keeps_the_token(session: Session, citizen_client: Client) -> None:
    response = citizen_client.get(join_url(session.erika_token))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Belehrung § 43 IfSG" in body and 'id="room-config"' in body
    assert f"/ws/room/{session.room.pk}/" in body
    assert session.erika_token not in body.split('id="room-config"')[1]  # the socket reads the session
    assert citizen_client.session[SESSION_KEY] == {str(session.room.pk): hash_token(session.erika_token)}
    assert response["Referrer-Policy"] == "strict-origin"
    assert response["Cache-Control"] == "no-store"
    assert response.context["config"]["camera_off"] is True  # participants of a training


def test_join_page_keeps_links_of_several_rooms(world, citizen_client: Client) -> None:
    first, second = make_session(world), make_session(world)
    citizen_client.get(join_url(first.erika_token))
    citizen_client.get(join_url(second.max_token))
    assert citizen_client.session[SESSION_KEY] == {
        str(first.room.pk): hash_token(first.erika_token),
        str(second.room.pk): hash_token(second.max_token),
    }


def test_session_store_never_holds_a_join_link_secret(world, citizen_client: Client) -> None:
    """A session lives for two weeks; what it keeps must open nothing when the store leaks.
    A session written before hashes were kept has its secret replaced by the hash on the next join."""
    first, second = make_session(world), make_session(world)
    session = citizen_client.session
    session[SESSION_KEY] = {str(first.room.pk): first.erika_token}  # as stored before
    session.save()
    citizen_client.get(join_url(second.max_token))
    stored = StoredSession.objects.get(session_key=citizen_client.session.session_key)
    raw = stored.session_data + json.dumps(stored.get_decoded())
    assert first.erika_token not in raw and second.max_token not in raw
    assert citizen_client.session[SESSION_KEY] == {
        str(first.room.pk): hash_token(first.erika_token),
        str(second.room.pk): hash_token(second.max_token),
    }


@pytest.mark.parametrize("token", ["wrong", "x" * 200, "a" * 43])
def test_wrong_link(session: Session, citizen_client: Client, token: str) -> None:
    response = citizen_client.get(join_url(token))
    assert response.status_code == 404
    assert 'id="room-closed-message"' in response.content.decode()
    assert 'id="room-config"' not in response.content.decode()
    assert SESSION_KEY not in citizen_client.session


def test_not_started_room_says_when_it_starts(world, citizen_client: Client) -> None:
    s = make_session(world, live=False)
    Room.objects.filter(pk=s.room.pk).update(starts_at=dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC))
    response = citizen_client.get(join_url(s.erika_token))
    assert response.status_code == 200
    assert response.context["scheduled"] is True
    body = response.content.decode()
    assert "09:00" in body  # 8:00 UTC in Berlin
    assert 'id="waiting-text"' in body
    assert citizen_client.session[SESSION_KEY] == {str(s.room.pk): hash_token(s.erika_token)}


@pytest.mark.parametrize(
    "setup,reason,status",
    [
        ("removed", "removed", 403),
        ("declined", "declined", 403),
        ("ended", "ended", 410),
        ("locked", "locked", 403),
    ],
)
def test_closed_states(world, citizen_client: Client, setup: str, reason: str, status: int) -> None:
    s = make_session(world, lobby=setup == "declined")
    if setup == "removed":
        members.remove_member(s.erika, actor=s.moderator)
    elif setup == "declined":
        members.knock(s.erika, "c1")
        members.decline(s.erika, actor=s.moderator)
    elif setup == "ended":
        lifecycle.end_room(s.room, actor=s.moderator)
    else:
        lifecycle.lock(s.room, actor=s.moderator)
    response = citizen_client.get(join_url(s.erika_token))
    assert response.status_code == status
    assert f'data-reason="{reason}"' in response.content.decode()
    assert SESSION_KEY not in citizen_client.session
    assert response["Cache-Control"] == "no-store"


def test_join_page_wrong_method(session: Session, citizen_client: Client) -> None:
    assert citizen_client.post(join_url(session.erika_token)).status_code == 405

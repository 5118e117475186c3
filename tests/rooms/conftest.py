"""A group session of the test authority: official A moderates, two participants with join links, and
helpers for the room's socket."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings

from buergerbuero.audit.models import AuditEntry
from buergerbuero.rooms.actions import lifecycle, members
from buergerbuero.rooms.models import Member, MemberRole, Room, RoomKind
from tests.conftest import World


def audited(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


@dataclass
class Session:
    room: Room
    moderator: Member
    erika: Member
    erika_token: str
    max: Member
    max_token: str


def make_session(
    world: World, *, kind: str = RoomKind.TRAINING, lobby: bool = False, live: bool = True
) -> Session:
    room = lifecycle.create_room(world.authority, kind=kind, title="Belehrung § 43 IfSG", lobby=lobby)
    moderator, _ = members.add_member(
        room, display_name="Anna Amsel", role=MemberRole.MODERATOR, user=world.official_a.user
    )
    erika, erika_token = members.add_member(room, display_name="Erika Muster")
    max_, max_token = members.add_member(room, display_name="Max Mustermann")
    assert erika_token and max_token
    if live:
        lifecycle.start_room(room, actor=moderator)
    room.refresh_from_db()
    return Session(
        room,
        Member.objects.select_related("room").get(pk=moderator.pk),
        Member.objects.select_related("room").get(pk=erika.pk),
        erika_token,
        Member.objects.select_related("room").get(pk=max_.pk),
        max_token,
    )


@pytest.fixture
def session(world: World) -> Session:
    return make_session(world)


def fresh(member: Member) -> Member:
    return Member.objects.select_related("room").get(pk=member.pk)


def token_cookie(room_id: int, token: str) -> str:
    """A browser's session cookie holding a room's join link (as the join page stores it: its hash)."""
    from django.contrib.sessions.backends.db import SessionStore

    from buergerbuero.rooms.tokens import remember

    store = SessionStore()
    remember(store, room_id, token)
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"

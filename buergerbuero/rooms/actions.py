"""The only place that changes rooms and their members (../shared/STYLE.md)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Authority
from buergerbuero.offices.models import Office
from buergerbuero.rooms.models import Member, MemberRole, Room, RoomKind, RoomMode
from buergerbuero.rooms.tokens import hash_token, new_token


@transaction.atomic
def create_room(
    authority: Authority,
    *,
    kind: RoomKind,
    title: str,
    office: Office | None = None,
    mode: RoomMode = RoomMode.CONFERENCE,
    lobby: bool = False,
    actor: AbstractBaseUser | None = None,
) -> Room:
    """A room for a training session or an event; its media server room is made when it goes live."""
    room = Room.objects.create(
        authority=authority, office=office, kind=kind, title=title, mode=mode, lobby=lobby
    )
    record(authority.pk, "room.created", room, actor.pk if actor else None, kind=kind, mode=mode)
    return room


@transaction.atomic
def add_member(
    room: Room,
    *,
    display_name: str,
    role: MemberRole = MemberRole.PARTICIPANT,
    user: AbstractBaseUser | None = None,
    is_hall: bool = False,
    actor: AbstractBaseUser | None = None,
) -> tuple[Member, str | None]:
    """A place in the room. Staff are found by their user and get no token; everyone else gets the
    secret of a join link, returned once (only its hash is kept). A user already in the room keeps the
    place they have (its role is updated)."""
    if user is not None:
        member, created = Member.objects.get_or_create(
            room=room, user=user, defaults={"display_name": display_name, "role": role, "is_hall": is_hall}
        )
        if not created and member.role != role:
            member.role = role
            member.save(update_fields=["role"])
        token = None
    else:
        token = new_token()
        member = Member.objects.create(
            room=room, display_name=display_name, role=role, is_hall=is_hall, token_hash=hash_token(token)
        )
    record(room.authority_id, "room.member_added", member, actor.pk if actor else None, role=role)
    return member, token

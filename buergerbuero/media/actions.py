"""The only place that changes what the media part stores: where a room's media runs (docs/architecture.md).

Called from async code through ``sync_to_async``. Janus itself is driven by ``placement``; these
functions only record (and arbitrate) its choices.
"""

from __future__ import annotations

from django.db import transaction

from buergerbuero.audit.actions import record
from buergerbuero.rooms.models import Room


@transaction.atomic
def place_room(
    room_id: int, *, instance: str, number: int, secret: str, replacing: str = ""
) -> tuple[Room, bool]:
    """Store that the room's media runs in Janus room ``number`` on ``instance`` unless another worker
    stored a placement first. Returns the room with the stored placement and whether it is this one.

    ``replacing`` names the instance of a placement that is given up (it is no longer configured);
    empty: the room has none yet. Two workers placing the same room at once agree: the row lock
    serialises them on PostgreSQL, and the conditional UPDATE does on SQLite (which ignores
    ``select_for_update`` but takes its write lock for the UPDATE): only the first write matches.
    """
    Room.objects.select_for_update().filter(pk=room_id).first()
    unplaced = Room.objects.filter(pk=room_id)
    unplaced = (
        unplaced.filter(janus_instance=replacing, janus_room__isnull=False)
        if replacing
        else unplaced.filter(janus_room__isnull=True)
    )
    won = bool(unplaced.update(janus_instance=instance, janus_room=number, janus_secret=secret))
    room = Room.objects.get(pk=room_id)
    if won:
        # The secret stays out of the audit log.
        record(room.authority_id, "room.media_placed", room, None, instance=instance, janus_room=number)
    return room, won

"""The public live-state socket /ws/public/<authority>/ (overview, office page, widget)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from buergerbuero.core import groups
from buergerbuero.offices.actions import close_office
from tests.conftest import all_group_members, connect, drain, enter, frame_of, open_

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


async def test_snapshot_then_office_state(world) -> None:
    await db(open_)(world.official_a, world.office_a)
    await db(enter)(world.office_a)
    page, connected, _ = await connect("/ws/public/testkreis/")
    assert connected
    snapshot = await page.receive_json_from()
    assert snapshot["type"] == "snapshot"
    by_office = {o["office"]: o for o in snapshot["offices"]}
    assert set(by_office) == {world.office_a.pk, world.office_b.pk}  # not the other authority's office
    assert (by_office[world.office_a.pk]["state"], by_office[world.office_a.pk]["waiting"]) == (
        "open_free",
        1,
    )
    assert by_office[world.office_b.pk]["state"] == "closed"
    # No names or concerns on the public socket.
    assert "Erika" not in str(snapshot)

    await db(open_)(world.official_b, world.office_b)
    state = await frame_of(page, "office.state")
    assert (state["office"], state["state"]) == (world.office_b.pk, "open_free")
    await db(close_office)(world.official_b, world.office_b)
    assert (await frame_of(page, "office.state"))["state"] == "closed"
    await page.disconnect()
    assert await all_group_members([groups.authority(world.authority.pk)]) == {}


async def test_other_authoritys_changes_are_not_sent(world) -> None:
    page, connected, _ = await connect("/ws/public/testkreis/")
    assert connected
    await frame_of(page, "snapshot")
    await db(open_)(world.other_admin, world.other_office)
    assert await drain(page) == []
    await page.disconnect()


async def test_unknown_authority_is_closed_4404(world) -> None:
    _, connected, code = await connect("/ws/public/nirgendwo/")
    assert (connected, code) == (False, 4404)


async def test_foreign_origin_is_refused(world) -> None:
    _, connected, _ = await connect("/ws/public/testkreis/", origin="https://evil.example")
    assert not connected


async def test_allowed_extra_origin(world, settings) -> None:
    settings.WEBSOCKET_ALLOWED_ORIGINS = ["widget.example.org"]
    page, connected, _ = await connect("/ws/public/testkreis/", origin="https://widget.example.org")
    assert connected
    await page.disconnect()


async def test_ping(world) -> None:
    page, _, _ = await connect("/ws/public/testkreis/")
    await frame_of(page, "snapshot")
    await page.send_json_to({"type": "ping", "t": 123})
    assert await page.receive_json_from() == {"type": "pong", "t": 123}
    await page.disconnect()

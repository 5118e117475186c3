"""The pages of a group session in Chromium: axe-core finds no serious or critical violation on the join
page in each of its states, on the participant's room page (also with a presence check) and on the
moderator's page; raising a hand and chatting work with the keyboard alone.

Runs without Janus: the room page then says that video is not available, and everything else works.
The rooms are made through the real actions in the live server's database (``manage.py shell``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e import journeys as j
from tests.e2e.test_accessibility import Audit

pytestmark = pytest.mark.browser

MODERATOR = "gustav"  # seeded with the never-opened office "fundbuero": no queue of his is disturbed

SETUP = """
import datetime as dt
import json
from django.utils import timezone
from buergerbuero.authorities.models import Staff
from buergerbuero.rooms.actions import lifecycle
from buergerbuero.rooms.actions import members
from buergerbuero.rooms.models import RoomKind

staff = Staff.objects.select_related("authority", "user").get(user__username=%(moderator)r)
out = {}

def room(title, **kwargs):
    kind = kwargs.pop("kind", RoomKind.TRAINING)
    r = lifecycle.create_room(staff.authority, kind=kind, title=title, **kwargs)
    mod, _ = members.add_member(r, display_name=staff.display_name, role="moderator", user=staff.user)
    return r, mod

live, mod = room("Belehrung nach § 43 IfSG")
lifecycle.start_room(live, actor=mod)
out["live"] = live.pk
out["erika"] = members.add_member(live, display_name="Erika Muster")[1]
out["keyboard"] = members.add_member(live, display_name="Karl Tastatur")[1]
removed, out["removed"] = members.add_member(live, display_name="Rudi Raus")
members.remove_member(removed, actor=mod)

scheduled, _ = room("Vereinsschulung", starts_at=timezone.now() + dt.timedelta(days=1))
out["scheduled"] = members.add_member(scheduled, display_name="Sara Später")[1]

ended, mod_e = room("Bürgermeisterkonferenz", kind=RoomKind.EVENT)
out["ended"] = members.add_member(ended, display_name="Eva Ende")[1]
lifecycle.start_room(ended, actor=mod_e)
lifecycle.end_room(ended, actor=mod_e)

locked, mod_l = room("Kurs Ehrenamt", kind=RoomKind.EVENT)
out["locked"] = members.add_member(locked, display_name="Lena Later")[1]
lifecycle.start_room(locked, actor=mod_l)
lifecycle.lock(locked, actor=mod_l)

print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def rooms(app) -> dict[str, Any]:
    output = app.manage("shell", "-c", SETUP % {"moderator": MODERATOR})
    return json.loads(output.strip().splitlines()[-1])


def join(page: Any, app: Any, token: str) -> None:
    page.goto(f"{app.url}/raum/{token}/")
    page.wait_for_load_state("load")


def wait_inside(page: Any, expect: Any) -> None:
    expect(page.locator("#room-panel")).to_be_visible()
    # Without Janus the page says so once it tried the media.
    expect(page.locator("#people-list li").first).to_be_visible()


def test_room_pages_are_accessible_and_keyboard_operable(app, pages, axe_script, expect, rooms) -> None:
    audit = Audit(axe_script)
    visitor = pages.new("visitor", bypass_csp=True)
    join(visitor, app, "this-link-is-wrong")
    expect(visitor.locator("#room-closed-message")).to_be_visible()
    audit.check("join page: wrong link", visitor)
    for state in ("removed", "ended", "locked"):
        join(visitor, app, rooms[state])
        expect(visitor.locator(f'#room-closed-message[data-reason="{state}"]')).to_be_visible()
        audit.check(f"join page: {state}", visitor)
    join(visitor, app, rooms["scheduled"])
    expect(visitor.locator("#waiting-panel")).to_be_visible()
    expect(visitor.locator("#waiting-text")).not_to_be_empty()
    audit.check("join page: not started yet", visitor)

    moderator = pages.new("moderator", bypass_csp=True)
    j.staff_login(moderator, app, MODERATOR)
    moderator.goto(f"{app.url}/staff/rooms/{rooms['live']}/")
    wait_inside(moderator, expect)
    expect(moderator.locator("#moderation")).to_be_visible()

    erika = pages.new("erika", bypass_csp=True)
    join(erika, app, rooms["erika"])
    wait_inside(erika, expect)
    expect(erika.locator("#media-notice")).not_to_be_empty()
    audit.check("room page: participant", erika)

    # Keyboard only: raise the hand, then write in the chat.
    keyboard = pages.new("keyboard", bypass_csp=True)
    join(keyboard, app, rooms["keyboard"])
    wait_inside(keyboard, expect)
    tab_to(keyboard, "hand-button")
    keyboard.keyboard.press("Enter")
    expect(keyboard.locator("#hand-button")).to_have_attribute("aria-pressed", "true")
    expect(moderator.locator("#hand-queue li").first).to_contain_text("Karl Tastatur")
    tab_to(keyboard, "chat-input")
    keyboard.keyboard.type("Eine Frage zur Händehygiene")
    keyboard.keyboard.press("Enter")
    expect(erika.locator("#chat-log")).to_contain_text("Eine Frage zur Händehygiene")
    expect(keyboard.locator("#chat-input")).to_be_focused()
    audit.check("room page: moderator with a raised hand and chat", moderator)

    # A presence check: the prompt takes the focus; answering by keyboard closes it.
    moderator.locator("#presence-start-button").click()
    expect(erika.locator("#presence-prompt")).to_be_visible()
    expect(erika.locator("#presence-button")).to_be_focused()
    audit.check("room page: presence check", erika)
    erika.keyboard.press("Enter")
    expect(erika.locator("#presence-prompt")).to_be_hidden()
    expect(moderator.locator("#presence-status")).to_contain_text("1")

    # The moderator lets the keyboard user speak from the hand queue.
    moderator.locator("#hand-queue li button").first.click()
    expect(keyboard.locator("#hand-button")).to_have_attribute("aria-pressed", "false")
    expect(moderator.locator("#hand-queue li")).to_have_count(0)

    audit.assert_clean()


def tab_to(page: Any, element_id: str, limit: int = 80) -> None:
    """Press Tab until the element has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} is not reachable with Tab")

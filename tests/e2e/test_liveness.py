"""Nobody waits in a call for someone who has gone: the official's page closes mid-call; after the
grace the citizen is told in plain words and is first in line again."""

from __future__ import annotations

import re

import pytest

from tests.e2e import journeys as j

pytestmark = pytest.mark.browser

OFFICE = "ordnungsamt"
OFFICIAL = "konrad"

# Moves the clock instead of waiting out the grace (BUERGERBUERO_CALL_GRACE_SECONDS, 30 s): once the server
# has noticed that no page holds the official's call any more, that happened an hour ago. The background
# job (every 5 s) then ends the call. Prints how many calls it moved (0 while the server has not noticed).
BACKDATE = """
from datetime import timedelta
from django.utils import timezone
from buergerbuero.calls.models import Participant
print(Participant.objects.filter(
    staff__user__username=%r, left_at__isnull=True, call_connection="", connection_lost_at__isnull=False
).update(connection_lost_at=timezone.now() - timedelta(hours=1)))
"""

GONE_TEXT = re.compile(
    r"connection to the official was lost|Verbindung zu Ihrer Ansprechperson ist abgebrochen"
)


def test_official_page_closed_mid_call_citizen_is_first_in_line_again(app, pages, expect) -> None:
    official, office_id = j.official_at_open_office(pages, app, OFFICE, OFFICIAL)

    first, second = j.two_waiting(pages, app, OFFICE, official, office_id, expect)

    j.staff_admit_next(official, office_id)
    j.wait_for_media(first)
    j.wait_for_position(second, 1, expect)

    # The official's tab is closed (or the laptop's lid, or the network): nobody hangs up.
    official.close()
    for _attempt in range(60):
        if app.manage("shell", "-c", BACKDATE % OFFICIAL).strip().endswith("1"):
            break
    else:
        pytest.fail("the server never noticed that the official's page had closed")

    # The citizen is told in plain words and waits again, first in line, without a call.
    expect(first.locator("#connection-notice")).to_have_text(GONE_TEXT, timeout=30_000)
    j.wait_for_position(first, 1, expect)
    expect(first.locator("#call-panel")).to_be_hidden()
    expect(first.locator("#leave-button")).to_be_visible()
    # The one who was first in line is behind the citizen who lost the official.
    j.wait_for_position(second, 2, expect)


CITIZEN_OFFICE = "fahrerlaubnis"
CITIZEN_OFFICIAL = "lena"

# As BACKDATE, for the citizen: once the server has noticed that the citizen's page closed during the
# consultation, that happened an hour ago.
BACKDATE_CITIZEN = """
from datetime import timedelta
from django.utils import timezone
from buergerbuero.waitingroom.models import Ticket
print(Ticket.objects.filter(
    office__slug=%r, state="in_consultation", disconnected_at__isnull=False
).update(disconnected_at=timezone.now() - timedelta(hours=1)))
"""

CITIZEN_GONE_TEXT = re.compile(
    r"citizen's page was closed or offline for too long|Seite der Bürgerin oder des Bürgers war zu lange"
)


def test_citizen_page_closed_mid_call_official_is_told_and_free(app, pages, expect) -> None:
    official, office_id = j.official_at_open_office(pages, app, CITIZEN_OFFICE, CITIZEN_OFFICIAL)
    citizen = pages.new("citizen")
    j.citizen_enter(citizen, app, CITIZEN_OFFICE, name="Weg Person")
    j.wait_for_position(citizen, 1, expect)
    j.staff_admit_next(official, office_id)
    j.wait_for_media(official)

    citizen.close()
    for _attempt in range(60):
        if app.manage("shell", "-c", BACKDATE_CITIZEN % CITIZEN_OFFICE).strip().endswith("1"):
            break
    else:
        pytest.fail("the server never noticed that the citizen's page had closed")

    expect(official.locator("#workspace-notice")).to_have_text(CITIZEN_GONE_TEXT, timeout=30_000)
    expect(official.locator("#call-panel")).to_be_hidden()
    # Free again: the next citizen is let in (an official still in a call could not admit anyone).
    nxt = pages.new("next citizen")
    j.citizen_enter(nxt, app, CITIZEN_OFFICE, name="Nächste Person")
    j.wait_for_position(nxt, 1, expect)
    j.wait_for_queue(official, office_id, 1)
    j.staff_admit_next(official, office_id)
    expect(nxt.locator("#call-panel")).to_be_visible()
    expect(official.locator("#call-panel")).to_be_visible()

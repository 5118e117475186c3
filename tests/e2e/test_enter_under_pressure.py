"""Entering a waiting area that is under pressure: the browser solves the proof of work by
itself, so a person notices nothing; a browser without JavaScript is refused with a message and keeps
what was typed. The server counts one entry a minute as pressure, so every entry after the first needs
the solution."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e import journeys as j
from tests.e2e.conftest import _live, _start
from tests.e2e.harness import Backends, LiveServer, OfficeSpec, SeedSpec

pytestmark = pytest.mark.browser

OFFICE = "beratung"
OFFICIAL = "anna"


@pytest.fixture(scope="module")
def pressure_app(backends: Backends | None) -> Iterator[LiveServer]:
    seed = SeedSpec(offices=[OfficeSpec(OFFICE, "Energieberatung", [(OFFICIAL, "Anna Amsel")])])
    env = {"BUERGERBUERO_WAITING_POW_ENTRIES_PER_MINUTE": "1"}
    server = _start(seed, "pressure-app", backends, env)
    _live.append(server)
    yield server
    _live.remove(server)
    server.cleanup()


def test_the_browser_solves_the_check_and_without_script_nothing_is_lost(pressure_app, pages, expect) -> None:
    app = pressure_app
    official, office_id = j.official_at_open_office(pages, app, OFFICE, OFFICIAL)

    first = pages.new("first citizen")
    j.citizen_enter(first, app, OFFICE, name="Erste Person")
    j.wait_for_position(first, 1, expect)

    # From now on the office is under pressure: the page's script sends the solution with the form.
    second = pages.new("second citizen")
    j.citizen_enter(second, app, OFFICE, name="Zweite Person")
    j.wait_for_position(second, 2, expect)
    j.wait_for_queue(official, office_id, 2)

    # Without JavaScript there is no solution: a message, the typed name kept, no ticket.
    plain = pages.new("citizen without script", java_script_enabled=False)
    plain.goto(app.office_url(OFFICE))
    plain.fill("#id_display_name", "Dritte Person")
    plain.check("#id_consent")
    plain.click("#enter-button")
    expect(plain.locator("#id_pow_error")).to_be_visible()
    expect(plain.locator("#id_display_name")).to_have_value("Dritte Person")
    queue = official.locator(f'[data-office-id="{office_id}"] .queue [data-ticket-id]')
    expect(queue).to_have_count(2)

"""axe-core on every citizen page and every staff page, in the states a person meets them: no violation
of impact "serious" or "critical" (WCAG 2.1 AA rules and best practices as axe ships them).

axe is injected as a script, which the pages' CSP (script-src 'self') forbids; the contexts of this test
alone bypass the CSP.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import journeys as j

pytestmark = pytest.mark.browser

OFFICE = "gartenamt"
OFFICIAL = "frida"
CLOSED_OFFICE = "fundbuero"

AXE_RUN_JS = """
async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 5).map((n) => ({target: n.target.join(' '),
                                                          summary: n.failureSummary}))}));
}
"""


class Audit:
    def __init__(self, axe: Path) -> None:
        self.axe = axe
        self.found: dict[str, list[dict[str, Any]]] = {}

    def check(self, label: str, page: Any) -> None:
        page.wait_for_load_state("load")
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(self.axe))
        violations = page.evaluate(AXE_RUN_JS)
        self.found[f"{label} ({page.url})"] = violations

    def assert_clean(self) -> None:
        bad = {label: v for label, v in self.found.items() if v}
        assert not bad, "serious or critical accessibility violations:\n" + json.dumps(
            bad, indent=2, ensure_ascii=False
        )


def test_every_page_has_no_serious_accessibility_violation(app, pages, axe_script, expect) -> None:
    audit = Audit(axe_script)
    office_id = app.office(OFFICE)["id"]

    official = pages.new("official", bypass_csp=True)
    official.goto(app.url + "/staff/login/")
    audit.check("staff login", official)
    j.staff_login(official, app, OFFICIAL)
    j.staff_open_office(official, office_id)

    citizen = pages.new("citizen", bypass_csp=True)
    citizen.goto(app.overview_url())
    citizen.locator("[data-office-id] .office-state").first.wait_for()
    audit.check("overview", citizen)
    citizen.goto(app.office_url(CLOSED_OFFICE))
    audit.check("office closed", citizen)
    citizen.goto(app.office_url(OFFICE))
    citizen.locator("#enter-form").wait_for()
    audit.check("office open with the enter form", citizen)

    # Submitting without consent shows the form with its errors.
    citizen.click("#enter-button")
    citizen.wait_for_load_state("load")
    if citizen.locator("#enter-form").count():
        audit.check("enter form with errors", citizen)
        if not citizen.locator("#position").count():
            citizen.check("#id_consent")
            citizen.click("#enter-button")
    j.wait_for_position(citizen, 1, expect)
    audit.check("waiting", citizen)

    j.wait_for_queue(official, office_id, 1)
    audit.check("staff dashboard with a queue", official)

    j.staff_admit_next(official, office_id)
    j.wait_for_media(citizen)
    j.wait_connected(official)
    audit.check("citizen in the call", citizen)
    audit.check("official in the call", official)

    official.click("#hangup-button")
    j.wait_for_thank_you(citizen, expect)
    audit.check("thank you", citizen)
    expect(official.locator("#call-panel")).to_be_hidden()
    audit.check("staff dashboard after the call", official)

    audit.assert_clean()

"""axe-core on the certificate pages in each state a person meets them: the public verification form
(empty, with a typo), the answers (valid, revoked, unknown), and the officials' list and revocation page
(with its error). No violation of impact "serious" or "critical"; the pages also say the right thing."""

from __future__ import annotations

import json

import pytest

from tests.e2e import journeys as j
from tests.e2e.test_accessibility import Audit

pytestmark = pytest.mark.browser

OFFICE = "gartenamt"
OFFICIAL = "frida"  # lead of the Gartenamt: may revoke

ISSUE = """
import datetime as dt, json
from buergerbuero.certificates import actions
from buergerbuero.offices.models import Office
office = Office.objects.select_related("authority").get(slug="gartenamt")
def issue(key, name):
    return actions.issue(authority=office.authority, office=office, holder_name=name,
        birth_date=dt.date(2001, 2, 3), title="Belehrung nach § 43 Infektionsschutzgesetz",
        legal_basis="§ 43 Abs. 1 Nr. 1 Infektionsschutzgesetz (IfSG)", held_on=dt.date(2025, 5, 6),
        source_key=key)
valid = issue("e2e-certificate-valid", "Jörg Müßig-Äbele")
revoked = issue("e2e-certificate-revoked", "Rita Rabe")
if not revoked.is_revoked:
    actions.revoke(revoked, actor=office.authority.staff.first().user, reason="e2e")
issue("e2e-certificate-open", "Olaf Otter")
print(json.dumps({"valid": valid.display_identifier, "revoked": revoked.display_identifier}))
"""


def test_certificate_pages_have_no_serious_accessibility_violation(app, pages, axe_script, expect) -> None:
    ids = json.loads(app.manage("shell", "-c", ISSUE).strip().splitlines()[-1])
    audit = Audit(axe_script)

    citizen = pages.new("citizen", bypass_csp=True)
    citizen.goto(app.url + "/bescheinigung/")
    audit.check("verification form", citizen)

    citizen.fill("#id_identifier", ids["valid"][:-1] + ("0" if ids["valid"][-1] != "0" else "1"))
    with citizen.expect_navigation():
        citizen.click("#verify-button")
    expect(citizen.locator("#error-summary")).to_be_visible()
    audit.check("verification form with a typo", citizen)

    citizen.fill("#id_identifier", ids["valid"].lower())
    with citizen.expect_navigation():
        citizen.click("#verify-button")
    expect(citizen.locator('[data-status="valid"]')).to_be_visible()
    expect(citizen.locator("#holder-name")).to_have_text("Jörg Müßig-Äbele")
    expect(citizen.locator("body")).not_to_contain_text("03.02.2001")
    audit.check("valid certificate", citizen)

    citizen.goto(f"{app.url}/bescheinigung/{ids['revoked']}/")
    expect(citizen.locator('[data-status="revoked"]')).to_be_visible()
    audit.check("revoked certificate", citizen)

    citizen.goto(f"{app.url}/bescheinigung/K7QM-2XHP-9DWR-T4NB-8FJC/")
    expect(citizen.locator("#verification")).to_be_visible()
    audit.check("unknown or malformed identifier", citizen)

    official = pages.new("official", bypass_csp=True)
    j.staff_login(official, app, OFFICIAL)
    official.goto(app.url + "/staff/certificates/")
    expect(official.locator("#certificate-table")).to_contain_text("Olaf Otter")
    audit.check("staff certificate list", official)

    official.goto(app.url + "/staff/certificates/?q=nobody")
    expect(official.locator("#no-certificates")).to_be_visible()
    audit.check("staff certificate list, nothing found", official)

    official.goto(app.url + "/staff/certificates/?q=Olaf")
    with official.expect_navigation():
        official.locator("#certificate-table a[href$='/revoke/']").first.click()
    expect(official.locator("#revoke-form")).to_be_visible()
    audit.check("revoke page", official)
    with official.expect_navigation():
        official.click("#revoke-button")
    expect(official.locator("#error-summary")).to_be_visible()
    audit.check("revoke page without a reason", official)

    audit.assert_clean()

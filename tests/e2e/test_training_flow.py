"""A school class's online training from registration to verified certificates.

A teacher registers her class in Chromium from a CSV file saved by Excel on Windows (Windows-1252, a
header line), ticks the guardians' consent for each minor, and gets the class link and her class page by
mail from a real SMTP server in the test's network namespace. The session then runs: the class screen's
attendance and its answer to a presence check are recorded through the rooms' actions (a separate
process, as the room's socket would), and the teacher confirms on her class page which pupils sit in
front of the screen (one of them is missing). After the session the presenter computes completion and
issues the certificates on the staff pages; the teacher downloads the class's certificates as one PDF,
whose text (extracted with pypdf) holds exactly the names of the pupils who were there. The public
verification page accepts a certificate's identifier and rejects a forged one.

The session lasts one minute and needs half of it: the test waits about 35 s for that, without a fake
clock. axe-core checks every training page on the way, in the states a person meets them (forms with
errors included), for violations of impact "serious" or "critical".
"""

from __future__ import annotations

import email
import email.policy
import io
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pypdf import PdfReader

from tests.e2e import journeys as j
from tests.e2e.conftest import _live, own_server
from tests.e2e.harness import Backends, LiveServer, OfficeSpec, SeedSpec, SmtpServer
from tests.e2e.test_accessibility import Audit

pytestmark = pytest.mark.browser

OFFICE = "gesundheitsamt"
PRESENTER = "greta"
SEED = SeedSpec(offices=[OfficeSpec(OFFICE, "Gesundheitsamt", [(PRESENTER, "Greta Grünfink")])])
TEACHER_EMAIL = "lena.lehrer@schule.example"
PUPILS_PRESENT = ["Jörg Weiß", "Änne Öztürk", "Paul Groß"]
PUPIL_ABSENT = "Kai Fehlt"
CSV = (
    "Name;Geburtsdatum\r\n"
    "Jörg Weiß;24.12.2011\r\n"
    "Änne Öztürk;01.01.2005\r\n"
    "Paul Groß;3.4.2011\r\n"
    "Kai Fehlt;05.06.2011\r\n"
).encode("cp1252")
# The session is one minute long; half of it is needed (``required_attendance_percent``).
RUN_SECONDS = 35

SETUP = f"""
import datetime as dt, json
from django.utils import timezone
from buergerbuero.authorities.models import Staff
from buergerbuero.offices.models import Office
from buergerbuero.trainings.actions import catalogue as catalogue_actions
from buergerbuero.trainings.actions import sessions as session_actions
office = Office.objects.get(slug="{OFFICE}")
greta = Staff.objects.get(user__username="{PRESENTER}")
kind = catalogue_actions.create_type(office, actor=greta, title="Belehrung nach § 43 IfSG",
    legal_basis="§ 43 Abs. 1 Nr. 1 Infektionsschutzgesetz (IfSG)", duration_minutes=1,
    required_attendance_percent=50)
session = session_actions.create_session(kind, starts_at=timezone.now() + dt.timedelta(minutes=20),
    capacity=30, presenters=[greta], actor=greta)
print(json.dumps({{"type": kind.pk, "session": session.pk}}))
"""

# The session begins now: the room goes live, the class screen joins (as the room's socket does through
# rooms.actions.members.join) and answers a presence check sent by the presenter.
BEGIN = f"""
from django.utils import timezone
from buergerbuero.rooms.actions import activity, lifecycle, members
from buergerbuero.trainings.models import Registration, TrainingSession
session = TrainingSession.objects.select_related("room").get(pk=%(session)d)
TrainingSession.objects.filter(pk=session.pk).update(starts_at=timezone.now())
presenter = session.room.members.get(user__username="{PRESENTER}")
lifecycle.start_room(session.room, actor=presenter.user)
screen = Registration.objects.get(session=session, kind="class").member
members.join(screen, "e2e-class-screen")
check = activity.start_presence_check(session.room, 20, actor=presenter)
activity.answer_presence_check(check, screen)
print("ok")
"""

END = f"""
from buergerbuero.rooms.actions import lifecycle, members
from buergerbuero.trainings.models import TrainingSession
session = TrainingSession.objects.select_related("room").get(pk=%(session)d)
members.leave(session.registrations.get(kind="class").member, "e2e-class-screen")
lifecycle.end_room(session.room, actor=session.room.members.get(user__username="{PRESENTER}").user)
print("ok")
"""

IDENTIFIERS = """
import json
from buergerbuero.certificates.models import Certificate
print(json.dumps({c.holder_name: c.display_identifier for c in Certificate.objects.all()}))
"""


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    _live.append(server)
    yield server
    _live.remove(server)
    server.stop()


@pytest.fixture(scope="module")
def training_app(backends: Backends | None, smtp: SmtpServer) -> Iterator[tuple[LiveServer, dict[str, int]]]:
    env = {
        "BUERGERBUERO_EMAIL_HOST": "127.0.0.1",
        "BUERGERBUERO_EMAIL_PORT": str(smtp.port),
        "BUERGERBUERO_BOOKING_POW_MAX_NUMBER": "1000",
    }
    with own_server(SEED, "training-flow", backends, env, SETUP) as (server, output):
        yield server, json.loads(output.strip().splitlines()[-1])


def wait_pow(page: Any, expect: Any) -> None:
    status = page.locator("#pow-status")
    expect(status).to_have_text(status.get_attribute("data-done") or "", timeout=30_000)


def link_in(text: str, pattern: str) -> str:
    found = re.search(pattern, text)
    assert found, f"no link {pattern} in:\n{text}"
    return found.group(0)


def test_a_class_from_csv_to_verified_certificates(
    training_app, smtp: SmtpServer, pages, axe_script, expect
) -> None:
    server, ids = training_app
    audit = Audit(axe_script)
    base = server.url

    # An individual registers (the list, the form with errors, the form, the page after it).
    person = pages.new("individual", bypass_csp=True)
    person.goto(f"{base}/testkreis/schulungen/")
    expect(person.locator(f'[data-session-id="{ids["session"]}"]')).to_be_visible()
    audit.check("training list", person)
    person.goto(f"{base}/testkreis/schulungen/{ids['session']}/anmelden/")
    audit.check("individual registration", person)
    wait_pow(person, expect)
    with person.expect_navigation():
        person.click("#register-button")
    expect(person.locator("#error-summary")).to_be_visible()
    audit.check("individual registration with errors", person)
    person.fill("#id_name", "Erika Einzeln")
    person.fill("#id_birth_date", "1990-05-01")
    person.fill("#id_email", "erika@example.org")
    person.check("#id_consent")
    wait_pow(person, expect)
    with person.expect_navigation():
        person.click("#register-button")
    expect(person.locator("#registered-next")).to_contain_text("erika@example.org")
    audit.check("registered (individual)", person)
    personal = smtp.wait_for(lambda m: "erika@example.org" in m.recipients)
    personal_text = (
        email.message_from_bytes(personal.data, policy=email.policy.default)
        .get_body(("plain",))
        .get_content()
    )  # type: ignore[union-attr]
    person.goto(link_in(personal_text, r"http://127\.0\.0\.1:\d+/schulungen/anmeldung/[\w-]+/"))
    expect(person.locator("h1")).to_be_visible()
    audit.check("registration page before the session", person)

    # The teacher registers the class from the CSV file, consent ticked per minor.
    teacher = pages.new("teacher", bypass_csp=True)
    teacher.goto(f"{base}/testkreis/schulungen/")
    teacher.locator(f'[data-session-id="{ids["session"]}"] a[href$="/klasse/"]').click()
    expect(teacher.locator("#class-form")).to_be_visible()
    audit.check("class registration", teacher)
    teacher.fill("#id_teacher_name", "Lena Lehrer")
    teacher.fill("#id_email", TEACHER_EMAIL)
    teacher.fill("#id_school", "Mittelschule Testdorf")
    teacher.fill("#id_class_name", "8b")
    teacher.fill("#id_pupils_text", "Erika Muster;kein Datum")
    teacher.check("#id_consent_mode_1")
    teacher.check("#id_consent")
    with teacher.expect_navigation():
        teacher.click("#check-list-button")
    expect(teacher.locator("#row-errors")).to_contain_text("1")
    audit.check("class registration with a bad line", teacher)
    teacher.fill("#id_pupils_text", "")
    teacher.set_input_files(
        "#id_pupils_file", files=[{"name": "klasse-8b.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    with teacher.expect_navigation():
        teacher.click("#check-list-button")
    table = teacher.locator("#pupil-table")
    for name in [*PUPILS_PRESENT, PUPIL_ABSENT]:
        expect(table).to_contain_text(name)
    audit.check("class registration: the list to confirm", teacher)
    for name in ("Jörg Weiß", "Paul Groß", PUPIL_ABSENT):  # the minors; Änne is of age
        teacher.get_by_label(re.compile(re.escape(name))).check()
    wait_pow(teacher, expect)
    with teacher.expect_navigation():
        teacher.click("#register-button")
    expect(teacher.locator("#registered-next")).to_contain_text(TEACHER_EMAIL)
    audit.check("registered (class)", teacher)

    mail = smtp.wait_for(lambda m: TEACHER_EMAIL in m.recipients)
    message = email.message_from_bytes(mail.data, policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    class_page = link_in(text, r"http://127\.0\.0\.1:\d+/schulungen/klasse/[\w-]+/")
    assert link_in(text, r"http://127\.0\.0\.1:\d+/raum/[\w-]+/")
    assert any(part.get_content_type() == "text/calendar" for part in message.iter_attachments())

    # Before the session: the class page without the roster.
    teacher.goto(class_page)
    audit.check("class page before the session", teacher)

    # The session runs; the teacher checks in the pupils in front of the screen.
    assert server.manage("shell", "-c", BEGIN % ids).strip().endswith("ok")
    began = time.monotonic()
    teacher.goto(class_page)
    roster = teacher.locator("#roster-form")
    expect(roster).to_be_visible()
    audit.check("class page: roster", teacher)
    for name in PUPILS_PRESENT:
        roster.get_by_label(name).check()
    with teacher.expect_navigation():
        teacher.click("#roster-button")
    for name in PUPILS_PRESENT:
        expect(teacher.locator("#roster-form").get_by_label(name)).to_be_checked()
    expect(teacher.locator("#roster-form").get_by_label(PUPIL_ABSENT)).not_to_be_checked()
    audit.check("class page: roster saved", teacher)

    # The presenter's staff pages while it runs.
    staff = pages.new("presenter", bypass_csp=True)
    j.staff_login(staff, server, PRESENTER)
    staff.goto(f"{base}/staff/trainings/")
    audit.check("staff trainings", staff)
    staff.goto(f"{base}/staff/trainings/types/{ids['type']}/")
    audit.check("staff training type", staff)
    staff.goto(f"{base}/staff/trainings/types/{ids['type']}/sessions/new/")
    audit.check("staff new session", staff)
    with staff.expect_navigation():
        staff.click("#save-session")
    audit.check("staff new session with errors", staff)
    staff.goto(f"{base}/staff/trainings/sessions/{ids['session']}/")
    expect(staff.locator("#taken")).to_have_text("5 / 30")
    audit.check("staff session (live)", staff)

    # Half of the minute has passed: the session ends.
    remaining = RUN_SECONDS - (time.monotonic() - began)
    if remaining > 0:
        staff.wait_for_timeout(remaining * 1000)
    assert server.manage("shell", "-c", END % ids).strip().endswith("ok")

    staff.reload()
    with staff.expect_navigation():
        staff.click("#compute-completion")
    expect(staff.locator(".message--success")).to_contain_text("3")
    with staff.expect_navigation():
        staff.click("#issue-certificates")
    expect(staff.locator(".message--success")).to_contain_text("3")
    audit.check("staff session with results", staff)

    # The teacher downloads the class's certificates as one PDF.
    teacher.goto(class_page)
    expect(teacher.locator("#results")).to_contain_text(PUPIL_ABSENT)
    audit.check("class page with certificates", teacher)
    with teacher.expect_download() as download:
        teacher.click("#certificates-link")
    path = download.value.path()
    assert path is not None
    with open(path, "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    assert len(reader.pages) == 3
    pdf_text = "\n".join(page.extract_text() for page in reader.pages)
    for name in PUPILS_PRESENT:
        assert name in pdf_text, pdf_text
    assert PUPIL_ABSENT not in pdf_text
    assert "Erika Einzeln" not in pdf_text  # she never joined: no certificate, and not in the class's PDF

    # The verification page accepts a genuine identifier and rejects a forged one.
    identifiers = json.loads(server.manage("shell", "-c", IDENTIFIERS).strip().splitlines()[-1])
    assert set(identifiers) == set(PUPILS_PRESENT)
    genuine = identifiers["Jörg Weiß"]
    assert genuine in pdf_text or genuine.replace("-", "") in pdf_text.replace("-", "")
    verifier = pages.new("verifier", bypass_csp=True)
    verifier.goto(f"{base}/bescheinigung/{genuine}/")
    expect(verifier.locator('[data-status="valid"]')).to_be_visible()
    expect(verifier.locator("#holder-name")).to_have_text("Jörg Weiß")
    last = genuine[-1]
    forged = genuine[:-1] + ("2" if last != "2" else "3")
    response = verifier.goto(f"{base}/bescheinigung/{forged}/")
    assert response is not None
    expect(verifier.locator('[data-status="valid"]')).to_have_count(0)

    # The individual, who never joined, learns why on her page.
    person.reload()
    expect(person.locator("#not-completed")).to_be_visible()
    audit.check("registration page after the session", person)

    audit.assert_clean()

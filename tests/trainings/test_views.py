"""The public training pages: the list, the registration of an individual and of a class (from a CSV
upload, with errors by line), the page after it, the registration and class pages behind their links,
and the materials (members and staff only)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from buergerbuero.core import pow
from buergerbuero.rooms.tokens import SESSION_KEY as ROOM_TOKENS
from buergerbuero.trainings.actions import catalogue as catalogue_actions
from buergerbuero.trainings.actions import registrations as registration_actions
from buergerbuero.trainings.actions import sessions as session_actions
from buergerbuero.trainings.models import GuardianConsent, Pupil, Registration, TrainingSession
from buergerbuero.trainings.tokens import hash_token
from tests.conftest import login
from tests.trainings.helpers import attend, make_type, pupils

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_pow_and_no_mail(settings, monkeypatch) -> None:
    settings.BOOKING_POW_MAX_NUMBER = 50
    cache.clear()
    monkeypatch.setattr("buergerbuero.trainings.mails.send_confirmation", lambda *a, **k: True)


def solved() -> str:
    return pow.solve(pow.create_challenge(maximum=50))


@pytest.fixture
def session(world) -> TrainingSession:
    training_type = make_type(world.office_a, world.official_a, check=True)
    starts = (timezone.now() + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    return session_actions.create_session(
        training_type, starts_at=starts, capacity=5, presenters=[world.official_a], actor=world.official_a
    )


def url(name: str, session: TrainingSession) -> str:
    return reverse(f"trainings:{name}", args=["testkreis", session.pk])


def individual(**fields: str) -> dict[str, str]:
    data = {
        "name": "Erika  Muster",
        "birth_date": "1990-05-01",
        "email": "Erika@Example.org",
        "consent": "on",
        "pow": solved(),
    }
    data.update(fields)
    return data


def test_the_list_shows_upcoming_sessions_of_the_authority_only(client: Client, session, world) -> None:
    other_type = make_type(world.other_office, world.other_admin, title="Anderswo-Kurs")
    session_actions.create_session(
        other_type, starts_at=session.starts_at, capacity=3, presenters=[], actor=world.other_admin
    )
    response = client.get(reverse("trainings:list", args=["testkreis"]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Belehrung nach § 43 IfSG" in text and "Anderswo-Kurs" not in text
    assert url("register", session) in text and url("register-class", session) in text
    assert client.post(reverse("trainings:list", args=["testkreis"])).status_code == 405
    assert client.get(reverse("trainings:list", args=["nirgendwo"])).status_code == 404


def test_an_individual_registers_and_sees_the_links(client: Client, session) -> None:
    response = client.post(url("register", session), individual())
    assert response.status_code == 302 and response["Location"] == reverse(
        "trainings:registered", args=["testkreis"]
    )
    registration = Registration.objects.get()
    assert (registration.name, registration.email, registration.birth_date) == (
        "Erika Muster",
        "erika@example.org",
        dt.date(1990, 5, 1),
    )
    page = client.get(response["Location"])
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    text = page.content.decode()
    assert "/raum/" in text and "/schulungen/anmeldung/" in text
    # The session store keeps no secret of either link (only the registration and the sealed join link).
    join = text.split("/raum/")[1].split("/")[0]
    token = text.split("/schulungen/anmeldung/")[1].split("/")[0]
    assert registration.token_hash == hash_token(token)
    stored = str(dict(client.session.items()))
    assert join not in stored and token not in stored


def test_an_older_session_holding_the_links_fails_cleanly(client: Client, session) -> None:
    from buergerbuero.trainings.views import SESSION_REGISTERED

    client.post(url("register", session), individual())
    registration = Registration.objects.get()
    old = client.session
    old[SESSION_REGISTERED] = {"id": registration.pk, "join": "x" * 43, "token": "y" * 43, "at": "2026"}
    old.save()
    response = client.get(reverse("trainings:registered", args=["testkreis"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("trainings:list", args=["testkreis"])
    assert SESSION_REGISTERED not in client.session


def test_bad_input_is_shown_with_what_was_typed(client: Client, session) -> None:
    response = client.post(
        url("register", session), individual(email="kaputt", birth_date="31.02.2000", pow="")
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Erika  Muster" in text and 'aria-invalid="true"' in text
    assert Registration.objects.count() == 0


def test_deeply_nested_proof_of_work_is_bad_input(client: Client, session) -> None:
    # Under the length cap, but nested deeper than json's recursion limit (was HTTP 500).
    deep = __import__("base64").b64encode(b"[" * 1400).decode()
    response = client.post(url("register", session), individual(pow=deep))
    assert response.status_code == 400
    assert Registration.objects.count() == 0


def test_a_minor_without_consent_is_refused(client: Client, session) -> None:
    response = client.post(url("register", session), individual(birth_date="2012-01-01"))
    assert response.status_code == 409
    assert Registration.objects.count() == 0


def test_wrong_methods_and_other_authorities(client: Client, session) -> None:
    assert client.put(url("register", session)).status_code == 405
    assert client.get(reverse("trainings:register", args=["anderswo", session.pk])).status_code == 404
    assert client.get(reverse("trainings:register", args=["testkreis", 99999])).status_code == 404


def test_a_full_session_sends_back_to_the_list(client: Client, session) -> None:
    TrainingSession.objects.filter(pk=session.pk).update(capacity=0)
    response = client.get(url("register", session))
    assert response.status_code == 302


CSV = "Name;Geburtsdatum\r\nJörg Weiß;24.12.2011\r\nÄnne Öztürk;01.01.2007\r\n".encode("cp1252")


def class_data(**fields) -> dict:
    data = {
        "teacher_name": "Lena Lehrer",
        "email": "lehrer@schule.example",
        "school": "Mittelschule Testdorf",
        "class_name": "8b",
        "consent_mode": "per_pupil",
        "consent": "on",
    }
    data.update(fields)
    return data


def test_a_huge_class_list_is_capped_while_the_request_is_read(client: Client, session) -> None:
    """Neither held in memory nor written to disk whole: the handler keeps the first bytes only."""
    from django.conf import settings
    from django.core.files.uploadedfile import InMemoryUploadedFile

    from buergerbuero.trainings import csvimport

    upload = SimpleUploadedFile("klasse.csv", b"Erika Muster;01.02.2010\n" * 250_000, content_type="text/csv")
    response = client.post(url("register-class", session), class_data(pupils_file=upload))
    assert response.status_code == 400
    assert "200 KB" in response.content.decode()
    # Django's own handlers would have written this file (over FILE_UPLOAD_MAX_MEMORY_SIZE) to disk; ours
    # kept MAX_FILE_BYTES + 1 bytes of it in memory (tests/trainings/test_csvimport.py) and its size.
    received = response.wsgi_request.FILES["pupils_file"]
    assert isinstance(received, InMemoryUploadedFile) and received.size == 250_000 * 24
    assert received.size > settings.FILE_UPLOAD_MAX_MEMORY_SIZE > csvimport.MAX_FILE_BYTES
    assert Registration.objects.count() == 0
    # The CSRF check still holds for this view.
    strict = Client(enforce_csrf_checks=True)
    assert (
        strict.post(url("register-class", session), class_data(pupils_text="Erika; 1.2.2010")).status_code
        == 403
    )


def test_a_class_from_a_csv_file_with_consent_per_minor(client: Client, session) -> None:
    upload = SimpleUploadedFile("klasse.csv", CSV, content_type="text/csv")
    step1 = client.post(url("register-class", session), class_data(pupils_file=upload))
    assert step1.status_code == 200
    text = step1.content.decode()
    assert "Jörg Weiß" in text and "Änne Öztürk" in text
    assert 'name="consent_1"' in text and 'name="consent_2"' not in text  # Änne is 19 on the day
    # Without the box for Jörg: refused, nothing lost.
    refused = client.post(
        url("register-class", session),
        class_data(pupils_text="Jörg Weiß; 24.12.2011\nÄnne Öztürk; 01.01.2007", confirm="1", pow=solved()),
    )
    assert refused.status_code == 409 and "Jörg Weiß" in refused.content.decode()
    done = client.post(
        url("register-class", session),
        class_data(
            pupils_text="Jörg Weiß; 24.12.2011\nÄnne Öztürk; 01.01.2007",
            confirm="1",
            consent_1="1",
            pow=solved(),
        ),
    )
    assert done.status_code == 302
    registration = Registration.objects.get()
    assert registration.seats == 2 and registration.guardian_consent == GuardianConsent.PER_PERSON
    assert [(p.name, p.minor, p.guardian_consent) for p in registration.pupils.all()] == [
        ("Jörg Weiß", True, True),
        ("Änne Öztürk", False, False),
    ]


def test_bad_rows_are_listed_by_line_and_kept(client: Client, session) -> None:
    text = "Erika Muster;01.02.2010\nKaputt;99.99.2010\nMax Muster"
    response = client.post(url("register-class", session), class_data(pupils_text=text))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Line 2:" in body or "Zeile 2:" in body
    assert "Line 3:" in body or "Zeile 3:" in body
    assert "Kaputt;99.99.2010" in body  # the text stays in the form
    assert Registration.objects.count() == 0


def test_too_many_pupils_for_the_places(client: Client, session) -> None:
    rows = "\n".join(f"Kind {i}; 01.01.2010" for i in range(6))
    response = client.post(
        url("register-class", session),
        class_data(consent_mode="declaration", pupils_text=rows, confirm="1", pow=solved()),
    )
    assert response.status_code == 409
    assert "Only 5 places" in response.content.decode() or "5" in response.content.decode()
    assert Registration.objects.count() == 0


def test_the_registration_page_the_check_and_the_certificate(client: Client, session, world) -> None:
    registered = registration_actions.register_individual(
        session, name="Erika Muster", birth_date=dt.date(1990, 5, 1), email="e@example.org"
    )
    page = reverse("trainings:registration", args=[registered.token])
    assert client.get(page).status_code == 200
    assert client.get(reverse("trainings:registration", args=["falsch"])).status_code == 404
    # The session took place yesterday.
    past = timezone.now() - dt.timedelta(days=1)
    TrainingSession.objects.filter(pk=session.pk).update(starts_at=past)
    session.refresh_from_db()
    attend(registered.registration.member, past, past + dt.timedelta(hours=1))
    q1, q2 = session.training_type.questions.all()
    answers = {f"q{q.pk}": [str(c.pk) for c in q.choices.all() if c.correct] for q in (q1, q2)}
    response = client.post(page, answers)
    assert response.status_code == 302
    assert Registration.objects.get().check_score_percent == 100
    assert client.post(page, answers).status_code == 409
    session_actions.compute_completion(session, actor=world.official_a)
    session_actions.issue_certificates(TrainingSession.objects.get(pk=session.pk), actor=world.official_a)
    pdf = client.get(reverse("trainings:registration-certificate", args=[registered.token]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_the_class_page_roster_and_certificates(client: Client, session, world) -> None:
    registered = registration_actions.register_class(
        session,
        teacher_name="Lena Lehrer",
        email="l@example.org",
        school="Schule",
        class_name="",
        pupils=pupils(("Kai Klein", dt.date(2011, 1, 1)), ("Ben Groß", dt.date(2011, 2, 2))),
        teacher_declaration=True,
    )
    page = reverse("trainings:class", args=[registered.token])
    kai, ben = registered.registration.pupils.all()
    early = client.post(page, {"what": "check_in", "pupil": [kai.pk]})
    assert early.status_code == 409
    started = timezone.now() - dt.timedelta(minutes=5)
    TrainingSession.objects.filter(pk=session.pk).update(starts_at=started)
    assert client.post(page, {"what": "check_in", "pupil": [kai.pk]}).status_code == 302
    assert Pupil.objects.get(pk=kai.pk).checked_in_at is not None
    assert Pupil.objects.get(pk=ben.pk).checked_in_at is None
    assert client.post(page, {"what": "check_in", "pupil": ["x"]}).status_code == 400
    assert client.post(page, {"what": "nonsense"}).status_code == 400
    assert client.delete(page).status_code == 405
    # After the session: the teacher records the check; completion; certificates as one PDF.
    TrainingSession.objects.filter(pk=session.pk).update(starts_at=started - dt.timedelta(hours=2))
    session.refresh_from_db()
    attend(registered.registration.member, session.starts_at, session.ends_at)
    assert client.post(page, {"what": "check", "pupil": [kai.pk, ben.pk]}).status_code == 302
    session_actions.compute_completion(session, actor=world.official_a)
    session_actions.issue_certificates(TrainingSession.objects.get(pk=session.pk), actor=world.official_a)
    assert "Kai Klein" in client.get(page).content.decode()
    pdf = client.get(reverse("trainings:class-certificates", args=[registered.token]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_materials_only_for_members_and_staff(client: Client, session, world, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    material = catalogue_actions.add_material(
        session.training_type,
        SimpleUploadedFile("f.pdf", b"%PDF-1.4 x"),
        title="Folien",
        actor=world.official_a,
    )
    address = reverse("trainings:material", args=[material.pk])
    assert client.get(address).status_code == 404  # a stranger
    registered = registration_actions.register_individual(
        session, name="E", birth_date=dt.date(1990, 1, 1), email="e@example.org"
    )
    member_session = client.session
    member_session[ROOM_TOKENS] = {str(session.room_id): registered.join_token}
    member_session.save()
    response = client.get(address)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 x"
    assert response["Content-Type"] == "application/pdf" and "no-store" in response["Cache-Control"]
    assert login(Client(), world.official_a).get(address).status_code == 200
    assert login(Client(), world.official_b).get(address).status_code == 404  # another office
    assert login(Client(), world.other_admin).get(address).status_code == 404  # another authority
    assert not material.file.url.startswith(str(tmp_path))

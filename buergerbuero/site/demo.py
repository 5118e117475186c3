"""Demo data: the fictional "Landratsamt Musterkreis" with its offices, their hours and officials, a
hygiene instruction under § 43 IfSG with an upcoming session, two events (a hybrid mayors'
conference and a webinar of the volunteer agency), and three weeks of past consultations for the
statistics (stats/demo.py).

Idempotent: every object is found by a natural key and updated, so loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from buergerbuero.appointments.models import AppointmentSettings, BookingWindow
from buergerbuero.authorities.models import Authority, Role, Staff
from buergerbuero.events.actions.lifecycle import create_event
from buergerbuero.events.models import Event, RegistrationMode
from buergerbuero.offices.models import Assignment, Department, Office, OpeningInterval
from buergerbuero.rooms.models import RoomMode
from buergerbuero.stats.demo import create_history
from buergerbuero.trainings.actions import catalogue as catalogue_actions
from buergerbuero.trainings.actions import sessions as session_actions
from buergerbuero.trainings.checktext import parse_questions
from buergerbuero.trainings.models import TrainingSession, TrainingType

DEMO_PASSWORD = "demo-passwort-2026"  # noqa: S105 - printed by make run; demo data only
AUTHORITY_SLUG = "musterkreis"

Hours = dict[int, list[tuple[str, str]]]  # weekday -> [(start, end)]

MORNINGS: Hours = {d: [("08:00", "12:00")] for d in range(5)}
OFFICE_HOURS: Hours = {
    0: [("08:00", "12:00"), ("13:30", "16:00")],
    1: [("08:00", "12:00"), ("13:30", "16:00")],
    2: [("08:00", "12:00")],
    3: [("08:00", "12:00"), ("13:30", "18:00")],
    4: [("08:00", "12:30")],
}
AFTERNOONS: Hours = {1: [("14:00", "18:00")], 3: [("14:00", "18:00")]}


@dataclass(frozen=True)
class DemoOffice:
    slug: str
    name: str
    department: str
    description: str
    topics: str
    languages: str
    hours: Hours
    officials: tuple[tuple[str, str], ...]  # (username, display name); the first is the lead
    # Weekly windows for booked video appointments, and the slot length in minutes.
    appointments: Hours | None = None
    slot_minutes: int = 30


OFFICES = (
    DemoOffice(
        "energie",
        "Energieeinsparung und Klimaschutz",
        "Bauen und Umwelt",
        "Unabhängige Energieberatung für Eigentümerinnen, Eigentümer und Mietende: Sanierung, "
        "Heizungstausch, Photovoltaik und die passenden Förderprogramme von Bund, Land und Landkreis.",
        "Heizungstausch\nPhotovoltaik\nFörderprogramme\nEnergieausweis",
        "Deutsch, Englisch",
        OFFICE_HOURS,
        (("energie1", "Frau Berger"), ("energie2", "Herr Yilmaz")),
        appointments={1: [("14:00", "16:00")], 3: [("14:00", "16:00")]},
    ),
    DemoOffice(
        "wirtschaft",
        "Existenzgründung und Wirtschaftsförderung",
        "Kreisentwicklung",
        "Erste Orientierung für Gründerinnen und Gründer sowie für Unternehmen im Landkreis: vom "
        "Businessplan über Förderkredite bis zur Suche nach Gewerbeflächen.",
        "Gründungsberatung\nFörderkredite\nGewerbeflächen",
        "Deutsch, Englisch, Französisch",
        MORNINGS,
        (("wirtschaft1", "Herr Krüger"), ("wirtschaft2", "Frau Nowak"), ("wirtschaft3", "Herr Schulz")),
        appointments={0: [("13:00", "16:00")], 2: [("13:00", "16:00")]},
        slot_minutes=45,
    ),
    DemoOffice(
        "garten",
        "Gartenkultur und Landespflege",
        "Bauen und Umwelt",
        "Die Kreisfachberatung für Gartenkultur und Landespflege berät Privatleute und Gartenbauvereine zu "
        "Obstbäumen, Pflanzenschutz ohne Gift, Streuobstwiesen und naturnahen Gärten.",
        "Obstbaumschnitt\nPflanzenschutz\nStreuobst",
        "Deutsch",
        AFTERNOONS,
        (("garten1", "Frau Huber"),),
    ),
    DemoOffice(
        "sucht",
        "Suchtberatung (Gesundheitsamt)",
        "Gesundheitsamt",
        "Vertrauliche und kostenlose Beratung für Menschen mit Suchtproblemen und ihre Angehörigen. Sie "
        "können ohne Namen eintreten; die Beraterinnen und Berater unterliegen der Schweigepflicht.",
        "Alkohol\nGlücksspiel\nMedikamente\nAngehörige",
        "Deutsch, Russisch, Türkisch",
        {
            0: [("09:00", "12:00"), ("14:00", "17:00")],
            2: [("09:00", "12:00"), ("14:00", "17:00")],
            4: [("09:00", "12:00")],
        },
        (("sucht1", "Frau Demir"), ("sucht2", "Herr Wagner")),
    ),
    DemoOffice(
        "hygiene",
        "Infektionsschutz und Hygiene (Gesundheitsamt)",
        "Gesundheitsamt",
        "Belehrungen nach § 43 Infektionsschutzgesetz für alle, die mit Lebensmitteln arbeiten, auch für "
        "Schulklassen vor dem Praktikum, online mit Bescheinigung; Fragen zu Hygiene und Infektionsschutz.",
        "Belehrung nach § 43 IfSG\nHygiene in Küche und Betrieb\nMeldepflichten",
        "Deutsch, Englisch, Arabisch",
        MORNINGS,
        (("hygiene1", "Frau Albrecht"), ("hygiene2", "Herr Öztürk")),
    ),
    DemoOffice(
        "landraetin",
        "Büro der Landrätin",
        "Büro der Landrätin",
        "Ihr Anliegen, Ihre Anregung oder Ihre Beschwerde an die Landrätin: Das Büro nimmt sie auf und "
        "leitet sie an die zuständige Stelle weiter.",
        "Bürgeranliegen\nTermine der Landrätin",
        "Deutsch",
        {1: [("10:00", "12:00")], 3: [("15:00", "17:00")]},
        (("buero1", "Herr Lehmann"),),
    ),
    DemoOffice(
        "gleichstellung",
        "Gleichstellungsstelle",
        "Büro der Landrätin",
        "Beratung zur Vereinbarkeit von Familie, Pflege und Beruf, zum beruflichen Wiedereinstieg und bei "
        "Benachteiligung oder Belästigung, auch am Arbeitsplatz.",
        "Vereinbarkeit\nDiskriminierung\nWiedereinstieg",
        "Deutsch, Englisch",
        {0: [("09:00", "12:00")], 2: [("13:00", "16:00")], 3: [("09:00", "12:00")]},
        (("gleich1", "Frau Schneider"), ("gleich2", "Frau Keller")),
    ),
)

ALWAYS_OPEN: Hours = {d: [("00:00", "23:59")] for d in range(7)}


def _user(username: str, *, superuser: bool = False, reset_password: bool = False) -> User:
    """The demo account ``username``. Its password is set when the account is made (or on request), not
    on every load: checking it would cost an Argon2 hash per account, and an operator who changed a demo
    password keeps it."""
    user, created = User.objects.get_or_create(username=username)
    changed = created
    if created or reset_password or not user.has_usable_password():
        user.set_password(DEMO_PASSWORD)
        changed = True
    for field, value in (("is_staff", superuser), ("is_superuser", superuser), ("is_active", True)):
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed = True
    if changed:
        user.save()
    return user


def _set_hours(office: Office, hours: Hours) -> None:
    wanted = {
        (d, dt.time.fromisoformat(a), dt.time.fromisoformat(b))
        for d, spans in hours.items()
        for a, b in spans
    }
    existing = {(i.weekday, i.start, i.end): i for i in office.opening_intervals.all()}
    for key, interval in existing.items():
        if key not in wanted:
            interval.delete()
    for weekday, start, end in wanted - existing.keys():
        OpeningInterval.objects.create(office=office, weekday=weekday, start=start, end=end)


def _set_appointments(office: Office, spec: DemoOffice) -> None:

    if spec.appointments is None:
        return
    AppointmentSettings.objects.update_or_create(
        office=office, defaults={"enabled": True, "slot_minutes": spec.slot_minutes, "capacity": 1}
    )
    wanted = {
        (d, dt.time.fromisoformat(a), dt.time.fromisoformat(b))
        for d, spans in spec.appointments.items()
        for a, b in spans
    }
    existing = {(w.weekday, w.start, w.end): w for w in BookingWindow.objects.filter(office=office)}
    for key, window in existing.items():
        if key not in wanted:
            window.delete()
    for weekday, start, end in wanted - existing.keys():
        BookingWindow.objects.create(office=office, weekday=weekday, start=start, end=end)


@transaction.atomic
def load_demo(*, always_open: bool = False, reset_passwords: bool = False) -> Authority:
    authority, _ = Authority.objects.update_or_create(
        slug=AUTHORITY_SLUG,
        defaults={
            "name": "Landratsamt Musterkreis",
            "colour": "#1d4f91",
            "imprint_url": "https://www.musterkreis.example/impressum",
            "privacy_url": "https://www.musterkreis.example/datenschutz",
            "accessibility_url": "https://www.musterkreis.example/barrierefreiheit",
            "holiday_state": "BY",
        },
    )
    admin = _user("admin", reset_password=reset_passwords)
    Staff.objects.update_or_create(
        user=admin,
        defaults={"authority": authority, "display_name": "Frau Richter", "role": Role.AUTHORITY_ADMIN},
    )
    _user("superuser", superuser=True, reset_password=reset_passwords)
    for spec in OFFICES:
        department, _ = Department.objects.get_or_create(authority=authority, name=spec.department)
        office, _ = Office.objects.update_or_create(
            authority=authority,
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "department": department,
                "description": spec.description,
                "topics": spec.topics,
                "languages": spec.languages,
            },
        )
        _set_hours(office, ALWAYS_OPEN if always_open else spec.hours)
        _set_appointments(office, spec)
        for index, (username, display_name) in enumerate(spec.officials):
            staff, _ = Staff.objects.update_or_create(
                user=_user(username, reset_password=reset_passwords),
                defaults={"authority": authority, "display_name": display_name, "role": Role.OFFICIAL},
            )
            Assignment.objects.update_or_create(office=office, staff=staff, defaults={"is_lead": index == 0})
    _group_sessions(authority)
    if not always_open:
        # The history follows the real opening hours (an always-open demo is for the browser tests).
        create_history(authority)
    return authority


IFSG_TITLE = "Belehrung nach § 43 IfSG"
IFSG_CHECK = """Was tun Sie, wenn Sie Durchfall und Erbrechen haben?
* Ich arbeite nicht mit Lebensmitteln und sage es meinem Arbeitgeber.
- Ich arbeite weiter und wasche mir öfter die Hände.
Wann waschen Sie sich die Hände?
* Vor der Arbeit, nach Pausen und nach dem Toilettengang.
- Nur wenn die Hände sichtbar schmutzig sind.
"""
CONFERENCE_TITLE = "Bürgermeisterkonferenz"
WEBINAR_TITLE = "Ehrenamt im Musterkreis: Kursreihe, Teil 1"


def _next(days: int, hour: int) -> dt.datetime:
    from django.utils import timezone

    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _group_sessions(authority: Authority) -> None:
    """A § 43 IfSG training type with a session tomorrow, and two events next week; an upcoming session
    or event of each is made again once the last one has passed (loading twice adds nothing)."""
    from django.utils import timezone

    now = timezone.now()
    hygiene = Office.objects.get(authority=authority, slug="hygiene")
    presenter = Staff.objects.get(user__username="hygiene1")
    training_type = TrainingType.objects.filter(office=hygiene, title=IFSG_TITLE).first()
    if training_type is None:
        training_type = catalogue_actions.create_type(
            hygiene,
            actor=presenter,
            title=IFSG_TITLE,
            legal_basis="§ 43 Abs. 1 Nr. 1 Infektionsschutzgesetz (IfSG)",
            description="Die Erstbelehrung für Tätigkeiten mit Lebensmitteln: Krankheitserreger, "
            "Tätigkeitsverbote, Hygieneregeln und Ihre Mitteilungspflicht. Mit Bescheinigung.",
            duration_minutes=45,
            required_attendance_percent=90,
            pass_mark_percent=100,
        )
        questions, _errors = parse_questions(IFSG_CHECK)
        catalogue_actions.set_questions(training_type, questions, actor=presenter)
    if not TrainingSession.objects.filter(training_type=training_type, starts_at__gt=now).exists():
        session_actions.create_session(
            training_type, starts_at=_next(1, 10), capacity=60, presenters=[presenter], actor=presenter
        )
    office = Office.objects.get(authority=authority, slug="landraetin")
    moderator = Staff.objects.get(user__username="buero1")
    if not Event.objects.filter(authority=authority, title=CONFERENCE_TITLE, starts_at__gt=now).exists():
        create_event(
            moderator,
            office=office,
            title=CONFERENCE_TITLE,
            description="Die Landrätin und die Bürgermeisterinnen und Bürgermeister des Landkreises, im "
            "Sitzungssaal und zugeschaltet.",
            starts_at=_next(7, 14),
            ends_at=_next(7, 16),
            mode=RoomMode.CONFERENCE,
            registration=RegistrationMode.INVITATION,
            capacity=40,
            moderators=[moderator],
        )
    admin = Staff.objects.get(user__username="admin")
    if not Event.objects.filter(authority=authority, title=WEBINAR_TITLE, starts_at__gt=now).exists():
        create_event(
            admin,
            office=None,
            title=WEBINAR_TITLE,
            description="Die Freiwilligenagentur stellt Einsatzfelder im Ehrenamt vor. Fragen stellen Sie "
            "im Chat oder per Handzeichen.",
            starts_at=_next(8, 18),
            ends_at=_next(8, 19),
            mode=RoomMode.WEBINAR,
            registration=RegistrationMode.OPEN,
            capacity=200,
            moderators=[admin],
        )

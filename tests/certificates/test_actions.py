"""certificates.actions: issuing (idempotent per source key), revoking, deleting after the retention
period; the audit log holds no personal data."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from buergerbuero.audit.models import AuditEntry
from buergerbuero.certificates import actions, identifiers
from buergerbuero.certificates.models import Certificate
from buergerbuero.core.errors import ActionError
from tests.certificates.conftest import LEGAL_BASIS, TITLE
from tests.staff.helpers import actions_of

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 6, 1, 10, 0, tzinfo=dt.UTC)


def _issue(world, **changes):
    arguments = {
        "authority": world.authority,
        "office": world.office_a,
        "holder_name": "  Jörg   Müßig-Äbele ",
        "birth_date": dt.date(2007, 3, 14),
        "title": TITLE,
        "legal_basis": LEGAL_BASIS,
        "held_on": dt.date(2025, 5, 6),
        "source_key": "training-participant-1",
        "actor": world.official_a.user,
        "now": NOW,
        **changes,
    }
    return actions.issue(**arguments)


def test_issue_makes_a_certificate_and_audits_it_without_personal_data(world) -> None:
    certificate = _issue(world)
    certificate.refresh_from_db()
    assert certificate.holder_name == "Jörg Müßig-Äbele"  # spaces tidied
    assert certificate.title == TITLE and certificate.legal_basis == LEGAL_BASIS
    assert certificate.office == world.office_a and certificate.authority == world.authority
    assert certificate.issued_at == NOW and not certificate.is_revoked
    assert identifiers.normalise(certificate.identifier) == certificate.identifier
    assert certificate.verification_url == (
        f"http://127.0.0.1:8000/bescheinigung/{certificate.display_identifier}/"
    )
    entry = AuditEntry.objects.get(object_type="certificate", object_id=certificate.pk)
    assert entry.action == "certificate.issued"
    assert entry.actor == world.official_a.user
    dumped = json.dumps(entry.data, ensure_ascii=False)
    for personal in ("Jörg", "Müßig", "2007", certificate.identifier):
        assert personal not in dumped


def test_issue_is_idempotent_per_source_key(world) -> None:
    first = _issue(world)
    again = _issue(world, holder_name="Someone Else", held_on=dt.date(2025, 5, 7))
    assert again.pk == first.pk
    assert again.holder_name == "Jörg Müßig-Äbele"  # what was printed stays
    assert Certificate.objects.count() == 1
    assert actions_of(world.authority, "certificate") == ["certificate.issued"]
    other = _issue(world, source_key="training-participant-2")
    assert other.pk != first.pk and other.identifier != first.identifier


def test_a_revoked_certificate_is_returned_as_it_is(world) -> None:
    first = _issue(world)
    actions.revoke(first, actor=world.admin.user, reason="Falsche Person")
    assert _issue(world).is_revoked


def test_issue_refuses_bad_input_and_stores_nothing(world) -> None:
    with pytest.raises(ActionError) as error:
        _issue(world, holder_name="   ")
    assert error.value.code == "invalid"
    with pytest.raises(ActionError):
        _issue(world, title="")
    with pytest.raises(ActionError):
        _issue(world, holder_name="x" * 201)
    with pytest.raises(ActionError):
        _issue(world, office=world.other_office)  # an office of another authority
    with pytest.raises(ActionError):
        _issue(world, source_key="")
    assert not Certificate.objects.exists()
    assert not AuditEntry.objects.filter(object_type="certificate").exists()


def test_a_source_key_of_another_authority_is_refused(world) -> None:
    _issue(world)
    with pytest.raises(ActionError):
        _issue(world, authority=world.other_authority, office=world.other_office)


def test_revoke_records_who_when_and_why(world) -> None:
    certificate = _issue(world)
    revoked = actions.revoke(certificate, actor=world.admin.user, reason=" Teilnahme  nicht belegt ", now=NOW)
    assert revoked.revoked_at == NOW
    assert revoked.revoked_by == world.admin.user
    assert revoked.revoke_reason == "Teilnahme nicht belegt"
    entry = AuditEntry.objects.filter(action="certificate.revoked").get()
    assert entry.actor == world.admin.user and entry.object_id == certificate.pk
    assert "Teilnahme" not in json.dumps(entry.data)


def test_revoking_twice_is_refused_and_keeps_the_first_reason(world) -> None:
    certificate = _issue(world)
    stale = Certificate.objects.get(pk=certificate.pk)
    actions.revoke(certificate, actor=world.admin.user, reason="first")
    with pytest.raises(ActionError) as error:
        actions.revoke(stale, actor=world.official_a.user, reason="second")
    assert error.value.code == "already_revoked"
    certificate.refresh_from_db()
    assert certificate.revoke_reason == "first" and certificate.revoked_by == world.admin.user
    assert actions_of(world.authority, "certificate").count("certificate.revoked") == 1


def test_revoke_needs_a_reason(world) -> None:
    certificate = _issue(world)
    with pytest.raises(ActionError):
        actions.revoke(certificate, actor=world.admin.user, reason="  ")
    with pytest.raises(ActionError):
        actions.revoke(certificate, actor=world.admin.user, reason="x" * 501)
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_delete_expired_deletes_after_the_retention_period(world, settings) -> None:
    settings.CERTIFICATE_RETENTION_DAYS = 100
    old = _issue(world, source_key="old", now=NOW - dt.timedelta(days=100, seconds=1))
    revoked_old = _issue(world, source_key="revoked-old", now=NOW - dt.timedelta(days=365))
    actions.revoke(revoked_old, actor=world.admin.user, reason="x")
    kept = _issue(world, source_key="kept", now=NOW - dt.timedelta(days=100))
    other = actions.issue(
        authority=world.other_authority,
        office=world.other_office,
        holder_name="Otto",
        birth_date=dt.date(1990, 1, 1),
        title=TITLE,
        legal_basis="",
        held_on=dt.date(2020, 1, 1),
        source_key="other-old",
        now=NOW - dt.timedelta(days=101),
    )

    assert actions.delete_expired(NOW) == 3
    assert list(Certificate.objects.all()) == [kept]
    deleted = AuditEntry.objects.filter(action="certificate.deleted")
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted([old.pk, revoked_old.pk, other.pk])
    assert deleted.get(object_id=other.pk).authority == world.other_authority
    assert actions.delete_expired(NOW) == 0  # idempotent
    assert actions.delete_expired(NOW + dt.timedelta(days=1)) == 1


def test_a_concurrent_issue_for_the_same_key_returns_the_winner(world, monkeypatch) -> None:
    """The other request inserted between our check and our INSERT: the unique constraint refuses ours,
    and we return theirs (no second certificate, no second audit entry)."""
    winner = _issue(world)
    real_filter = Certificate.objects.filter
    calls = {"n": 0}

    def filter_missing_the_first_time(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            return Certificate.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Certificate.objects, "filter", filter_missing_the_first_time)
    assert _issue(world).pk == winner.pk
    monkeypatch.undo()
    assert Certificate.objects.count() == 1
    assert actions_of(world.authority, "certificate") == ["certificate.issued"]


def test_an_identifier_that_is_taken_is_drawn_again(world, monkeypatch) -> None:
    first = _issue(world)
    fresh = identifiers.new()
    drawn = iter([first.identifier, fresh])
    monkeypatch.setattr(identifiers, "new", lambda: next(drawn))
    second = _issue(world, source_key="training-participant-2")
    assert second.identifier == fresh

"""The audit log reads as text: every action code the package records has a label, in German by default
and in English, and the admin's pages show the labels instead of the codes."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from buergerbuero.audit.labels import ACTION_LABELS, action_label, object_label
from buergerbuero.audit.models import AuditEntry
from buergerbuero.calls.actions.admission import admit
from tests.audit.codes import recorded_codes
from tests.conftest import enter, open_


def test_every_recorded_code_has_a_label() -> None:
    scan = recorded_codes()
    assert scan.unresolved == [], "teach tests/audit/codes.py to follow these"
    # The scan finds what the code records (a few dozen codes in every app that writes the log).
    assert {"office.opened", "ticket.waiting", "ticket.in_consultation", "room.video_allowed"} <= scan.codes
    assert {"booking.lapsed", "consultation.colleague_declined"} <= scan.codes
    assert sorted(scan.codes - ACTION_LABELS.keys()) == []


def test_no_label_for_a_code_nobody_records() -> None:
    assert sorted(ACTION_LABELS.keys() - recorded_codes().codes) == []


def test_labels_are_sentences_not_codes_and_unknown_codes_still_read() -> None:
    with translation.override("en"):
        assert action_label("office.opened") == "Office opened"
        assert action_label("ticket.invited") == "Citizen admitted"
        assert action_label("office.renamed") == "Other action (office.renamed)"
        assert object_label("ticket") == "ticket"
        assert object_label("gone_model") == "gone_model"
        labels = [action_label(code) for code in ACTION_LABELS]
    assert all("." not in label and "_" not in label for label in labels)
    assert len(set(labels)) == len(labels), "two actions read the same"


def test_labels_follow_the_language() -> None:
    with translation.override("de"):
        german = action_label("office.opened")
        ticket = object_label("ticket")
    with translation.override("en"):
        english = action_label("office.opened")
    assert english == "Office opened"
    # German is the default; until a label's translation is merged, it reads as its English msgid.
    assert german in {"Office opened", "Büro geöffnet"}
    assert ticket == "Wartemarke"  # the model's verbose name, translated


@pytest.mark.django_db
def test_the_admin_shows_the_log_as_text(client, world) -> None:
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-1234"))
    open_(world.official_a, world.office_a)
    enter(world.office_a)
    admit(world.official_a, world.office_a)
    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.action for e in entries] == [
        "office.opened",
        "presence.started",
        "ticket.created",
        "ticket.invited",
        "consultation.started",
    ]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the admin in English (German by default)
    with translation.override("en"):
        changelist = client.get(reverse("admin:audit_auditentry_changelist"))
        page = changelist.content.decode()
        for entry in entries:
            assert f'<td class="field-action_text">{action_label(entry.action)}</td>' in page
        # Neither the column nor the filter shows a code.
        for code in ("office.opened", "ticket.invited", "consultation.started"):
            assert f">{code}<" not in page and f'"field-action_text">{code}' not in page
        assert '<td class="field-object_text">ticket</td>' in page
        assert "?action=ticket.invited" in page and ">Citizen admitted</a>" in page

        filtered = client.get(reverse("admin:audit_auditentry_changelist"), {"action": "ticket.invited"})
        assert filtered.context["cl"].result_count == 1

        entry = next(e for e in entries if e.action == "office.opened")
        detail = client.get(reverse("admin:audit_auditentry_change", args=[entry.pk])).content.decode()
        assert "Office opened" in detail and "office.opened" not in detail
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    german = client.get(reverse("admin:audit_auditentry_changelist")).content.decode()
    assert '<td class="field-action_text">Büro geöffnet</td>' in german
    with translation.override("en"):
        assert str(entry).endswith(f"Office opened: office {world.office_a.pk}")

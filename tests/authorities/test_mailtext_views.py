"""The authority's mail texts pages: an administrator lists, edits, previews and resets their own
authority's texts (audited); officials get 403, anonymous visitors the login; another authority's
administrator only ever reaches their own texts; bad input keeps what was typed and names the problem."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from buergerbuero.audit.models import AuditEntry
from buergerbuero.authorities import mailtexts
from buergerbuero.authorities.mailtext_actions import reset_mail_text, set_mail_text
from buergerbuero.authorities.models import MailText
from buergerbuero.core.errors import ActionError
from tests.conftest import login

pytestmark = pytest.mark.django_db

LIST = "/staff/authority/mails/"
EDIT = "/staff/authority/mails/appointments.confirmed/de/"
RESET = "/staff/authority/mails/appointments.confirmed/de/reset/"


def english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def own(world, subject: str = "Termin am {date}", body: str = "Hallo {name}") -> MailText:
    return set_mail_text(
        world.authority, "appointments.confirmed", "de", subject=subject, body=body, actor=world.admin
    )


def test_the_addresses_are_mounted() -> None:
    assert reverse("staff_authority:mail-texts") == LIST
    assert reverse("staff_authority:mail-text", args=["appointments.confirmed", "de"]) == EDIT
    assert reverse("staff_authority:mail-text-reset", args=["appointments.confirmed", "de"]) == RESET


def test_the_administrator_sees_every_mail_in_every_language(client, world) -> None:
    own(world)
    login(client, world.admin)
    english(client)
    response = client.get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<h1>") == 1 and "Mail texts</h1>" in page
    for kind in mailtexts.MAIL_TYPES:
        for language in ("de", "en"):
            assert f'data-kind="{kind}" data-language="{language}"' in page
    assert page.count(">own text</a>") == 1
    assert page.count(">default text</a>") == 2 * len(mailtexts.MAIL_TYPES) - 1


def test_the_edit_page_starts_from_the_default_with_placeholders_and_preview(client, world) -> None:
    login(client, world.admin)
    english(client)
    response = client.get(EDIT)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<code>{manage_url}</code>" in page and "<code>{confirm_url}</code>" not in page
    # The German default, with placeholders, to start from; the preview shows it with sample values.
    assert 'value="Termin bestätigt: {date} um {time} Uhr, {office}"' in page
    assert "Guten Tag {name}," in page
    assert "Guten Tag Erika Mustermann," in page
    assert 'id="reset-mail-text"' not in page
    assert MailText.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_the_administrator_saves_and_it_is_audited(client, world) -> None:
    login(client, world.admin)
    english(client)
    data = {"subject": "Ihr Termin am {date}", "body": "Hallo {name},\r\nbis bald.\r\n", "save": ""}
    response = client.post(EDIT, data, follow=True)
    assert response.redirect_chain == [(EDIT, 302)]
    page = response.content.decode()
    assert "The mail text has been saved." in page and 'id="reset-mail-text"' in page
    text = MailText.objects.get()
    assert (text.authority, text.kind, text.language) == (world.authority, "appointments.confirmed", "de")
    assert (text.subject, text.body) == ("Ihr Termin am {date}", "Hallo {name},\nbis bald.\n")
    (entry,) = AuditEntry.objects.all()
    assert entry.action == "authority.mail_text_changed" and entry.actor_id == world.admin.user_id
    assert entry.data == {"kind": "appointments.confirmed", "language": "de"}
    assert entry.authority_id == world.authority.pk
    # Saving the same text again changes nothing and writes no entry.
    client.post(EDIT, data)
    assert AuditEntry.objects.count() == 1


def test_the_preview_does_not_save(client, world) -> None:
    login(client, world.admin)
    english(client)
    data = {"subject": "Am {date}", "body": "Hallo {name} aus {office}", "preview": ""}
    response = client.post(EDIT, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hallo Erika Mustermann aus Bürgeramt" in page
    assert MailText.objects.count() == 0 and AuditEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("body", "Hallo {name} {passwort}", "This placeholder is not available for this mail: {passwort}"),
        ("body", "Hallo\x1b[31m", "Control characters are not allowed"),
        ("subject", "Termin", None),
        ("subject", "x" * 201, "At most 200 characters are allowed; this text has 201."),
        ("body", "Hallo {name", "A single curly brace is not allowed"),
    ],
)
def test_bad_input_is_refused_and_kept(client, world, field, value, message) -> None:
    login(client, world.admin)
    english(client)
    data = {"subject": "Termin", "body": "Hallo", "save": ""}
    data[field] = value
    if message is None:  # a valid pair, to show the cases below are refused for their own reason
        assert client.post(EDIT, data).status_code == 302
        return
    response = client.post(EDIT, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and 'aria-invalid="true"' in page and 'id="error-summary"' in page
    assert MailText.objects.count() == 0


def test_reset_goes_back_to_the_default_and_is_audited(client, world) -> None:
    own(world)
    login(client, world.admin)
    english(client)
    response = client.post(RESET, follow=True)
    assert response.redirect_chain == [(EDIT, 302)]
    assert "The mail has the default text again." in response.content.decode()
    assert MailText.objects.count() == 0
    assert list(AuditEntry.objects.values_list("action", flat=True).order_by("pk")) == [
        "authority.mail_text_changed",
        "authority.mail_text_reset",
    ]
    assert client.get(RESET).status_code == 405


def test_wrong_methods_and_unknown_mails(client, world) -> None:
    login(client, world.admin)
    assert client.post(LIST).status_code == 405
    assert client.get("/staff/authority/mails/appointments.nothing/de/").status_code == 404
    assert client.get("/staff/authority/mails/appointments.confirmed/fr/").status_code == 404
    assert client.post("/staff/authority/mails/appointments.confirmed/fr/reset/").status_code == 404


def test_an_official_gets_403(client, world) -> None:
    own(world)
    login(client, world.official_a)
    assert client.get(LIST).status_code == 403
    assert client.get(EDIT).status_code == 403
    assert client.post(EDIT, {"subject": "x", "body": "y", "save": ""}).status_code == 403
    assert client.post(RESET).status_code == 403
    assert MailText.objects.get().subject == "Termin am {date}"


def test_anonymous_visitors_get_the_login(client, world) -> None:
    for response in (client.get(LIST), client.get(EDIT), client.post(RESET)):
        assert response.status_code == 302 and "login" in response["Location"]
    assert AuditEntry.objects.count() == 0


def test_another_authority_administrator_only_reaches_their_own(client, world) -> None:
    own(world)
    login(client, world.other_admin)
    page = client.get(LIST).content.decode()
    assert "own text" not in page and "eigener Text" not in page
    response = client.get(EDIT)
    assert "Termin am {date}" not in response.content.decode()
    client.post(RESET)
    client.post(EDIT, {"subject": "Anders {date}", "body": "Anders", "save": ""})
    assert MailText.objects.get(authority=world.authority).subject == "Termin am {date}"
    assert MailText.objects.get(authority=world.other_authority).subject == "Anders {date}"


def test_the_actions_check_who_acts_and_the_text(world) -> None:
    with pytest.raises(ActionError) as error:
        set_mail_text(
            world.authority, "appointments.confirmed", "de", subject="a", body="b", actor=world.official_a
        )
    assert error.value.code == "not_admin"
    with pytest.raises(ActionError) as error:
        reset_mail_text(world.authority, "appointments.confirmed", "de", actor=world.other_admin)
    assert error.value.code == "other_authority"
    with pytest.raises(ActionError) as error:
        set_mail_text(world.authority, "x.y", "de", subject="a", body="b", actor=world.admin)
    assert error.value.code == "unknown_mail"
    with pytest.raises(ActionError) as error:
        set_mail_text(
            world.authority, "appointments.confirmed", "de", subject="a", body="\ud800", actor=world.admin
        )
    assert error.value.code == "invalid_mail_text"
    assert reset_mail_text(world.authority, "appointments.confirmed", "de", actor=world.admin) is False
    assert MailText.objects.count() == 0 and AuditEntry.objects.count() == 0

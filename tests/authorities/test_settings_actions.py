"""authorities.settings_actions: an administrator changes their authority's settings; the audit entry
names the fields that changed; values are checked as the model checks them, plus the colour's contrast."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from buergerbuero.audit.models import AuditEntry
from buergerbuero.authorities.models import Authority
from buergerbuero.authorities.settings_actions import check_colour, update_settings
from buergerbuero.core.errors import ActionError

pytestmark = pytest.mark.django_db


def settings_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="authority.settings_changed").order_by("id"))


def test_an_administrator_changes_settings_and_the_log_names_the_fields(world) -> None:
    authority = update_settings(
        world.authority,
        actor=world.admin,
        name="  Landratsamt Neukreis ",
        colour="#004B23",
        imprint_url="https://www.neukreis.de/impressum",
        privacy_url="https://www.neukreis.de/datenschutz",
        accessibility_url="",
        holiday_state="NW",
        embed_origins="HTTPS://www.Neukreis.de/\n\nhttp://localhost:8080",
    )
    stored = Authority.objects.get(pk=world.authority.pk)
    assert stored.name == "Landratsamt Neukreis"
    assert stored.colour == "#004b23"
    assert stored.imprint_url == "https://www.neukreis.de/impressum"
    assert stored.holiday_state == "NW"
    assert stored.embed_origins == "https://www.neukreis.de\nhttp://localhost:8080"
    assert authority.name == stored.name
    (entry,) = settings_entries()
    assert entry.authority_id == world.authority.pk
    assert entry.actor_id == world.admin.user_id
    assert (entry.object_type, entry.object_id) == ("authority", world.authority.pk)
    assert entry.data == {
        "fields": ["name", "colour", "imprint_url", "privacy_url", "holiday_state", "embed_origins"]
    }


def test_nothing_changed_writes_no_entry(world) -> None:
    update_settings(world.authority, actor=world.admin, name="Landratsamt Testkreis", holiday_state="BY")
    assert settings_entries() == []
    assert Authority.objects.get(pk=world.authority.pk).name == "Landratsamt Testkreis"


@pytest.mark.parametrize("who", ["official_a", "official_b"])
def test_an_official_who_is_no_administrator_is_refused(world, who) -> None:
    with pytest.raises(ActionError) as refused:
        update_settings(world.authority, actor=getattr(world, who), name="Übernommen")
    assert refused.value.code == "not_admin"
    assert Authority.objects.get(pk=world.authority.pk).name == "Landratsamt Testkreis"
    assert settings_entries() == []


def test_another_authoritys_administrator_is_refused(world) -> None:
    with pytest.raises(ActionError) as refused:
        update_settings(world.authority, actor=world.other_admin, name="Übernommen")
    assert refused.value.code == "other_authority"
    assert Authority.objects.get(pk=world.authority.pk).name == "Landratsamt Testkreis"
    assert settings_entries() == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"colour": "blue"}, "Enter a colour as #RRGGBB."),
        ({"colour": "#ffff00"}, "The contrast is 1.0:1; at least 4.5:1 is needed."),
        ({"imprint_url": "impressum"}, "Enter a valid URL."),
        ({"holiday_state": "XX"}, "Value 'XX' is not a valid choice."),
        ({"embed_origins": "https://ok.de\nftp://x.de"}, "Line 2:"),
        ({"name": "   "}, "This field cannot be blank."),
    ],
)
def test_invalid_values_are_refused_with_the_reason(world, fields, message) -> None:
    with translation.override("en"), pytest.raises(ActionError) as refused:
        update_settings(world.authority, actor=world.admin, **fields)
    assert refused.value.code == "invalid_settings"
    assert message in refused.value.message
    stored = Authority.objects.get(pk=world.authority.pk)
    assert (stored.colour, stored.imprint_url, stored.holiday_state) == ("#1d4f91", "", "BY")
    assert settings_entries() == []


def test_unknown_fields_are_a_programming_error(world) -> None:
    with pytest.raises(TypeError, match="slug"):
        update_settings(world.authority, actor=world.admin, slug="neu")
    assert Authority.objects.get(pk=world.authority.pk).slug == "testkreis"


def test_a_weak_colour_set_earlier_does_not_block_other_changes(world) -> None:
    Authority.objects.filter(pk=world.authority.pk).update(colour="#7fb3ff")
    update_settings(world.authority, actor=world.admin, colour="#7FB3FF", name="Neu")
    stored = Authority.objects.get(pk=world.authority.pk)
    assert (stored.name, stored.colour) == ("Neu", "#7fb3ff")
    assert settings_entries()[0].data == {"fields": ["name"]}


def test_the_contrast_message_gives_the_ratio_in_the_language_of_the_page() -> None:
    with translation.override("en"), pytest.raises(ValidationError) as english:
        check_colour("#7fb3ff")
    with translation.override("de"), pytest.raises(ValidationError) as german:
        check_colour("#7fb3ff")
    assert "1.9:1" in english.value.messages[0] and "4.5:1" in english.value.messages[0]
    assert "1,9:1" in german.value.messages[0] and "4,5:1" in german.value.messages[0]
    # 4.54:1 with white text, but only 4.1:1 as text on the page surface: refused, by the lower ratio.
    with translation.override("en"), pytest.raises(ValidationError) as grey:
        check_colour("#767676")
    assert "4.1:1" in grey.value.messages[0]
    check_colour("#1d4f91")  # the default: readable on both
